"""Test fixtures: Debian's nginx with the RTMP module, running :mod:`plugins.live.nginx`'s configuration.

``running_nginx(folder, app_url=..., callback_secret=..., link_secret=...)`` starts ``nginx -p <folder>``
in the foreground on free loopback ports (RTMP and HTTP), callbacks pointing at ``app_url``, and stops
it when the block ends. The ``live_nginx`` fixture is the same as a factory::

    from plugins.live.testing import live_nginx  # noqa: F401  (the fixture)

    def test_publish(live_nginx):
        nginx = live_nginx(app_url=server, callback_secret=secret, link_secret=link)
        subprocess.run(["ffmpeg", ..., "-f", "flv", nginx.publish_url("KEY")])
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from plugins.live.nginx import APPLICATION, NginxOptions, standalone_config

NGINX = os.environ.get("AMPHI_TEST_NGINX", "/usr/sbin/nginx")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Nginx:
    """A running test nginx: its ports, folders and configuration."""

    folder: Path
    rtmp_port: int
    http_port: int
    hls_folder: str
    recordings_folder: str
    options: NginxOptions

    @property
    def rtmp_pull(self) -> str:
        """The value of ``amphi.live.rtmp_pull`` for this nginx."""
        return f"127.0.0.1:{self.rtmp_port}/{APPLICATION}"

    def publish_url(self, stream_key: str) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/{APPLICATION}/{stream_key}"

    @property
    def http_url(self) -> str:
        """The HTTP side (signed HLS; anything else proxied to the app): ``amphi.live.hls_base_url``."""
        return f"http://127.0.0.1:{self.http_port}"

    def log(self, name: str = "error.log") -> str:
        path = self.folder / "logs" / name
        return path.read_text(errors="replace") if path.exists() else ""


def _wait_for_port(port: int, process: subprocess.Popen, folder: Path, deadline: float) -> None:
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "logs" / "error.log").read_text(errors="replace") if (folder / "logs").exists() else ""
                raise RuntimeError(f"nginx did not start (exit {process.poll()}):\n{log}") from None
            time.sleep(0.05)


@contextmanager
def running_nginx(
    folder,
    *,
    app_url: str,
    callback_secret: str,
    link_secret: str,
    hls_folder: str | None = None,
    recordings_folder: str | None = None,
):
    """nginx with the live configuration under ``folder`` until the block ends; yields a :class:`Nginx`."""
    if shutil.which(NGINX) is None and not os.path.exists(NGINX):
        pytest.skip("nginx is not installed")
    folder = Path(folder).resolve()
    for part in ("logs", "tmp", "hls", "recordings"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    hls = os.path.abspath(hls_folder or folder / "hls")
    recordings = os.path.abspath(recordings_folder or folder / "recordings")
    os.makedirs(hls, exist_ok=True)
    os.makedirs(recordings, exist_ok=True)
    rtmp_port, http_port = free_port(), free_port()
    options = NginxOptions(
        app_url=app_url,
        callback_secret=callback_secret,
        link_secret=link_secret,
        hls_folder=hls,
        recordings_folder=recordings,
        rtmp_listen=f"127.0.0.1:{rtmp_port}",
        http_listen=f"127.0.0.1:{http_port}",
    )
    config = folder / "nginx.conf"
    config.write_text(standalone_config(options, prefix=str(folder), foreground=True))
    with open(folder / "logs" / "stderr.log", "wb") as stderr:
        process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(config), "-e", str(folder / "logs" / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 10
        _wait_for_port(rtmp_port, process, folder, deadline)
        _wait_for_port(http_port, process, folder, deadline)
        yield Nginx(folder, rtmp_port, http_port, hls, recordings, options)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def live_nginx(tmp_path):
    """A factory: ``live_nginx(app_url=..., callback_secret=..., link_secret=..., hls_folder=...)``
    starts a test nginx (one per call, each in its own folder), all stopped at teardown."""
    with ExitStack() as stack:
        count = iter(range(100))

        def start(**kwargs) -> Nginx:
            return stack.enter_context(running_nginx(tmp_path / f"nginx{next(count)}", **kwargs))

        yield start
