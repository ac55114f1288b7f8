"""In Chromium: the header counts unread notifications; the notifications page and the preferences are
usable with the keyboard, fit a phone without scrolling sideways, and pass axe in both colour schemes."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Notification, User
from core.platform.db import make_engine
from core.testing import open_account_menu
from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit


@pytest.fixture
def notified_admin(live_server):
    """Three unread notifications for the live server's admin (one with a long title)."""
    engine = make_engine(live_server.database_url)
    titles = ["Your video “Cours 1” is ready", "bob answered your comment on “Cours 2”", "x" * 120]
    with Session(engine) as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        for earlier in session.scalars(select(Notification)):  # other tests' imports notified the admin too
            session.delete(earlier)
        session.add_all(
            Notification(site_id=admin.site_id, user_id=admin.id, kind="video.ready", title=t, link="/", text="")
            for t in titles
        )
        session.commit()
    yield
    with Session(engine) as session:
        for notification in session.scalars(select(Notification)):
            session.delete(notification)
        session.commit()
    engine.dispose()


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", [(390, 844), (1366, 768)])
def test_the_notifications_page_by_keyboard(page, live_server, notified_admin, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    open_account_menu(page)
    link = page.get_by_role("link", name="Notifications (3 unread)")
    assert link.locator(".badge").text_content() == "3"
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/notifications")
    audit(page)
    assert no_sideways_scroll(page)
    assert page.locator(".notify-unread").count() == 3
    # Mark one read with the keyboard: the count follows.
    page.get_by_role("button", name="Mark as read: bob answered your comment on “Cours 2”").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.get_by_role("status").text_content() == "Marked as read."
    open_account_menu(page)
    assert page.get_by_role("link", name="Notifications (2 unread)").is_visible()
    assert page.locator(".notify-unread").count() == 2
    audit(page)
    page.get_by_role("button", name="Mark all as read").click()
    page.wait_for_load_state()
    assert page.locator(".notify-unread").count() == 0
    audit(page)
    # The preferences: checkboxes with labels, saved.
    visit(page, f"{live_server}/notifications/preferences")
    assert no_sideways_scroll(page)
    box = page.get_by_role("group", name="A video of mine is ready").get_by_label("By e-mail")
    assert box.is_checked()
    box.uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").text_content() == "Your preferences are saved."
    assert not page.get_by_role("group", name="A video of mine is ready").get_by_label("By e-mail").is_checked()
    audit(page)
    page.get_by_role("group", name="A video of mine is ready").get_by_label("By e-mail").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
