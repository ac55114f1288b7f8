"""The systemd units of etc/systemd/ pass ``systemd-analyze verify`` (with this checkout's amphi command)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).parents[2] / "etc" / "systemd"


def test_units_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing (apt-get install systemd; scripts/bootstrap.sh installs it)")
    venv = Path(sys.executable).parent.parent
    for unit in UNITS.glob("*.service"):
        text = unit.read_text()
        assert "/opt/amphi/.venv/bin/amphi " in text and "User=amphi" in text
        (tmp_path / unit.name).write_text(text.replace("/opt/amphi/.venv", str(venv)))
    units = [str(tmp_path / "amphi-web.service"), str(tmp_path / "amphi-worker@main.service")]
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
