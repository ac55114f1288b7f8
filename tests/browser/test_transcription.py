"""A running server's worker transcribes a Korean video on the owner's request; Chromium shows the captions."""

import time

from sqlalchemy import select, update

from core.models import Job, Video
from core.platform.db import make_engine
from tests.browser.browsing import ADMIN_PASSWORD, audit, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_speech_clip


def wait_for_transcription(database_url, video_id, seconds=180) -> tuple:
    engine = make_engine(database_url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                job = connection.execute(
                    select(Job.state, Job.progress, Job.error).where(Job.video_id == video_id, Job.kind == "transcribe")
                ).first()
            if job and job.state in ("done", "failed"):
                return tuple(job)
            time.sleep(0.5)
    finally:
        engine.dispose()
    raise AssertionError(f"the transcription of video {video_id} did not end: {job}")


def set_language(database_url, video_id, language):
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(update(Video).where(Video.id == video_id).values(language=language))
    finally:
        engine.dispose()


def test_the_owner_transcribes_a_video_and_its_captions_play(page, live_server, tmp_path):
    video_id = import_and_wait(live_server, make_speech_clip(tmp_path), title="강의")
    set_language(live_server.database_url, video_id, "ko")  # imported without a language: nothing was queued
    page.set_default_timeout(90_000)  # the server's own worker recognises speech meanwhile, on a busy machine
    sign_in(page, live_server, "admin", ADMIN_PASSWORD)
    visit(page, f"{live_server}/videos/{video_id}")
    page.get_by_role("link", name="Transcribe", exact=True).click()
    page.wait_for_load_state()
    audit(page)
    page.get_by_role("button", name="Transcribe").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/my/videos?status=ready")
    audit(page)

    assert wait_for_transcription(live_server.database_url, video_id) == ("done", 100.0, "")
    visit(page, f"{live_server}/videos/{video_id}")
    assert page.get_by_role("link", name="Transcribe again").is_visible()
    cues = page.evaluate("""() => new Promise((resolve, reject) => {
        const track = [...document.querySelector('video').textTracks].find(t => t.kind === 'captions');
        if (!track) return reject(new Error('no captions track'));
        track.mode = 'hidden';
        const started = Date.now();
        (function check() {
            if (track.cues && track.cues.length) return resolve([track.language, track.label, track.cues.length]);
            if (Date.now() - started > 10000) return reject(new Error('no cues loaded'));
            setTimeout(check, 100);
        })();
    })""")
    assert cues[0] == "ko" and cues[1] == "한국어 (automatic)" and cues[2] >= 1
