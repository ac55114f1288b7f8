"""Live packaging with the real thing: nginx-rtmp receives ffmpeg publishes, the packager writes HLS, nginx's
secure_link serves it only to signed, unexpired paths. No database: these run once."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from plugins.live import segments
from plugins.live.testing import free_port, live_nginx  # noqa: F401  (the fixture)

SECRET = "test link secret"


class Callbacks(BaseHTTPRequestHandler):
    """A stand-in for Amphi's callbacks: admits every publish, renamed as live-events does (key -> e7, e7_en)."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        if self.path.startswith("/live/rtmp/publish?secret=s3cret"):
            self.send_response(302)
            self.send_header("Location", "e7_en" if "name=INTERPRETER" in body else "e7")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def nginx(live_nginx):
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Callbacks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield live_nginx(app_url=f"http://127.0.0.1:{server.server_port}", callback_secret="s3cret", link_secret=SECRET)
    finally:
        server.shutdown()
        server.server_close()


def publish(nginx, key: str, seconds: int, video: str | None = "320x240", audio: bool = True):
    inputs = []
    if video:
        inputs += ["-re", "-f", "lavfi", "-i", f"testsrc2=size={video}:rate=25"]
    if audio:
        inputs += ["-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    codecs = (["-c:v", "libx264", "-preset", "ultrafast", "-g", "25"] if video else []) + (
        ["-c:a", "aac"] if audio else []
    )
    argv = ["ffmpeg", "-loglevel", "error", *inputs, "-t", str(seconds), *codecs, "-f", "flv", nginx.publish_url(key)]
    return subprocess.Popen(argv)


PACKAGERS: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def packagers():
    """The packager processes a test starts, stopped at teardown even when the test failed."""
    yield
    while PACKAGERS:
        process = PACKAGERS.pop()
        if process.poll() is None:
            process.kill()
            process.wait()


def package(nginx, tmp_path: Path, audio: list, ladder: list) -> tuple[subprocess.Popen, Path, dict]:
    """The packager's process, with the state :func:`plugins.live.packaging.start` writes."""
    state = {
        "event_id": 7,
        "stream": "e7",
        "audio": audio,
        "pull": nginx.rtmp_pull,
        "folder": f"{nginx.hls_folder}/e7",
        "ladder": ladder,
        "segment_seconds": 1,
        "list_size": 30,
        "preset": "ultrafast",
        "on_air": True,
    }
    path = tmp_path / "e7.json"
    path.write_text(json.dumps(state))
    process = subprocess.Popen([sys.executable, "-m", "plugins.live.packager_process", str(path)])
    PACKAGERS.append(process)
    return process, path, state


def stop(process, path: Path, state: dict) -> None:
    path.write_text(json.dumps({**state, "on_air": False}))
    assert process.wait(timeout=30) == 0


def wait_for(path: Path, seconds: float = 25) -> str:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)
    return path.read_text()


def fetch(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, b""


def probe(path: Path) -> list:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)["streams"]


