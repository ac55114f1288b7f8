"""The recorder pages in Chromium (Debian's, through Playwright), with axe-core on every page."""

import os

import pytest

from core.testing import LIVE_ADMIN_PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")
CHROMIUM = os.environ.get("AMPHI_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def page():
    playwright_sync = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        yield browser.new_context(locale="en-GB").new_page()
        browser.close()


def audit(page) -> None:
    """axe-core (WCAG 2.1 A/AA): no serious or critical violation."""
    page.add_script_tag(path=AXE)
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
    bad = [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


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
