"""The capture worker, for real: Xvfb, PulseAudio, Chromium and ffmpeg film a local page (a moving square
and a tone, in place of a BigBlueButton playback) into an MP4 file or an RTMP stream into nginx-rtmp.
A crash or a SIGTERM midway leaves no output file, no process and no temporary folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import pytest

from plugin_bbb.capture import CaptureError, CaptureSpec, LiveCapture, capture
from plugins.live.testing import free_port, live_nginx  # noqa: F401  (the fixture)

PAGE = Path(__file__).parent / "capture_page" / "index.html"
BACKGROUND = (0, 96, 160)  # the page's colour (capture_page/index.html)
SMALL = {"width": 640, "height": 360, "fps": 15, "preset": "ultrafast"}


@pytest.fixture(autouse=True, scope="module")
def programs():
    for program, package in (("Xvfb", "xvfb"), ("pulseaudio", "pulseaudio"), ("ffmpeg", "ffmpeg")):
        if shutil.which(program) is None:
            pytest.fail(f"{program} is missing (apt-get install {package})")
    if not os.path.exists("/usr/bin/chromium"):
        pytest.fail("Chromium is missing (apt-get install chromium)")


def page_url(**params) -> str:
    return PAGE.as_uri() + ("?" + urlencode(params) if params else "")


def page_spec(tmp_path, output, **fields) -> CaptureSpec:
    params = fields.pop("params", {})
    fields = {**SMALL, "ready_js": "window.pageReady", "start_js": "window.start()", **fields}
    return CaptureSpec(page_url(**params), output, workdir=tmp_path / "work", **fields)


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "out").mkdir()
    return tmp_path / "work"


def _processes():
    """(pid, process group, state, name, environment, command line) of every process."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            environ = (entry / "environ").read_bytes()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        yield int(entry.name), int(fields[2]), fields[0], name, environ, command


class ProcessWatch:
    """Notes, while captures under ``workdir`` run, every process of theirs: those whose environment or
    command line names the folder, and the other members of the process groups they lead (Chromium's
    helpers, whose environment cannot be read). :meth:`left` lists those still alive."""

    def __init__(self, workdir: Path):
        self.marker = str(workdir).encode()
        self.seen: dict[int, str] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self):
        while not self._done.wait(0.1):
            processes = list(_processes())
            groups = {group for pid, group, _, _, environ, command in processes
                      if pid == group and (self.marker in environ or self.marker in command)}  # fmt: skip
            self.seen.update({pid: name for pid, group, _, name, _, _ in processes if group in groups})
            self.seen.update({pid: name for pid, _, _, name, environ, command in processes
                              if self.marker in environ or self.marker in command})  # fmt: skip

    def left(self) -> list[str]:
        self._done.set()
        self._thread.join()
        alive = {pid: state for pid, _, state, *_ in _processes()}
        return [f"{pid} {name}" for pid, name in self.seen.items() if alive.get(pid, "Z") != "Z"]


@pytest.fixture
def watch(workdir):
    return ProcessWatch(workdir)


FILMING = {"Xvfb", "pulseaudio", "chromium", "ffmpeg"}


def assert_nothing_left(watch: ProcessWatch, workdir: Path, out: Path, started=FILMING) -> None:
    """The programs ``started`` ran (the watch saw them), and nothing of the capture is left."""
    assert started <= set(watch.seen.values()), watch.seen
    assert watch.left() == []
    assert list(workdir.iterdir()) == [], "the capture's temporary folder was not removed"
    assert [p.name for p in out.iterdir() if ".capturing-" in p.name] == [], "a partial file was left"


def streams(path) -> dict:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height:format=duration",
         "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(result.stdout)
    return {
        "duration": float(info["format"]["duration"]),
        **{s["codec_type"]: s for s in info["streams"]},
    }


def mean_volume(path) -> float:
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-i", str(path), "-vn", "-af", "volumedetect", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    line = next(line for line in result.stderr.splitlines() if "mean_volume:" in line)
    return float(line.split("mean_volume:")[1].split()[0])


def frame(path, at: float, width=640, height=360) -> bytes:
    """One decoded picture (RGB, one byte per channel)."""
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip


def pixel(picture: bytes, x: int, y: int, width=640) -> tuple[int, int, int]:
    offset = (y * width + x) * 3
    return tuple(picture[offset : offset + 3])


