"""Fixtures of the recorder plugin's tests (the core's come from core.testing, a pytest plugin)."""

import subprocess

import pytest
from recorder_helpers import AGENT_PASSWORD, PASSWORD

from plugin_recorder.auth import set_password
from plugin_recorder.models import Recorder


@pytest.fixture
def people(site, make_user):
    return {
        "admin": make_user(site, "admin", role="site-admin", password=PASSWORD, email="admin@example.org"),
        "manager": make_user(site, "manager", role="staff", password=PASSWORD, email="manager@example.org"),
        "prof": make_user(site, "prof", role="staff", password=PASSWORD),
        "student": make_user(site, "student", password=PASSWORD),
    }


@pytest.fixture
def make_recorder(dbsession, people):
    def make(site, name="amphi-a", type="opencast", **fields):
        recorder = Recorder(
            site_id=site.id,
            name=name,
            type=type,
            username=fields.pop("username", name),
            manager_id=people["manager"].id,
            **fields,
        )
        set_password(recorder, AGENT_PASSWORD)
        dbsession.add(recorder)
        dbsession.flush()
        return recorder

    return make


@pytest.fixture
def drop_root(app, tmp_path, monkeypatch):
    root = tmp_path / "drops"
    root.mkdir()
    monkeypatch.setitem(app.registry.settings, "amphi.recorder.drop_root", str(root))
    return root


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory) -> bytes:
    """A real one-second MP4 (320x240, H.264 and AAC), as a box would record it."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path.read_bytes()
