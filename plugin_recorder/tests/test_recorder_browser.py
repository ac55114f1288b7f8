"""The recorder pages in Chromium (Debian's, through Playwright), with axe-core on every page."""

from core.testing import LIVE_ADMIN_PASSWORD, audit


def test_a_site_admin_sets_up_a_recorder_and_its_schedule(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(LIVE_ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Recorders").first.click()
    audit(page)
    page.get_by_role("link", name="Add a recorder").click()
    page.get_by_label("Name", exact=True).fill("amphi-browser")
    page.get_by_label("Password").fill("a browser agent password")
    page.get_by_label("Manager (username)").fill("prof")
    page.get_by_label("Access of published recordings").select_option("public")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_role("status").inner_text() == "Saved."
    audit(page)
    page.get_by_role("link", name="Schedule of this recorder").click()
    page.get_by_label("Title").fill("Optique <2>")
    page.get_by_label("Start").fill("2031-03-03T10:00")
    page.get_by_label("End").fill("2031-03-03T11:30")
    page.get_by_role("button", name="Add").click()
    assert page.get_by_role("row", name="Optique <2>").is_visible()
    audit(page)
    page.goto(live_server + "/recorder/pending")
    assert "No recording waits for you." in page.content()
    audit(page)
