"""A video for signed-in viewers plays inside a course page of another origin, in a Chromium that blocks
third-party cookies, after a launch from the test platform. The site admin registers the platform in the
site administration first (axe-core on its pages)."""

from __future__ import annotations

import os
import shutil

from lti_platform import INSTRUCTOR, LEARNER, serve_platform
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import MediaFile, Site, User, Video
from core.pipeline.storage import outputs_prefix
from core.platform.db import make_engine
from core.testing import CHROMIUM, CHROMIUM_ARGS, LIVE_ADMIN_PASSWORD, audit, free_port, shoot, sign_in, visit
from tests.mediafiles import audio_source, run_ffmpeg, video_source


def publish_hls_video(live_server, folder) -> int:
    """A ready video for signed-in viewers on the running server, its HLS made by ffmpeg in a second
    (the encoder's own path is proven by the core's playback test; here the frame is the point)."""
    hls = folder / "hls"
    hls.mkdir()
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-c:a", "aac"]
    package = ["-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4"]
    run_ffmpeg(
        [
            *video_source("160x120", 25, 3),
            *audio_source(3),
            *encode,
            *package,
            "-master_pl_name",
            "master.m3u8",
            "-shortest",
            str(hls / "index.m3u8"),
        ]
    )
    engine = make_engine(live_server.database_url)
    try:
        with Session(engine) as db, db.begin():
            site = db.scalar(select(Site).where(Site.slug == "default"))
            owner = db.scalar(select(User).where(User.site_id == site.id, User.username == "admin"))
            video = Video(
                site_id=site.id, owner_id=owner.id, title="Optics", slug="optics-lti", status="ready", duration=3.0
            )
            video.access = "signed-in"
            db.add(video)
            db.flush()
            stored = os.path.join(os.path.dirname(live_server.ini), "var", "media", outputs_prefix(video, 1), "hls")
            shutil.copytree(hls, stored)
            key = f"{outputs_prefix(video, 1)}/hls/master.m3u8"
            db.add(MediaFile(video_id=video.id, kind="hls-master", key=key, size=(hls / "master.m3u8").stat().st_size))
            return video.id
    finally:
        engine.dispose()


def test_a_launched_video_plays_in_a_course_frame_without_third_party_cookies(chromium, page, live_server, tmp_path):
    video_id = publish_hls_video(live_server, tmp_path)
    # The platform's pages are on another site ("localhost") than the tool's ("127.0.0.1").
    platform, server = serve_platform(free_port(), public_host="localhost")
    try:
        sign_in(page, live_server, "admin", LIVE_ADMIN_PASSWORD)
        page.get_by_role("link", name="LTI platforms (Moodle)").first.click()
        audit(page)
        page.get_by_role("link", name="Add a platform by hand").click()
        fields = platform.platform_fields()
        page.get_by_label("Name", exact=True).fill(fields["name"])
        page.get_by_label("Platform ID (issuer)").fill(fields["issuer"])
        page.get_by_label("Client ID").fill(fields["client_id"])
        page.get_by_label("Deployment IDs").fill(fields["deployment_ids"])
        page.get_by_label("Public keyset URL").fill(fields["keyset_url"])
        page.get_by_label("Access token URL").fill(fields["token_url"])
        page.get_by_label("Authentication request URL").fill(fields["auth_url"])
        page.get_by_role("button", name="Save").click()
        assert page.get_by_role("status").inner_text() == "Saved."
        audit(page)

        platform.tool = live_server
        platform.framed_url = platform.prepare(
            user="student-7", roles=[LEARNER], tool=live_server, custom={"video": str(video_id)}
        )
        blocking = chromium.browser_type.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, "--test-third-party-cookie-phaseout"],  # third-party cookies blocked
        )
        try:
            context = blocking.new_context(locale="en-GB")
            course = context.new_page()
            seen = []
            course.on("response", lambda r: seen.append((r.status, r.url[:150])))
            visit(course, platform.base + "/course")
            tool = None
            for _ in range(200):  # the frame goes login -> platform -> launch -> embed page
                tool = next((f for f in course.frames if "/embed?grant=" in f.url), None)
                if tool is not None:
                    break
                course.wait_for_timeout(100)
            assert tool is not None, "\n".join(map(str, seen))  # every answer the frame got, if it never arrived
            assert tool.url.startswith(f"{live_server}/videos/{video_id}/embed?grant=")
            tool.wait_for_function("() => document.querySelector('video').readyState >= 1", timeout=20000)
            started = tool.evaluate("""async () => {
                const video = document.querySelector('video');
                video.muted = true;
                await video.play();
                return video.currentTime;
            }""")
            tool.wait_for_function(
                "(t) => document.querySelector('video').currentTime > t + 1", arg=started, timeout=20000
            )
            # The player reports the time watched as that viewer (the grant rides in the report's URL).
            with course.expect_response(lambda r: "/position?grant=" in r.url and r.request.method == "POST") as sent:
                tool.evaluate("() => document.querySelector('video').pause()")
            assert sent.value.ok
            assert context.cookies(live_server) == []  # nothing rode on a cookie of the tool's
        finally:
            blocking.close()

        # A teacher's deep-linking launch (Moodle's "Select content", from its editor: HTML accepted)
        # opens the chooser: their videos, a search box, how to show the choice.
        page.goto(
            platform.prepare(
                user="teacher-1",
                roles=[INSTRUCTOR],
                tool=live_server,
                deep_link_return=platform.base + "/deep-link-return",
                accept_types=("ltiResourceLink", "html"),
            )
        )
        page.locator("#lti-choose").wait_for()
        audit(page)
        shoot(page, "lti-deep-link-chooser", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        audit(page)
        shoot(page, "lti-deep-link-chooser-phone", full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    finally:
        server.shutdown()
        server.server_close()
