"""Glass-to-glass latency of live: a frame published -> the moment hls.js in Chromium shows it.

How: the publisher (ffmpeg, -re, 320x240 at 25 fps) burns its own media time T into the top rows of
the picture as 20 binary blocks (centiseconds, geq). Its frame T is captured at T0 + T (T0: the
wall-clock time the publish started). It goes through nginx-rtmp, the packager with Amphi's default
settings (1 s segments, libx264 veryfast zero-latency), nginx's secure_link, and hls.js in Chromium
with the event page's settings (liveSyncDurationCount 3). Twice a second the page draws the shown
frame on a canvas, decodes T and records Date.now() - (T0 + T). Run:

    .venv/bin/python bench/live_latency.py [--seconds 40] [--sync 3] [--segment 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

from core.testing import CHROMIUM, CHROMIUM_ARGS, REPOSITORY
from plugins.live import segments
from plugins.live.testing import free_port, running_nginx

SECRET = "bench link secret"
BITS = 20
BLOCK = 16

PAGE = """
<video id=v muted playsinline style="width:320px;height:240px"></video><canvas id=c width=320 height=240></canvas>
<script>
window.samples = [];
function start(src, t0, sync) {
  var video = document.getElementById("v"), canvas = document.getElementById("c"), ctx = canvas.getContext("2d");
  var hls = new Hls({liveSyncDurationCount: sync, liveMaxLatencyDurationCount: 10, liveDurationInfinity: true});
  hls.loadSource(src); hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, function () { video.play(); });
  setInterval(function () {
    if (video.readyState < 2 || video.paused) return;
    ctx.drawImage(video, 0, 0, 320, 240);
    var row = ctx.getImageData(0, 0, 320, 16).data, value = 0;
    for (var bit = 0; bit < BITS; bit++) {
      var x = bit * BLOCK + BLOCK / 2, i = (8 * 320 + x) * 4, luma = (row[i] + row[i + 1] + row[i + 2]) / 3;
      if (luma > 128) value += Math.pow(2, bit);
    }
    window.samples.push(Date.now() - (t0 + value * 10));
  }, 500);
}
</script>
""".replace("BITS", str(BITS)).replace("BLOCK", str(BLOCK))


class Callbacks(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(302 if self.path.startswith("/live/rtmp/publish?") else 200)
        if self.path.startswith("/live/rtmp/publish?"):
            self.send_header("Location", "e1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def burn_time() -> str:
    # Block b of the top 16 rows is white when bit b of T (centiseconds) is set.
    bit = f"mod(floor(T*100/pow(2,floor(X/{BLOCK}))),2)"
    grey = f"if(lt(Y,{BLOCK // 2}),128,p(X,Y))"  # the chroma planes are half the size: no colour in the band
    return f"geq=lum='if(lt(Y,{BLOCK})*lt(X,{BITS * BLOCK}),255*{bit},p(X,Y))':cb='{grey}':cr='{grey}'"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=40, help="how long the page samples (default 40)")
    parser.add_argument("--sync", type=int, default=3, help="hls.js liveSyncDurationCount (the player's: 3)")
    parser.add_argument("--segment", type=int, default=1, help="segment seconds (Amphi's default: 1)")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Callbacks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with (
        tempfile.TemporaryDirectory() as folder,
        running_nginx(
            folder, app_url=f"http://127.0.0.1:{server.server_port}", callback_secret="s", link_secret=SECRET
        ) as nginx,
    ):
        length = args.seconds + 40
        t0 = time.time()
        publisher = subprocess.Popen(
            ["ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
             "-f", "lavfi", "-i", "sine", "-t", str(length), "-vf", burn_time(), "-c:v", "libx264", "-preset",
             "veryfast", "-tune", "zerolatency", "-g", "50", "-c:a", "aac", "-f", "flv", nginx.publish_url("KEY")]
        )  # fmt: skip
        state = {
            "event_id": 1, "stream": "e1", "audio": [["e1", "en", "English"]], "pull": nginx.rtmp_pull,
            "folder": f"{nginx.hls_folder}/e1", "ladder": [360, 720, 1080], "segment_seconds": args.segment,
            "list_size": 60, "preset": "veryfast", "on_air": True,
        }  # fmt: skip
        state_file = Path(folder) / "e1.json"
        state_file.write_text(json.dumps(state))
        packager = subprocess.Popen([sys.executable, "-m", "plugins.live.packager_process", str(state_file)])
        try:
            while not (Path(nginx.hls_folder) / "e1" / "master.m3u8").exists():
                time.sleep(0.2)
            print(f"master playlist after {time.time() - t0:.1f} s")
            src = nginx.http_url + segments.signed_path(SECRET, 1, int(time.time()) + 3600)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.set_content(PAGE)
                page.add_script_tag(path=f"{REPOSITORY}/node_modules/hls.js/dist/hls.min.js")
                page.evaluate("([src, t0, sync]) => start(src, t0, sync)", [src, int(t0 * 1000), args.sync])
                time.sleep(args.seconds)
                samples = page.evaluate("window.samples")
                browser.close()
        finally:
            state_file.write_text(json.dumps({**state, "on_air": False}))
            packager.wait(timeout=30)
            publisher.terminate()
            publisher.wait()
    steady = samples[len(samples) // 4 :]  # after the start-up
    if not steady:
        sys.exit("no frame was decoded")
    steady.sort()
    print(
        f"segments {args.segment} s, hls.js liveSyncDurationCount {args.sync}: {len(steady)} samples, glass-to-glass "
        f"median {statistics.median(steady) / 1000:.2f} s, p95 {steady[int(len(steady) * 0.95) - 1] / 1000:.2f} s, "
        f"min {steady[0] / 1000:.2f} s, max {steady[-1] / 1000:.2f} s"
    )


if __name__ == "__main__":
    main()
