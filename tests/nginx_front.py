"""Debian's nginx running ``etc/nginx/amphi.conf`` in front of a test app (a helper module, not a test file).

The production file is used as it is; only its lines marked ``# test:`` change (the app's address, the
listening port without TLS, the media folder), and it is wrapped in a main configuration of its own
(foreground, logs and temporary files in the test's folder)::

    with front_nginx(tmp_path, app="127.0.0.1:6543", media="/srv/media") as base:
        urllib.request.urlopen(base + "/")
"""

from __future__ import annotations

import re
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from plugins.live.testing import NGINX, _wait_for_port, free_port

CONF = Path(__file__).resolve().parents[1] / "etc" / "nginx" / "amphi.conf"


def render(conf: str, *, app: str, port: int, media: str) -> str:
    """``conf`` with the test's values on the lines marked ``# test:`` (the TLS lines dropped)."""
    changes = {
        "the app": f"    server {app};",
        "resolver": "resolver 127.0.0.1 valid=60s ipv6=off;",
        "listen": f"    listen 127.0.0.1:{port};",
        "ssl": "",
        "media": f"        alias {media.rstrip('/')}/;",
    }
    lines = []
    for line in conf.splitlines():
        marked = re.search(r"# test: (.+)$", line)
        if marked and marked.group(1) not in changes:
            raise ValueError(f"etc/nginx/amphi.conf: unknown test mark {marked.group(1)!r}")
        lines.append(changes[marked.group(1)] if marked else line)
    return "\n".join(lines) + "\n"


def main_config(folder: Path, site: str) -> str:
    temp = " ".join(
        f"{kind}_temp_path {folder}/tmp/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
master_process off;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log info;
events {{ worker_connections 256; }}
http {{
  access_log {folder}/logs/access.log;
  {temp}
  include /etc/nginx/mime.types;
  sendfile on;
{site}
}}
"""


@contextmanager
def front_nginx(folder, *, app: str, media: str):
    """nginx with ``etc/nginx/amphi.conf`` in front of ``app`` (host:port) until the block ends; yields its base URL."""
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (scripts/bootstrap.sh test installs nginx-light)")
    folder = Path(folder).resolve()
    for part in ("logs", "tmp"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(main_config(folder, render(CONF.read_text(), app=app, port=port, media=media)))
    with open(folder / "logs" / "stderr.log", "wb") as stderr:
        process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(config), "-e", str(folder / "logs" / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        _wait_for_port(port, process, folder, time.monotonic() + 10)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
