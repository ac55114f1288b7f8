"""A video with two audio languages in Chromium: the player's audio menu, switching while playing, the
viewer's choice kept across a reload, and a browser that prefers English starting in English."""

from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_bilingual_video

TRACK = "() => window.Amphi.player.hls.audioTrack"
MENU = "() => Array.from(document.querySelectorAll('[data-audio] option')).map(o => o.textContent)"


def open_video(page, url):
    visit(page, url)
    page.wait_for_function("() => document.querySelectorAll('[data-audio] option').length === 2")
    page.wait_for_function("() => window.Amphi.player.hls.audioTracks.length === 2")


def play(page) -> float:
    return page.evaluate("""async () => {
        const video = document.querySelector('video');
        video.muted = true;
        await video.play();
        return video.currentTime;
    }""")


def fresh_context(chromium, signed_in, locale):
    """A new browser (no remembered choice) with the admin's session cookies and ``locale``."""
    state = {"cookies": signed_in["cookies"], "origins": []}
    return chromium.new_context(locale=locale, storage_state=state)


def test_the_audio_menu_switches_remembers_and_follows_the_browsers_language(chromium, live_server, tmp_path):
    video_id = import_and_wait(live_server, make_bilingual_video(tmp_path, seconds=4), title="Cours bilingue")
    url = f"{live_server}/videos/{video_id}"
    english = chromium.new_context(locale="en-GB")
    page = english.new_page()
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{url}/edit")  # the owner's audio languages section passes axe too
    table = page.get_by_role("table", name="Audio languages of this video")
    assert table.locator("tbody th").all_inner_texts() == ["Français", "English"]
    assert page.get_by_label("Default language").input_value() == "audio"
    assert page.get_by_label("Audio or video file (its sound is the track)").is_visible()
    signed_in = english.storage_state()
    english.close()
    french = fresh_context(chromium, signed_in, "fr-FR")
    page = french.new_page()
    open_video(page, url)
    assert page.locator(".audio-languages").inner_text() == "Français, English"
    assert page.evaluate(MENU) == ["Français", "English"] and page.evaluate(TRACK) == 0  # the default
    started = play(page)
    page.locator("[data-settings]").click()  # the menu is in the player's settings
    audit(page)
    page.locator("[data-audio]").select_option(label="English")
    page.wait_for_function(f"() => ({TRACK})() === 1")
    page.wait_for_function("(t) => document.querySelector('video').currentTime > t + 1.5", arg=started, timeout=20000)
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('[data-audio] option').length === 2")
    page.wait_for_function(f"() => ({TRACK})() === 1")  # the viewer's choice, whatever the browser's language
    assert page.locator("[data-audio]").input_value() == "1"
    french.close()

    for locale, expected in (("en-US", 1), ("de-DE", 0)):  # English when there is one; else the default
        context = fresh_context(chromium, signed_in, locale)
        page = context.new_page()
        open_video(page, url)
        page.wait_for_function(f"() => ({TRACK})() === {expected}")
        if locale == "en-US":
            visit(page, f"{url}/embed")  # the embedded player, the same
            page.wait_for_function("() => window.Amphi.player.hls && window.Amphi.player.hls.audioTracks.length === 2")
            page.wait_for_function(f"() => ({TRACK})() === 1")
        context.close()
