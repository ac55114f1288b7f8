"""Fixtures of the LTI tool's tests (the core's come from core.testing, a pytest plugin): a real LTI
platform served over HTTP for the whole session, registered on site A, and a ready video with media."""

from __future__ import annotations

import io

import pytest
from lti_platform import serve_platform
from moodle_helpers import PASSWORD

from core.models import MediaFile, Track
from core.pipeline.storage import outputs_prefix
from core.testing import free_port
from plugin_moodle.models import LtiPlatform

FILES = {"hls/master.m3u8": "hls-master", "hls/360p/seg_0000.m4s": "hls-segment", "thumbs/poster_1.jpg": "thumbnail"}


@pytest.fixture(scope="session")
def lti_platform():
    platform, server = serve_platform(free_port())
    yield platform
    server.shutdown()
    server.server_close()


@pytest.fixture
def registered(dbsession, site, lti_platform):
    """The test platform, registered on site A by hand."""
    fields = lti_platform.platform_fields()
    row = LtiPlatform(site_id=site.id, **{**fields, "deployment_ids": [fields["deployment_ids"]]})
    dbsession.add(row)
    dbsession.flush()
    return row


@pytest.fixture
def admin(site, make_user):
    return make_user(site, "admin", role="site-admin", password=PASSWORD, email="admin@example.edu")


@pytest.fixture
def course_video(site, admin, make_video, make_request):
    """A ready video for signed-in viewers, with a master playlist, a segment, a poster and a subtitle track."""
    video = make_video(site, admin, "Optics, lecture 1", status="ready", access="signed-in", duration=4.0)
    request = make_request(site)
    prefix = outputs_prefix(video, 1)
    for path, kind in FILES.items():
        request.storage.save(f"{prefix}/{path}", io.BytesIO(f"bytes of {path}".encode()))
        request.dbsession.add(MediaFile(video_id=video.id, kind=kind, key=f"{prefix}/{path}", size=20))
    request.storage.save(f"{prefix}/subtitles/fr.vtt", io.BytesIO(b"WEBVTT\n"))
    request.dbsession.add(
        Track(video_id=video.id, kind="subtitles", language="fr", key=f"{prefix}/subtitles/fr.vtt", plugin="subtitles")
    )
    video.poster_key = f"{prefix}/thumbs/poster_1.jpg"
    request.dbsession.flush()
    return video
