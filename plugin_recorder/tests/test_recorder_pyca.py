"""A real Opencast capture agent (pyCA, in its own virtualenv) against Amphi served for real.

pyCA discovers the services, registers its state, reads its calendar, records the scheduled
event from ffmpeg's test source and ingests it; the recording ends as a ready video, pending
for the manager, who gets an e-mail (aiosmtpd sink). When the site refuses the upload, pyCA
reports ``upload_error``: the schedule says no video arrived and the manager is told.
"""

import os
import shutil
import subprocess
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Site, User, Video, utcnow
from core.platform.db import make_engine
from core.testing import run_amphi, serving, temporary_database, write_ini
from plugin_recorder.auth import set_password
from plugin_recorder.models import PendingRecording, Recorder, RecorderEvent

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGENT, AGENT_PASSWORD = "amphi-pyca", "pyca digest password"
CAPTURE = (
    "ffmpeg -nostats -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=15 -f lavfi -i sine=frequency=440 "
    "-t {{time}} -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac {{dir}}/{{name}}.mp4"
)


def pyca_command() -> str:
    """pyCA's entry point: ``$AMPHI_PYCA``, else the ``.venv-pyca`` that scripts/bootstrap.sh makes."""
    path = os.environ.get("AMPHI_PYCA") or os.path.join(ROOT, ".venv-pyca", "bin", "pyca")
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"pyCA is not installed at {path}: ./run-tests installs it (python3 -m venv .venv-pyca && "
            ".venv-pyca/bin/pip install pyca)"
        )
    return path


def pyca_config(folder, base_url: str) -> str:
    path = folder / "pyca.conf"
    path.write_text(f"""[agent]
name = {AGENT}
update_frequency = 5
cal_lookahead = 1
database = sqlite:///{folder}/pyca.sqlite
[capture]
directory = {folder}/recordings
preview_dir = {folder}/recordings
command = {CAPTURE}
flavors = presenter/source
files = {{{{dir}}}}/{{{{name}}}}.mp4
sigkill_time = 30
[server]
url = {base_url}
auth_method = digest
username = {AGENT}
password = {AGENT_PASSWORD}
[ui]
url = http://127.0.0.1:5000
[logging]
stderr = False
file = {folder}/pyca.log
level = debug
""")
    return str(path)


def seed(database_url: str, upload_max_size: int | None = None) -> tuple[int, int]:
    """On the default site: a manager with an e-mail, the agent's recorder and an event starting soon."""
    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():
        site = session.scalar(select(Site).where(Site.is_default.is_(True)))
        site.upload_max_size = upload_max_size
        manager = session.scalar(select(User).where(User.site_id == site.id, User.username == "prof"))
        manager.email = "prof@example.org"
        recorder = Recorder(
            site_id=site.id,
            name=AGENT,
            type="opencast",
            username=AGENT,
            manager_id=manager.id,
            language="fr",
            access="public",
            auto_publish=False,
        )
        set_password(recorder, AGENT_PASSWORD)
        session.add(recorder)
        session.flush()
        start = utcnow() + timedelta(seconds=8)
        event = RecorderEvent(
            recorder_id=recorder.id,
            uid="c0ffee00-0000-4000-8000-000000000001",
            title="Thermodynamique — séance 1",
            room="Amphi B",
            start=start,
            end=start + timedelta(seconds=5),
            owner_id=manager.id,
        )
        session.add(event)
        session.flush()
        ids = recorder.id, event.id
    engine.dispose()
    return ids


def wait_for(database_url: str, event_id: int, timeout: float, until) -> tuple:
    engine = make_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with Session(engine) as session:
                event = session.get(RecorderEvent, event_id)
                video = session.get(Video, event.video_id) if event.video_id else None
                state = (
                    event.state,
                    video and video.status,
                    video and video.title,
                    video and video.language,
                    video and video.access,
                    video and video.owner.username,
                    session.scalar(select(PendingRecording.id).where(PendingRecording.video_id == event.video_id)),
                    event.recorder.agent_state,
                    event.recorder.agent_address,
                    event.missing_reported_at,
                )
            if until(state) or time.monotonic() > deadline:
                return state
            time.sleep(1)
    finally:
        engine.dispose()


