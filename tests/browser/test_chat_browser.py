"""In Chromium: two viewers beside a video with its chat on; what one writes, the other sees within a second
(through the embedded hub that amphi serve supervises), and the page passes axe in both themes."""

import time

import pytest

from core.testing import serving
from plugins.chat.testing import wait_for_hub
from tests.browser.browsing import audit, sign_in, visit
from tests.chatting import PASSWORD, chat_installation


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory):
    with chat_installation(tmp_path_factory.mktemp("chat-browser")) as made:
        with serving(made.ini(), made.folder) as base:
            wait_for_hub(made.hub_port)
            yield base, made


def open_chat(page, base, made, username):
    sign_in(page, base, username, PASSWORD)
    visit(page, f"{base}/videos/{made.video_id}")
    tab = page.get_by_role("tab", name="Chat", exact=True)
    if tab.count():
        tab.first.click()
    page.get_by_label("Your message").wait_for()


def test_what_one_viewer_writes_the_other_sees_within_a_second(page, chromium, chat_server):
    base, made = chat_server
    other = chromium.new_context(locale="en-GB").new_page()
    try:
        open_chat(page, base, made, "alice")
        open_chat(other, base, made, "prof")  # the video's owner: a moderator
        page.wait_for_function("() => document.querySelector('[data-chat]').chat.source.readyState === 1")
        other.wait_for_function("() => document.querySelector('[data-chat]').chat.source.readyState === 1")
        page.get_by_label("Your message").fill("Bonjour <b>à tous</b> https://exemple.org")
        began = time.monotonic()
        page.get_by_label("Your message").press("Enter")
        seen = other.locator("[data-chat-log] li").filter(has_text="Bonjour <b>à tous</b>")
        seen.wait_for(timeout=5000)
        assert time.monotonic() - began < 1.0
        assert seen.locator("a").get_attribute("rel") == "nofollow noopener ugc"
        assert page.get_by_label("Your message").input_value() == ""
        other.wait_for_function(
            "() => document.querySelector('[data-chat-announce]').textContent.includes('1')", timeout=15000
        )
        audit(page)
        audit(other)
        page.get_by_role("tab", name="Questions").click()
        page.get_by_label("Your question").fill("Une question ?")
        page.get_by_role("button", name="Ask").click()
        other.get_by_role("tab", name="Questions").click()
        question = other.locator("[data-chat-questions] li").filter(has_text="Une question ?")
        question.wait_for(timeout=5000)
        assert "Among the five most wanted" in question.text_content()  # what the speaker looks at
        other.get_by_role("button", name="Mark answered").click()
        page.locator("[data-chat-questions] li.chat-answered").wait_for(timeout=5000)
        other.locator("[data-chat-moderation] summary").click()
        audit(other)
        other.get_by_role("tab", name="Messages").click()
        seen.get_by_role("button", name="Delete").click()  # the moderator deletes: gone from alice's page too
        page.get_by_role("tab", name="Messages").click()
        page.locator("[data-chat-log] li").filter(has_text="Bonjour").wait_for(state="detached", timeout=5000)
    finally:
        other.context.close()
