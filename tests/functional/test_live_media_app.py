"""Live media inside the application: the embedded HLS server's checks, the packager's start and stop through
the worker task, and ``amphi live nginx-config``."""

import os
import subprocess
import time
from pathlib import Path

import pytest

from core.cli import main
from core.testing import free_port, write_ini
from plugins.live import packaging, segments
from plugins.live.packaging import live_folder, state_path


@pytest.fixture
def hls(app):
    folder = Path(live_folder(app.registry, 7))
    (folder / "720p").mkdir(parents=True, exist_ok=True)
    (folder / "master.m3u8").write_text("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n")
    (folder / "720p" / "seg_00001.ts").write_bytes(b"G" * 188)
    (folder.parent / "secret.txt").write_text("not for viewers")
    yield folder
    for path in sorted(folder.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


def test_the_embedded_default_serves_signed_live_files_and_refuses_the_others(testapp, make_request, site, hls):
    url = segments.playlist_url(make_request(site), 7)
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert url == f"http://{site.domains[0].domain}/{path}" and path.endswith("/e7/master.m3u8")
    master = testapp.get("/" + path)
    assert master.content_type == "application/vnd.apple.mpegurl" and "no-cache" in master.headers["Cache-Control"]
    assert master.text.startswith("#EXTM3U")
    segment = testapp.get("/" + path.replace("master.m3u8", "720p/seg_00001.ts"))
    assert segment.content_type == "video/mp2t" and segment.body == b"G" * 188
    assert "max-age" in segment.headers["Cache-Control"]
    testapp.get("/" + path.replace("/e7/", "/e8/"), status=403)  # another event's
    testapp.get("/" + path.replace("master.m3u8", "../secret.txt"), status=403)
    testapp.get("/" + path.replace("master.m3u8", "720p/seg_00002.ts"), status=404)
    testapp.get("/live/hls/nope/1/e7/master.m3u8", status=403)
    secret = segments.link_secret(testapp.app.registry.settings)
    testapp.get(segments.signed_path(secret, 7, int(time.time()) - 5), status=410)
    assert segments.is_live(testapp.app.registry, 7) and not segments.is_live(testapp.app.registry, 8)


def wait_until(check, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_start_spawns_one_packager_and_stop_ends_it_closing_the_playlists(app):
    registry = app.registry
    folder = Path(live_folder(registry, 11))
    (folder / "360p").mkdir(parents=True, exist_ok=True)
    (folder / "360p" / "index.m3u8").write_text("#EXTM3U\n#EXTINF:2.0,\nseg_00000.ts\n")
    packaging.start(registry, 11, "e11", [("e11", "fr", "Français")])  # nothing publishes: it waits
    path = state_path(registry, 11)
    wait_until(lambda: packaging.packager_running(path))
    packaging.ensure_packager.call_local(path)  # a second start (the minute watch) adds no second packager
    packaging.stop(registry, 11)
    wait_until(lambda: not packaging.packager_running(path))
    assert (folder / "360p" / "index.m3u8").read_text().endswith("#EXT-X-ENDLIST\n")
    packaging.stop(registry, 11)  # twice: nothing more


def test_amphi_live_nginx_config_prints_a_configuration_nginx_accepts(amphi_settings, tmp_path, capsys):
    ini = write_ini(tmp_path, amphi_settings["amphi.database_url"], **{"amphi.live.hls_folder": str(tmp_path / "hls")})
    os.makedirs(tmp_path / "var", exist_ok=True)
    listen = ["--rtmp-listen", f"127.0.0.1:{free_port()}", "--http-listen", f"127.0.0.1:{free_port()}"]
    assert main(["-c", str(ini), "live", "nginx-config", *listen]) == 0
    text = capsys.readouterr().out
    assert "on_publish http://127.0.0.1:6543/live/rtmp/publish?secret=" in text
    assert f'alias "{tmp_path}/hls/$live_event/$live_file";' in text
    (tmp_path / "nginx.conf").write_text(text.replace("worker_processes auto;", f"pid {tmp_path}/nginx.pid;"))
    (tmp_path / "logs").mkdir()
    checked = subprocess.run(
        ["nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "logs" / "e.log")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert main(["-c", str(ini), "live", "nginx-config", "--part", "http"]) == 0
    assert capsys.readouterr().out.startswith('location ~ "^/live/hls/')
