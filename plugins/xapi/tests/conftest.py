"""A real LRS for the xAPI tests: Ralph, started once per session on 127.0.0.1 and a free port."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from core.testing import free_port

ROOT = Path(__file__).resolve().parents[3]
LAUNCHER = Path(__file__).with_name("ralph_launcher.py")


@dataclass(frozen=True)
class Ralph:
    endpoint: str  # the xAPI base, as a site admin types it
    key: str
    secret: str

    def statements(self, **params) -> list[dict]:
        """Every statement stored, or those matching ``params`` (``verb=``, ``registration=``...), newest first."""
        found, url = [], self.endpoint + "statements"
        params = {"limit": 500, **params}
        while url:
            answer = requests.get(
                url,
                params=params,
                auth=(self.key, self.secret),
                timeout=10,
                headers={"X-Experience-API-Version": "1.0.3"},
            )
            answer.raise_for_status()
            body = answer.json()
            found += body["statements"]
            more = body.get("more")
            url, params = (self.endpoint.split("/xAPI/")[0] + more, None) if more else (None, None)
        return found


def ralph_python() -> str:
    """Ralph's Python: ``$AMPHI_RALPH_PYTHON``, else the ``.venv-ralph`` that scripts/bootstrap.sh makes."""
    path = os.environ.get("AMPHI_RALPH_PYTHON") or str(ROOT / ".venv-ralph" / "bin" / "python")
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"Ralph is not installed at {path}: ./run-tests installs it (python3 -m venv .venv-ralph && "
            '.venv-ralph/bin/pip install "ralph-malph[lrs,cli]==5.1.0" requests)'
        )
    return path


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    folder, port = tmp_path_factory.mktemp("ralph"), free_port()
    log = open(folder / "ralph.log", "wb")
    process = subprocess.Popen(
        [ralph_python(), str(LAUNCHER), str(folder), str(port), "amphi", "ralph secret"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/whoami", timeout=1).status_code == 401:  # up, asking who we are
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Ralph did not start: {(folder / 'ralph.log').read_text()[-2000:]}")
            time.sleep(0.05)
        yield Ralph(base + "/xAPI/", "amphi", "ralph secret")
    finally:
        process.terminate()
        process.wait(10)
        log.close()
