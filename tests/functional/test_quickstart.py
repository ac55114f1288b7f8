"""The README's quick-start command, from a copy of the repository, answers on /."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_of_the_repository(target) -> None:
    files = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        source = os.path.join(ROOT, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
            shutil.copy2(source, os.path.join(target, name))


def wait_for(url: str, process, deadline: float) -> int:
    while time.monotonic() < deadline:
        assert process.poll() is None, "the quick-start command stopped"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status
        except OSError:
            time.sleep(1)
    raise AssertionError(f"{url} did not answer in time")


@pytest.mark.timeout(600)
@pytest.mark.skipif(
    os.environ.get("AMPHI_TEST_DB") == "postgresql",
    reason="the quick start always runs on SQLite: checked once, in the SQLite run",
)
def test_the_quick_start_command_serves_amphi(tmp_path):
    copy_of_the_repository(tmp_path)
    port = free_port()
    log = open(tmp_path / "quickstart.log", "w+")
    process = subprocess.Popen(
        ["./quickstart"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "AMPHI_PORT": str(port)},
        start_new_session=True,
    )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/", process, time.monotonic() + 540) == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as response:
            assert "Local account" in response.read().decode()
        log.seek(0)
        output = log.read()
        assert f"Amphi: http://127.0.0.1:{port}/" in output
        assert "admin username: admin" in output and "admin password: " in output
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()