@pytest.fixture
def amphi_for_agents(tmp_path, smtp_sink):
    with temporary_database(tmp_path) as url:
        ini = write_ini(
            tmp_path,
            url,
            **{
                "amphi.worker.embedded": "true",
                "amphi.mail.backend": "smtp",
                "amphi.mail.smtp_host": "127.0.0.1",
                "amphi.mail.smtp_port": str(smtp_sink.port),
            },
        )
        run_amphi(ini, "init", "--admin-password", "pyca test admin password")
        run_amphi(ini, "user", "add", "default", "prof", "--role", "staff", "--password", "prof password 1")
        with serving(ini, tmp_path) as base:
            yield base, url


def run_pyca(tmp_path, base: str, database_url: str, event_id: int, until) -> tuple:
    """Run pyCA until ``until(state)`` holds for the event's state tuple (or 150 s); return it and pyCA's log."""
    folder = tmp_path / "pyca"
    folder.mkdir()
    agent = subprocess.Popen(
        [pyca_command(), "-c", pyca_config(folder, base), "run"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        state = wait_for(database_url, event_id, 150, until)
    finally:
        agent.terminate()
        agent.wait(timeout=30)
    return state, (folder / "pyca.log").read_text() if (folder / "pyca.log").exists() else ""


def wait_for_mail(smtp_sink, count: int = 1) -> None:
    deadline = time.monotonic() + 30
    while len(smtp_sink.messages) < count and time.monotonic() < deadline:
        time.sleep(0.5)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is a Debian package the bootstrap installs")
def test_pyca_registers_reads_its_calendar_records_and_uploads(amphi_for_agents, tmp_path, smtp_sink):
    base, database_url = amphi_for_agents
    recorder_id, event_id = seed(database_url)
    state, log = run_pyca(tmp_path, base, database_url, event_id, lambda state: state[1] in ("ready", "failed"))
    server_log = (tmp_path / "server.log").read_text()
    assert state[:6] == ("upload_finished", "ready", "Thermodynamique — séance 1", "fr", "draft", "prof"), (
        state,
        log[-4000:],
        server_log[-4000:],
    )
    assert state[6] is not None  # pending: the recorder does not publish by itself
    assert state[7] in ("idle", "uploading", "capturing", "offline") and state[8] == "http://127.0.0.1:5000"
    assert "Next scheduled recording" in log or "Start recording" in log
    assert state[9] is None  # the video arrived: nothing reported missing
    wait_for_mail(smtp_sink, 2)  # the recording waits (the recorder's), the video is ready (the core's)
    [message] = [m for m in smtp_sink.messages if "waits" in m["Subject"]]
    assert message["To"] == "prof@example.org" and "Thermodynamique" in message["Subject"]


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is a Debian package the bootstrap installs")
def test_pyca_upload_refused_shows_no_video_arrived_and_tells_the_manager(amphi_for_agents, tmp_path, smtp_sink):
    base, database_url = amphi_for_agents
    _recorder_id, event_id = seed(database_url, upload_max_size=1000)  # every recording is too large
    state, log = run_pyca(tmp_path, base, database_url, event_id, lambda state: state[9] is not None)
    server_log = (tmp_path / "server.log").read_text()
    assert state[0] == "upload_error" and state[1] is None and state[9] is not None, (
        state,
        log[-4000:],
        server_log[-4000:],
    )
    assert "Something went wrong during the upload" in log
    wait_for_mail(smtp_sink)
    [message] = smtp_sink.messages
    assert message["To"] == "prof@example.org"
    assert message["Subject"] == "No video arrived from amphi-pyca: Thermodynamique — séance 1"
    assert "No video arrived: the capture agent reported upload failed." in message.get_content()
