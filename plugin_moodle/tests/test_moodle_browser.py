"""A video for signed-in viewers plays inside a course page of another origin, in a Chromium that blocks
third-party cookies, after a launch from the test platform. The site admin registers the platform in the
site administration first (axe-core on its pages)."""

from __future__ import annotations

from lti_platform import LEARNER, serve_platform
from sqlalchemy import text

from core.platform.db import make_engine
from core.testing import CHROMIUM, CHROMIUM_ARGS, LIVE_ADMIN_PASSWORD, audit, free_port, sign_in, visit
from tests.browser.test_playback import import_and_wait
from tests.mediafiles import make_clip


def test_a_launched_video_plays_in_a_course_frame_without_third_party_cookies(chromium, page, live_server, tmp_path):
    video_id = import_and_wait(
        live_server, make_clip(tmp_path, "optics.mp4", seconds=3, size="320x240"), title="Optics"
    )
    engine = make_engine(live_server.database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE videos SET access = 'signed-in' WHERE id = :id"), {"id": video_id})
    engine.dispose()
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
    finally:
        server.shutdown()
        server.server_close()
