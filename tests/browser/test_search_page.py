"""Search from the box on every page: suggestions as you type, the results page, then the video."""

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip


def test_search_a_video_and_open_it(page, live_server, tmp_path):
    clip = make_clip(tmp_path, "plasmas.mp4", seconds=2, size="320x180")
    video_id = import_and_wait(live_server, clip, title="Thermodynamique des plasmas")
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)  # an imported video starts as a draft: its owner finds it
    box = page.get_by_label("Search videos")  # a combobox: the input has a list of suggestions
    box.click()
    page.keyboard.type("thermo")
    page.wait_for_function("() => document.querySelectorAll('#site-search-suggestions option').length > 0")
    assert page.eval_on_selector("#site-search-suggestions option", "o => o.value") == "Thermodynamique des plasmas"
    page.keyboard.type("dynamique plasmas")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    audit(page)
    assert page.get_by_role("status").first.text_content().strip() == "1 video found."
    page.get_by_role("link", name="Thermodynamique des plasmas").click()
    page.wait_for_url(f"{live_server}/videos/{video_id}")
    audit(page)
    assert page.get_by_role("heading", level=1).text_content().strip() == "Thermodynamique des plasmas"


def test_a_search_without_matches_is_accessible(page, live_server):
    response = visit(page, live_server + "/search?q=%22%3Cscript%3E*%20OR%20%F0%9F%8E%93")
    assert response.status == 200
    assert page.get_by_text("0 videos found.").is_visible()