def test_a_published_stream_becomes_a_signed_hls_ladder_with_an_interpreter_language(nginx, tmp_path):
    main = publish(nginx, "KEY", 12)
    interpreter = publish(nginx, "INTERPRETER", 12, video=None)
    process, state_path, state = package(
        nginx, tmp_path, [["e7", "fr", "Français"], ["e7_en", "en", "English"]], [180, 240]
    )
    folder = Path(nginx.hls_folder) / "e7"
    master = wait_for(folder / "master.m3u8")
    assert 'LANGUAGE="fr",NAME="Français",DEFAULT=YES' in master
    assert 'LANGUAGE="en",NAME="English",DEFAULT=NO' in master
    assert "RESOLUTION=240x180" in master and "RESOLUTION=320x240" in master

    expires = int(time.time()) + 60
    signed = nginx.http_url + segments.signed_path(SECRET, 7, expires)
    status, headers, body = fetch(signed)
    assert status == 200 and body.decode() == master
    assert headers["Content-Type"] == "application/vnd.apple.mpegurl" and "no-cache" in headers["Cache-Control"]
    base = signed.rsplit("/", 1)[0]
    media = fetch(base + "/240p/index.m3u8")[2].decode()  # relative URIs inherit the signature
    first = next(line for line in media.splitlines() if line.endswith(".ts"))
    status, headers, segment = fetch(f"{base}/240p/{first}")
    assert status == 200 and headers["Content-Type"] == "video/mp2t" and segment[:1] == b"G"
    assert fetch(nginx.http_url + f"/live/hls/e7/240p/{first}")[0] == 403  # unsigned
    assert fetch(base.replace("/e7", "/e8") + "/master.m3u8")[0] == 403  # another event
    assert fetch(base.replace(str(expires), str(expires + 3600)) + "/master.m3u8")[0] == 403  # a longer life
    expired = nginx.http_url + segments.signed_path(SECRET, 7, int(time.time()) - 1, f"240p/{first}")
    assert fetch(expired)[0] == 410

    assert main.wait(timeout=30) == 0 and interpreter.wait(timeout=30) == 0
    time.sleep(1)
    stop(process, state_path, state)
    for name in ("180p", "240p", "a0", "a1"):
        playlist = (folder / name / "index.m3u8").read_text()
        assert playlist.rstrip().endswith("#EXT-X-ENDLIST") and playlist.count(".ts") >= 3, name
    assert probe(folder / "180p" / first) == [{"codec_name": "h264", "width": 240, "height": 180}]
    assert [s["codec_name"] for s in probe(folder / "a1" / "seg_00001.ts")] == ["aac"]
    recordings = sorted(p.name for p in Path(nginx.recordings_folder).iterdir())
    assert [name.split("-")[0] for name in recordings] == ["e7", "e7_en"]


def test_an_odd_sized_input_without_sound_is_packaged(nginx, tmp_path):
    # An odd height cannot survive H.264 4:2:0 (854x481 arrives as 854x480): an odd shape then, between rungs.
    main = publish(nginx, "KEY", 14, video="600x340", audio=False)
    process, state_path, state = package(nginx, tmp_path, [["e7", "fr", "Français"]], [240, 720])
    folder = Path(nginx.hls_folder) / "e7"
    master = wait_for(folder / "master.m3u8")
    assert "#EXT-X-MEDIA" not in master and "AUDIO=" not in master
    assert "RESOLUTION=422x240" in master and "RESOLUTION=600x340" in master and "720p" not in master
    assert main.wait(timeout=30) == 0
    time.sleep(1)
    stop(process, state_path, state)
    assert probe(folder / "340p" / "seg_00001.ts") == [{"codec_name": "h264", "width": 600, "height": 340}]
    assert not (folder / "a0").exists()


def test_a_killed_ffmpeg_is_restarted_and_the_playlists_go_on(nginx, tmp_path):
    main = publish(nginx, "KEY", 16)
    process, state_path, state = package(nginx, tmp_path, [["e7", "fr", "Français"]], [240])
    playlist = Path(nginx.hls_folder) / "e7" / "240p" / "index.m3u8"
    wait_for(Path(nginx.hls_folder) / "e7" / "master.m3u8")
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    assert len(children) == 1
    os.kill(int(children[0]), signal.SIGKILL)  # ffmpeg dies mid-broadcast
    before = playlist.read_text().count(".ts")
    deadline = time.monotonic() + 20
    while playlist.read_text().count("#EXT-X-DISCONTINUITY") < 2 or playlist.read_text().count(".ts") <= before:
        assert time.monotonic() < deadline, playlist.read_text()
        time.sleep(0.2)
    assert main.wait(timeout=30) == 0
    stop(process, state_path, state)
    numbers = [int(line[4:9]) for line in playlist.read_text().splitlines() if line.endswith(".ts")]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # numbering went on
