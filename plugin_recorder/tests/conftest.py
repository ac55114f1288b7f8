"""Fixtures of the recorder plugin's tests (the core's come from core.testing, a pytest plugin)."""

import subprocess
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from recorder_helpers import AGENT_PASSWORD, PASSWORD

from core.testing import free_port
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


class MailSink:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def smtp_sink(app, monkeypatch):
    """A local SMTP server (aiosmtpd) the core's mail service sends to; yields its handler (``.messages``, ``.port``)."""
    handler = MailSink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    monkeypatch.setitem(app.registry.settings, "amphi.mail.backend", "smtp")
    monkeypatch.setitem(app.registry.settings, "amphi.mail.smtp_host", "127.0.0.1")
    monkeypatch.setitem(app.registry.settings, "amphi.mail.smtp_port", str(controller.port))
    yield handler
    controller.stop()


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
