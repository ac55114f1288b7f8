"""The BigBlueButton pages in Chromium (Debian's, through Playwright), with axe-core on every page: a site
admin adds the fake server (streaming through the fake gateway) and tests it, creates a meeting open to
anyone with the link and joins it as moderator; a visitor without an account follows the invitation and
joins as a guest; the admin broadcasts the meeting into a live event, the page following its state, and
stops it. The owners import, unpublish and delete the meeting's recordings from its page (the server's
embedded worker imports them)."""

import time

from sqlalchemy import create_engine, text

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
        shoot(page, "bbb-meeting-form-desktop", full_page=True)
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
        page.set_viewport_size({"width": 390, "height": 844})  # a phone, in the dark theme
        page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")  # as Display → Dark sets it
        page.locator("summary", has_text="Delete the meeting…").click()
        audit(page)
        shoot(page, "bbb-meeting-phone-dark", full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.set_viewport_size({"width": 1280, "height": 800})
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


def state_of(page, line) -> str:
    return line.locator("td.bbb-recording-state").get_attribute("data-state")


def wait_for_state(page, text: str, wanted: str, timeout: float = 90) -> None:
    """Reload the meeting page until the recording whose line holds ``text`` is in state ``wanted``."""
    deadline = time.monotonic() + timeout
    while True:
        line = page.locator("#bbb-recordings tbody tr").filter(has_text=text)
        if state_of(page, line) == wanted:
            return
        assert time.monotonic() < deadline, f"the recording ({text}) stayed {state_of(page, line)}"
        time.sleep(1)
        page.reload()


def test_the_owners_import_publish_and_delete_recordings_from_the_meeting_page(page, live_server):
    with serving() as fake:
        sign_in(page, live_server, "admin", LIVE_ADMIN_PASSWORD)
        visit(page, live_server + "/admin/bbb/new")
        page.get_by_label("Name", exact=True).fill("Recordings BBB")
        page.get_by_label("Address of the API").fill(fake.url)
        page.get_by_label("Shared secret").fill(fake.secret)
        page.get_by_label("Checksum algorithm").select_option("sha256")
        page.get_by_role("button", name="Save").click()
        visit(page, live_server + "/bbb/new")
        page.get_by_label("Name", exact=True).fill("Recorded <class>")
        page.get_by_label("Server").select_option(label="Recordings BBB")
        page.get_by_label("Always open (no schedule)").check()
        page.get_by_role("button", name="Create").click()
        meeting_page = page.url
        # Never joined (so the periodic reconciliation leaves it alone): its ID on the server is read here.
        engine = create_engine(live_server.database_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as connection:
            meeting_id = connection.execute(
                text("SELECT meeting_id FROM bbb_meetings WHERE name = :name"), {"name": "Recorded <class>"}
            ).scalar_one()
        engine.dispose()
        fake.add_recording(meeting_id, formats=("presentation", "video"), duration=2)
        missing = fake.add_recording(meeting_id, formats=("podcast",), record_id="gone-1", duration=2)
        missing.files_missing, missing.start_time = True, missing.start_time - 3600_000

        visit(page, meeting_page)
        lines = page.locator("#bbb-recordings tbody tr")
        assert lines.count() == 2 and fake.secret not in page.content()
        video_line, podcast_line = lines.filter(has_text="presentation, video"), lines.filter(has_text="podcast")
        assert state_of(page, video_line) == "new" and "2" in video_line.locator("td").first.inner_text()
        video_line.get_by_role("button", name="Import now").click()
        assert "The import is queued" in page.get_by_role("status").first.inner_text()
        podcast_line.get_by_role("button", name="Import now").click()
        wait_for_state(page, "presentation, video", "imported")
        wait_for_state(page, "podcast", "failed")
        audit(page)
        podcast_line = page.locator("#bbb-recordings tbody tr").filter(has_text="podcast")
        assert "The recording's files are missing on the server." in podcast_line.inner_text()
        assert podcast_line.get_by_role("button", name="Retry").is_visible()
        link = page.locator("#bbb-recordings tbody tr").filter(has_text="presentation, video").get_by_role("link")
        assert "/videos/" in link.get_attribute("href")

        video_line = page.locator("#bbb-recordings tbody tr").filter(has_text="presentation, video")
        video_line.get_by_role("button", name="Unpublish").click()
        assert page.get_by_role("status").first.inner_text() == "The recording is unpublished on the server."
        video_line = page.locator("#bbb-recordings tbody tr").filter(has_text="presentation, video")
        assert "Unpublished" in video_line.inner_text()
        video_line.get_by_role("button", name="Delete").click()
        audit(page)  # are you sure?
        assert page.get_by_role("heading", level=1).inner_text() == "Delete the recording"
        page.get_by_role("button", name="Delete it from the server").click()
        assert page.get_by_role("status").first.inner_text() == "The recording is deleted from the server."
        assert "Deleted" in page.locator("#bbb-recordings tbody tr").filter(has_text="presentation, video").inner_text()
        audit(page)
        assert [r.state for r in fake.recordings.values() if r.record_id != "gone-1"] == ["deleted"]
