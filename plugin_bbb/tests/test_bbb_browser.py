"""The BigBlueButton pages in Chromium (Debian's, through Playwright), with axe-core on every page: a site
admin adds the fake server (streaming through the fake gateway) and tests it, creates a meeting open to
anyone with the link and joins it as moderator; a visitor without an account follows the invitation and
joins as a guest; the admin broadcasts the meeting into a live event, the page following its state, and
stops it."""

from core.testing import LIVE_ADMIN_PASSWORD, audit, shoot, sign_in, visit
from plugin_bbb.testing import serving, serving_gateway


def test_a_site_admin_sets_up_a_server_a_guest_joins_a_meeting_and_it_is_broadcast(chromium, page, live_server):
    with serving() as fake, serving_gateway() as gateway:
        sign_in(page, live_server, "admin", LIVE_ADMIN_PASSWORD)
        page.get_by_role("link", name="BigBlueButton servers").first.click()
        audit(page)
        page.get_by_role("link", name="Add a server").click()
        audit(page)
        page.get_by_label("Name", exact=True).fill("Browser BBB")
        page.get_by_label("Address of the API").fill(fake.url)
        page.get_by_label("Shared secret").fill(fake.secret)
        page.get_by_label("Checksum algorithm").select_option("sha256")
        page.get_by_label("A streaming gateway does (SIPMediaGW)").check()
        page.get_by_label("Address of the gateway").fill(gateway.url)
        page.get_by_label("Token of the gateway").fill(gateway.token)
        page.get_by_role("button", name="Save").click()
        assert page.get_by_role("status").inner_text() == "Saved."
        assert fake.secret not in page.content() and gateway.token not in page.content()
        page.get_by_role("button", name="Test connection").click()
        assert "Connected: the server answers with 0 meetings running." in page.locator("#bbb-outcome").inner_text()
        audit(page)

        visit(page, live_server + "/bbb/new")
        page.get_by_label("Name", exact=True).fill("Browser <meeting>")
        page.get_by_label("Server").select_option(label="Browser BBB")
        page.get_by_label("Always open (no schedule)").check()
        page.get_by_label("Anyone with the invitation link (also without an account, as a guest)").check()
        page.get_by_role("button", name="Create").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Browser <meeting>"
        assert "The meeting is not in progress." in page.locator("#bbb-status").inner_text()
        audit(page)
        invitation = page.get_by_label("Invitation link").input_value()
        page.get_by_role("button", name="Join as moderator").click()
        assert page.locator("#who").inner_text().endswith("(MODERATOR)")

        guest = chromium.new_context(locale="en-GB").new_page()
        try:
            visit(guest, invitation)
            guest.get_by_label("Your name, as the others will see it").fill("<i>Guest</i> Lee")
            guest.get_by_role("button", name="Join").click()
            assert guest.locator("#who").inner_text() == "<i>Guest</i> Lee (VIEWER)"
            assert guest.locator("#guest").inner_text() == "guest"
        finally:
            guest.context.close()
        (meeting,) = fake.meetings.values()
        assert [(a.full_name, a.role, a.guest) for a in meeting.attendees] == [
            ("Administrator", "MODERATOR", False),
            ("<i>Guest</i> Lee", "VIEWER", True),
        ]
        visit(page, live_server + "/bbb")
        assert page.get_by_role("row", name="Browser <meeting>").is_visible()

        page.get_by_role("link", name="Browser <meeting>").click()
        audit(page)
        shoot(page, "bbb-broadcast-start")
        page.get_by_label("Who may watch a new event").select_option(label="Everyone")
        page.get_by_label("Show the meeting's public chat to the audience").check()
        page.get_by_role("button", name="Start the broadcast").click()
        assert "The broadcast is starting" in page.get_by_role("status").first.inner_text()
        state = page.locator("#bbb-broadcast-state")
        state.filter(has_text="on air").wait_for(timeout=30000)  # the worker asked the gateway; the page follows
        audit(page)
        shoot(page, "bbb-broadcast-on-air")
        ((room, started),) = gateway.rooms.items()
        assert room == meeting.meeting_id and started["chat_shown"] and started["rtmp"].startswith("rtmp://")
        assert started["rtmp"].rsplit("/", 1)[1] not in page.content()  # the stream key stays on the server
        page.get_by_role("link", name="Watch the live event: Browser <meeting>").click()
        audit(page)
        page.go_back()
        page.get_by_role("button", name="Stop the broadcast").click()
        page.locator("#bbb-broadcast-state").filter(has_text="ended").wait_for(timeout=30000)
        assert gateway.rooms == {} and [c.path for c in gateway.calls] == ["start", "chat", "stop"]
