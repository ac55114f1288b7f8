"""Live media inside the application: the embedded HLS server's checks, the packager's start and stop through
the worker task, and ``amphi live nginx-config``."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


def amphi(ini, *args: str) -> str:
    """The real command line, in its own process (bootstrapping an app here would replace the tests' one)."""
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "-c", str(ini), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_amphi_live_nginx_config_prints_a_configuration_nginx_accepts(amphi_settings, tmp_path):
    ini = write_ini(tmp_path, amphi_settings["amphi.database_url"], **{"amphi.live.hls_folder": str(tmp_path / "hls")})
    os.makedirs(tmp_path / "var", exist_ok=True)
    listen = ["--rtmp-listen", f"127.0.0.1:{free_port()}", "--http-listen", f"127.0.0.1:{free_port()}"]
    text = amphi(ini, "live", "nginx-config", *listen)
    assert "on_publish http://127.0.0.1:6543/live/rtmp/publish?secret=" in text
    assert f'alias "{tmp_path}/hls/$live_event/$live_file";' in text
    (tmp_path / "nginx.conf").write_text(text.replace("worker_processes auto;", f"pid {tmp_path}/nginx.pid;"))
    (tmp_path / "logs").mkdir()
    checked = subprocess.run(
        ["nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "logs" / "e.log")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert amphi(ini, "live", "nginx-config", "--part", "http").startswith('location ~ "^/live/hls/')


def test_the_minute_watch_removes_the_live_files_of_an_event_ended_long_ago(app):
    registry = app.registry
    for event_id in (21, 22):
        (Path(live_folder(registry, event_id)) / "360p").mkdir(parents=True, exist_ok=True)
        packaging._write_state(
            state_path(registry, event_id), {"on_air": False, "folder": live_folder(registry, event_id)}
        )
    old = time.time() - packaging.LINGER_SECONDS - 60
    os.utime(state_path(registry, 21), (old, old))
    packaging.watch_packagers.call_local()
    assert not os.path.exists(live_folder(registry, 21)) and not os.path.exists(state_path(registry, 21))
    assert os.path.isdir(live_folder(registry, 22)) and os.path.exists(state_path(registry, 22))  # ended just now
    packaging.remove_event_files(state_path(registry, 22), {"folder": "/"}, packaging.hls_root(registry))
    assert os.path.isdir(live_folder(registry, 22))  # a folder outside the HLS folder is never removed
