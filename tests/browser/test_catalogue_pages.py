"""The edit page, the dashboard, the password form and the site's lists, in Chromium, audited by axe-core."""

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip


def test_editing_protecting_sharing_and_deleting_a_video(page, chromium, live_server, tmp_path):
    video_id = import_and_wait(live_server, make_clip(tmp_path, "edit.mp4", seconds=2, size="320x180"))
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/admin/site/catalogue")
    page.get_by_label("New discipline").fill("Physics")
    page.get_by_label("New discipline").press("Enter")
    page.wait_for_load_state()
    audit(page)

    visit(page, f"{live_server}/videos/{video_id}/edit")
    page.get_by_label("Title", exact=True).fill("Optique <1>")
    page.get_by_label("Description", exact=True).fill("**Lentilles** et [miroirs](https://example.org)")
    page.get_by_label("Type").select_option(label="Course")
    page.get_by_label("Physics").check()
    page.get_by_label("Tags").fill("Optics, Light")
    page.get_by_label("Licence").select_option("cc-by-sa")
    page.get_by_label("Date recorded").fill("2024-01-02")
    page.get_by_role("radio", name="Anyone with the password").check()
    page.get_by_label("Password (for anyone with the password)").fill("x")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    audit(page)  # the page with its errors
    assert page.locator("#edit-password-error").is_visible()
    page.get_by_label("Password (for anyone with the password)").fill("sesame 1234")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").text_content().strip() == "Saved."
    page.get_by_role("button", name="Create a share link").click()
    page.wait_for_load_state()
    audit(page)

    visit(page, f"{live_server}/videos/{video_id}")
    assert page.locator(".description strong").text_content() == "Lentilles"
    assert page.locator(".description a").get_attribute("rel") == "nofollow noopener"

    guest = chromium.new_context(locale="en-GB").new_page()
    visit(guest, f"{live_server}/videos/{video_id}")
    guest.get_by_label("This video is protected by a password. Password:").fill("sesame 1234")
    guest.get_by_role("button", name="Watch").click()
    guest.wait_for_load_state()
    audit(guest)
    assert guest.locator("[data-player]").count() == 1
    guest.context.close()

    visit(page, f"{live_server}/my/videos?access=password")
    page.get_by_label("Select Optique <1>").check()
    page.get_by_label("With the selected videos").select_option("delete")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    audit(page)
    page.get_by_role("button", name="Delete 1 video for good").click()
    page.wait_for_load_state()
    audit(page)
    assert page.get_by_role("status").text_content().strip() == "1 video deleted."