def close_to(colour, expected, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


# --- a file ------------------------------------------------------------------------------------------


def onsets(path) -> tuple[list[float], list[float]]:
    """When, in the file as ffmpeg plays it, the page's white flashes and its beeps begin (pulses=1)."""
    report = subprocess.run(
        ["ffmpeg", "-hide_banner", "-i", str(path), "-filter_complex",
         "[0:v]crop=iw:ih/6:0:0,signalstats,metadata=print:key=lavfi.signalstats.YAVG[v];"
         "[0:a]silencedetect=n=-30dB:d=0.1[a]",
         "-map", "[v]", "-map", "[a]", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    flashes, bright, at = [], False, 0.0
    for line in report.splitlines():
        if match := re.search(r"pts_time:([\d.]+)", line):
            at = float(match[1])
        if match := re.search(r"YAVG=([\d.]+)", line):
            if float(match[1]) > 200 and not bright:
                flashes.append(at)
            bright = float(match[1]) > 200
    beeps = [float(t) for t in re.findall(r"silence_end: ([\d.]+)", report)]
    return flashes, beeps


def test_two_captures_at_once_film_their_own_page_and_sound_until_it_ends(tmp_path, workdir, watch):
    out = tmp_path / "out"
    loud, quiet = out / "loud.mp4", out / "quiet.mp4"
    results, errors = {}, []

    def run_quiet():
        try:
            results["quiet"] = capture(
                page_spec(tmp_path, quiet, params={"silent": 1}, end_condition_js="window.ended")
            )
        except Exception as error:  # reported below
            errors.append(error)

    other = threading.Thread(target=run_quiet)
    other.start()
    results["loud"] = capture(page_spec(tmp_path, loud, params={"pulses": 1}, end_condition_js="window.ended"))
    other.join()
    assert errors == []

    for name, path in (("loud", loud), ("quiet", quiet)):
        assert results[name].path_or_url == str(path)
        assert (results[name].width, results[name].height) == (640, 360)
        found = streams(path)
        assert found["video"]["codec_name"] == "h264"
        assert (found["video"]["width"], found["video"]["height"]) == (640, 360)
        assert found["audio"]["codec_name"] == "aac"
        # The page plays for 4 s from start_js; the film starts then and stops within a second of its end.
        assert 3.5 <= found["duration"] <= 5, (name, found["duration"])
        assert abs(results[name].seconds - found["duration"]) < 0.1
        assert frame(path, 0.5) != frame(path, 2.5), "the picture does not move"
    # The page fills the frame: its background in every corner, no browser bar nor black border.
    picture = frame(quiet, 2.5)
    for x, y in ((0, 0), (639, 0), (0, 359), (639, 359)):
        assert close_to(pixel(picture, x, y), BACKGROUND), (x, y, pixel(picture, x, y))
    # Each capture has its own sink: the beeps of one are not heard in the other.
    assert mean_volume(loud) > -50
    assert mean_volume(quiet) < -80
    # Picture and sound stay together: each beep is heard when the page flashes (at 1, 2 and 3 s).
    flashes, beeps = onsets(loud)
    assert len(beeps) >= 3, beeps
    for beep in beeps[:3]:
        assert min(abs(beep - flash) for flash in flashes) < 0.2, (beeps, flashes)
    assert_nothing_left(watch, workdir, out)


# --- live: RTMP into Amphi's nginx ----------------------------------------------------------------


class Callbacks(BaseHTTPRequestHandler):
    """Amphi's side of nginx-rtmp's callbacks: every publish admitted as event 1."""

    seen: list[str] = []
    admit = True

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Callbacks.seen.append(self.path.split("?")[0])
        publish = self.path.startswith("/live/rtmp/publish?")
        self.send_response((302 if Callbacks.admit else 403) if publish else 200)
        if publish and Callbacks.admit:
            self.send_header("Location", "e1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def callbacks():
    Callbacks.seen, Callbacks.admit = [], True
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Callbacks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value


def test_a_live_capture_publishes_to_nginx_rtmp_until_stopped(tmp_path, workdir, watch, live_nginx, callbacks):
    nginx = live_nginx(app_url=callbacks, callback_secret="s3cret", link_secret="l1nk")
    recordings = Path(nginx.recordings_folder)
    live = LiveCapture(page_spec(tmp_path, nginx.publish_url("KEY123"), params={"seconds": 600}))
    with live:
        assert live.running
        assert "/live/rtmp/publish" in Callbacks.seen
        # nginx records the stream it receives; let it grow for a while.
        recorded = wait_for(
            lambda: [p for p in recordings.glob("e1*.flv") if p.stat().st_size > 50_000], 20, "a recording"
        )
        time.sleep(1)
    assert not live.running
    assert live.result.path_or_url == nginx.publish_url("KEY123")
    assert live.result.seconds >= 2
    wait_for(lambda: "/live/rtmp/record_done" in Callbacks.seen, 10, "nginx to close its recording")
    found = streams(recorded[0])
    assert (found["video"]["width"], found["video"]["height"]) == (640, 360)
    assert found["audio"]["codec_name"] == "aac"
    assert found["duration"] >= 2
    assert mean_volume(recorded[0]) > -50
    assert_nothing_left(watch, workdir, tmp_path / "out")


def test_a_refused_stream_fails_in_words_without_its_key(tmp_path, workdir, watch, live_nginx, callbacks):
    Callbacks.admit = False
    nginx = live_nginx(app_url=callbacks, callback_secret="s3cret", link_secret="l1nk")
    with pytest.raises(CaptureError, match="ffmpeg exited") as refused:
        LiveCapture(page_spec(tmp_path, nginx.publish_url("WRONGKEY"), params={"seconds": 600})).start()
    assert "/live/rtmp/publish" in Callbacks.seen
    assert "WRONGKEY" not in str(refused.value)
    assert_nothing_left(watch, workdir, tmp_path / "out")


def test_a_live_capture_stops_by_itself_after_its_duration(tmp_path, workdir, watch):
    path = tmp_path / "out" / "two.mp4"
    live = LiveCapture(page_spec(tmp_path, path, params={"seconds": 600}, duration=2)).start()
    assert live.running
    assert live.wait(timeout=20)
    assert not live.running
    result = live.stop()
    assert 1.8 <= streams(path)["duration"] <= 3
    assert result.seconds == pytest.approx(streams(path)["duration"], abs=0.1)
    assert_nothing_left(watch, workdir, tmp_path / "out")


# --- failures ---------------------------------------------------------------------------------------


def find_process(workdir: Path, name: str) -> int:
    """The pid of the capture's program ``name`` (Chromium's browser process, not its helpers)."""
    marker = str(workdir).encode()
    for pid, _, _, comm, environ, command in _processes():
        if comm == name and marker in environ and b"--type=" not in command:
            return pid
    raise AssertionError(f"no {name} is running")


@pytest.mark.parametrize("program, reason", [("ffmpeg", "ffmpeg was killed"), ("chromium", "Chromium was killed")])
def test_a_program_that_dies_midway_fails_the_capture_and_leaves_nothing(tmp_path, workdir, watch, program, reason):
    out = tmp_path / "out"
    killed = []

    def kill_when_recording():
        # Once the partial file is being written, the capture is well under way.
        wait_for(lambda: any(p.stat().st_size > 0 for p in out.glob(".*.capturing-*")), 30, "the recording")
        time.sleep(0.5)
        pid = find_process(workdir, program)
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_when_recording)
    killer.start()
    with pytest.raises(CaptureError, match=reason):
        capture(page_spec(tmp_path, out / "crash.mp4", params={"seconds": 600}, end_condition_js="window.ended"))
    killer.join()
    assert killed
    assert not (out / "crash.mp4").exists()
    assert_nothing_left(watch, workdir, out)


SIGTERM_SCRIPT = """
import sys
from plugin_bbb.capture import CaptureSpec, capture
capture(CaptureSpec(sys.argv[1], sys.argv[2], width=640, height=360, fps=15, preset="ultrafast",
                    start_js="window.start()", end_condition_js="window.ended", workdir=sys.argv[3]))
"""


def test_sigterm_midway_stops_every_program_and_publishes_nothing(tmp_path, workdir, watch):
    out = tmp_path / "out"
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    worker = subprocess.Popen(
        [sys.executable, "-c", SIGTERM_SCRIPT, page_url(seconds=600), str(out / "term.mp4"), str(workdir)],
        env=environment,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: any(p.stat().st_size > 0 for p in out.glob(".*.capturing-*")) or worker.poll() is not None,
                 30, "the recording")  # fmt: skip
        assert worker.poll() is None, worker.stderr.read().decode()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 128 + signal.SIGTERM
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert not (out / "term.mp4").exists()
    assert_nothing_left(watch, workdir, out)


def test_a_page_that_never_becomes_ready_is_refused_in_words(tmp_path, workdir, watch):
    with pytest.raises(CaptureError, match="never became ready: window.pageReady was still false after 2 s"):
        capture(page_spec(tmp_path, tmp_path / "out" / "never.mp4", params={"ready": "never"}, start_timeout=2))
    assert not (tmp_path / "out" / "never.mp4").exists()
    assert_nothing_left(watch, workdir, tmp_path / "out", started=FILMING - {"ffmpeg"})


def test_an_unreachable_page_is_refused_in_words(tmp_path, workdir, watch):
    url = f"http://127.0.0.1:{free_port()}/playback/presentation/2.3/abc"
    spec = CaptureSpec(url, tmp_path / "out" / "x.mp4", workdir=workdir, **SMALL)
    with pytest.raises(CaptureError, match="could not be loaded.*ERR_CONNECTION_REFUSED"):
        capture(spec)
    assert_nothing_left(watch, workdir, tmp_path / "out", started=FILMING - {"ffmpeg"})


def test_a_missing_output_folder_is_refused_before_anything_starts(tmp_path, workdir, watch):
    with pytest.raises(CaptureError, match="does not exist"):
        capture(page_spec(tmp_path, tmp_path / "nowhere" / "x.mp4", duration=1))
    assert_nothing_left(watch, workdir, tmp_path / "out", started=set())


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"url": "javascript:alert(1)"}, "http, https or file URL"),
        ({"width": 641}, "even numbers"),
        ({"fps": 0}, "frame rate"),
        ({"duration": -1}, "duration must be a positive"),
    ],
)
def test_a_bad_spec_is_refused_in_words(fields, message):
    with pytest.raises(ValueError, match=message):
        CaptureSpec(**{"url": "https://bbb.example.org/playback", "output": "/tmp/x.mp4", **fields})
