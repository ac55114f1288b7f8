"""The settings reference is generated from the declarations and renders in Sphinx (issue 14)."""

import subprocess
import sys
from pathlib import Path

from core.platform.plugins import installed_settings
from core.platform.settings import CORE, settings_reference

ROOT = Path(__file__).resolve().parents[2]


def test_the_reference_holds_the_core_then_every_plugin_with_type_default_scope_and_doc():
    reference = dict(settings_reference(installed_settings()))
    groups = list(reference)
    assert groups[0] == CORE and groups[1:] == sorted(groups[1:])
    assert {"encoder_ffmpeg", "recorder", "opencast_studio", "hello"} <= set(groups)
    lines = {line.name: line for lines in reference.values() for line in lines}
    max_age = lines["amphi.session_max_age"]
    assert (max_age.environment, max_age.type, max_age.default, max_age.per_site) == (
        "AMPHI_SESSION_MAX_AGE",
        "int",
        "43200",
        False,
    )
    assert "idle session" in max_age.doc
    assert lines["amphi.auth_cas.server_url"].doc.startswith("CAS server URL. The server's base address")
    rungs = lines["amphi.encoder_ffmpeg.rungs"]
    assert (rungs.type, rungs.default, rungs.per_site) == ("list", "360p 480p 720p 1080p", True)
    assert lines["amphi.encoder_ffmpeg.bitrate_720p"].doc.startswith("Video bitrate of 720p")  # ${rung} filled
    assert lines["amphi.encoder_ffmpeg.preset"].type.startswith("choice: ultrafast, superfast")
    assert lines["amphi.mail.smtp_password"].per_site is False  # the SMTP settings moved to the core (issue 15)
    assert lines["amphi.mail.backend"].type == "choice: folder, smtp"
    assert all(line.doc for line in lines.values())


def test_the_sphinx_directive_renders_the_reference(tmp_path):
    source, out = tmp_path / "source", tmp_path / "out"
    source.mkdir()
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'docs' / '_ext')!r})\n"
        "extensions = ['amphi_settings']\nproject = 'Amphi'\n",
        encoding="utf-8",
    )
    (source / "index.rst").write_text("Settings\n========\n\n.. amphi-settings::\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "text", str(source), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    text = (out / "index.txt").read_text(encoding="utf-8")
    for expected in (
        "Core",
        "Plugin encoder_ffmpeg",
        "Plugin recorder",
        "Plugin opencast_studio",
        "Plugin hello",
        "amphi.session_max_age",
        "AMPHI_SESSION_MAX_AGE",
        "43200",
        "amphi.recorder.timezone",
        "Europe/Paris",
        "Time zone of the schedules",
        "memberOf",
        "*empty*",
    ):
        assert expected in text
