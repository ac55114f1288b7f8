"""An Amphi installation with a video whose chat is on, for the chat's tests through ``amphi serve`` and
browsers, and its benchmark (a fresh database, users, the room; the hubs come from plugins.chat.testing)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from core.testing import free_port, run_amphi, temporary_database, write_ini

# --- an installation with a video whose chat is on (for tests through amphi serve and browsers) -----

SECRET = "chat-tests-secret-" + uuid.uuid4().hex
PASSWORD = "chat password 1"
MAKE_ROOM = """
import sys
from pyramid.paster import bootstrap
from sqlalchemy import select
from core.access.users import create_user
from core.ingest import create_video
from core.models import Site
from plugins.chat.models import ChatRoom
with bootstrap(sys.argv[1]) as env:
    request = env["request"]
    with request.tm:
        request.site = request.dbsession.scalar(select(Site).where(Site.is_default.is_(True)))
        request.user = None
        owner = create_user(request, "prof", role="staff", password=sys.argv[2])
        for name in ("alice", "bob"):
            create_user(request, name, role="user", password=sys.argv[2])
        video = create_video(request, owner, "Cours en direct", status="ready", access="public")
        request.dbsession.flush()
        request.dbsession.add(ChatRoom(site_id=request.site.id, room=f"video-{video.id}", enabled=True, open=True,
                                       slow_seconds=0, anonymous_read=True))
        request.dbsession.flush()
        print(request.site.id, video.id)
"""


class Installation:
    """An initialised database, its ini's settings, and the room ``video-<id>`` (chat on)."""

    def __init__(self, folder: Path, url: str):
        self.folder, self.database_url = folder, url
        self.hub_port = free_port()
        self.settings = {"amphi.session_secret": SECRET, "amphi.chat.embedded_listen": f"127.0.0.1:{self.hub_port}"}
        self.site_id = self.video_id = 0

    @property
    def room(self) -> str:
        return f"video-{self.video_id}"

    def ini(self, **extra: str) -> Path:
        return write_ini(self.folder, self.database_url, **self.settings, **extra)


@contextmanager
def chat_installation(folder: Path):
    """A fresh database with ``prof`` (staff), ``alice`` and ``bob`` and a video whose chat is on."""
    with temporary_database(folder) as url:
        made = Installation(folder, url)
        ini = made.ini()
        run_amphi(ini, "init", "--admin-password", "chat admin password")
        out = subprocess.run(
            [sys.executable, "-c", MAKE_ROOM, str(ini), PASSWORD],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        made.site_id, made.video_id = (int(n) for n in out.stdout.split()[-2:])
        yield made


def http_session(base: str, username: str):
    """A ``requests`` session signed in on ``base`` (its CSRF token in ``session.csrf``)."""
    import re

    import requests

    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(base + "/login").text).group(1)
    session.post(base + "/auth/local/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    session.headers["Accept"] = "application/json"
    return session
