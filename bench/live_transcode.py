"""CPU cost of one event's live transcode with Amphi's default ladder and settings, for 720p and 1080p inputs.

A clip (testsrc2 with a sine, 25 fps; synthetic pictures are cheaper to encode than a camera's) is
encoded once, then published in real time with ``-c copy`` (the publisher costs almost nothing)
through nginx-rtmp; the packager's ffmpeg command (:func:`plugins.live.ladder.packager_command`, the
default ladder 360/720/1080, libx264 veryfast, 1 s segments) pulls it. Its CPU time over the
wall-clock time is the number of cores one event keeps busy; "keeps up" says whether it wrote
segments as fast as they came. Run:

    .venv/bin/python bench/live_transcode.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from plugins.live.ladder import Audio, choose_ladder, packager_command
from plugins.live.media_settings import MEDIA_SETTINGS
from plugins.live.testing import free_port, running_nginx

DEFAULTS = {setting.key: setting.default for setting in MEDIA_SETTINGS}


class Callbacks(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        publish = self.path.startswith("/live/rtmp/publish?")
        self.send_response(302 if publish else 200)
        if publish:
            self.send_header("Location", "e1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def measure(nginx, folder: Path, width: int, height: int, seconds: int) -> None:
    clip = folder / f"{height}.flv"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=25",
         "-f", "lavfi", "-i", "sine", "-t", str(seconds + 15), "-c:v", "libx264", "-preset", "ultrafast",
         "-g", "50", "-b:v", "6M", "-c:a", "aac", str(clip)],
        check=True,
    )  # fmt: skip
    publisher = subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-re", "-i", str(clip), "-c", "copy", "-f", "flv", nginx.publish_url("K")]
    )
    time.sleep(2)
    out = folder / f"hls{height}"
    rungs = choose_ladder(width, height, [int(h) for h in DEFAULTS["ladder"]])
    for rung in rungs:
        (out / rung.name).mkdir(parents=True)
    (out / "a0").mkdir()
    argv = packager_command(
        pull=nginx.rtmp_pull, video_stream="e1", audio=[Audio("e1", "en", "English")], main_has_audio=True,
        rungs=rungs, frame_rate=25, folder=str(out), segment_seconds=DEFAULTS["segment_seconds"],
        list_size=DEFAULTS["dvr_seconds"], preset=DEFAULTS["x264_preset"],
    )  # fmt: skip
    began = time.monotonic()
    packager = subprocess.Popen(argv)
    time.sleep(seconds)
    segments = len(list((out / rungs[-1].name).glob("*.ts")))
    wall = time.monotonic() - began
    fields = Path(f"/proc/{packager.pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    packager.terminate()
    packager.wait()
    publisher.terminate()
    publisher.wait()
    # The same command on the clip read as fast as possible: CPU seconds per second of video, which the
    # machine's other load does not change (a live event needs that many cores to keep up).
    fast = [str(clip) if word == f"rtmp://{nginx.rtmp_pull}/e1" else word for word in argv]
    fast = [w.replace(str(out), str(out) + "-fast") for w in fast]
    for rung in rungs:
        (Path(str(out) + "-fast") / rung.name).mkdir(parents=True)
    (Path(str(out) + "-fast") / "a0").mkdir()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run([*fast[:1], "-t", str(seconds), *fast[1:]], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(
        f"{width}x{height} input, as fast as possible: {used / seconds:.2f} CPU s per second of video"
        f" ({seconds} s of video in {time.monotonic() - started:.0f} s wall)",
        flush=True,
    )
    print(
        f"{width}x{height} input -> {', '.join(r.name for r in rungs)}: {cpu / wall:.2f} cores"
        f" ({cpu:.0f} CPU s in {wall:.0f} s); {segments} segments of the top rung in {wall:.0f} s"
        f" ({'keeps up' if segments >= (wall - 6) / DEFAULTS['segment_seconds'] else 'falls behind'});"
        f" load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Callbacks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with (
        tempfile.TemporaryDirectory() as folder,
        running_nginx(
            folder, app_url=f"http://127.0.0.1:{server.server_port}", callback_secret="s", link_secret="x"
        ) as nginx,
    ):
        for width, height in ((1280, 720), (1920, 1080)):
            measure(nginx, Path(folder), width, height, args.seconds)
            time.sleep(12)  # the publish ends (drop_idle_publisher) before the next


if __name__ == "__main__":
    main()
