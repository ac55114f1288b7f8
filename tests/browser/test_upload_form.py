"""The upload page asks who may watch, the language, the channel and the licence; drafts are said to be private."""

from sqlalchemy import select

from core.models import Video
from core.platform.db import make_engine
from tests.browser.browsing import audit, sign_in, visit
from tests.mediafiles import make_clip


def stored(live_server, video_id):
    engine = make_engine(live_server.database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(Video.title, Video.access, Video.language, Video.license).where(Video.id == video_id)
            ).one()
    finally:
        engine.dispose()


def upload_one(page, clip) -> int:
    page.set_input_files("#upload-files", str(clip))
    link = page.get_by_role("link", name=f"Open the video ({clip.name})")
    link.wait_for(timeout=30000)
    audit(page)
    return int(link.get_attribute("href").rsplit("/", 1)[1])


def test_the_choices_of_the_upload_form_reach_the_video(page, live_server, tmp_path):
    clip = make_clip(tmp_path, "form.mp4", seconds=2, size="160x120")
    sign_in(page, live_server, "prof", "prof password 1")
    visit(page, live_server + "/upload")
    access = page.get_by_label("Who may watch it once it is processed")
    assert access.input_value() == "draft"  # the site's default, said plainly to be private
    assert page.get_by_text("A draft is visible to its owners only").is_visible()
    assert page.get_by_label("Main language").input_value() == "en"  # the page's language
    video_id = upload_one(page, clip)
    assert "It stays a draft, visible to its owners only" in page.locator(".upload-item .help").last.text_content()
    assert stored(live_server, video_id)[1:] == ("draft", "en", "all-rights-reserved")

    access.select_option("public")
    page.get_by_label("Main language").select_option("fr")
    page.get_by_label("Licence").select_option("cc-by-sa")
    video_id = upload_one(page, make_clip(tmp_path, "second.mp4", seconds=2, size="160x120"))
    assert stored(live_server, video_id) == ("second", "public", "fr", "cc-by-sa")
    assert page.locator(".upload-item .help").last.text_content() == "Uploaded: the video is being processed."
