"""Composition benchmark: a browser recording's screen (VP9) and camera (VP8), with Opus, composed as Studio's are.

Generates a screen track (1280x720 or --screen) and a camera track (640x360) as MediaRecorder writes
them (streamed WebM, no duration in the header), then times ``amphi_compose`` for each layout with the
encoder's defaults, and the following encode of the composed file: wall time, x-realtime, CPU time, size.

    .venv/bin/python bench/compose.py --seconds 10
    .venv/bin/python bench/compose.py --seconds 30 --screen 1920x1080 --set compose_preset=faster
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.plugin_api import ComposeSource  # noqa: E402
from plugins.encoder_ffmpeg.compose import compose  # noqa: E402
from plugins.encoder_ffmpeg.encode import encode  # noqa: E402
from plugins.encoder_ffmpeg.ladder import encoding_ladder  # noqa: E402
from plugins.encoder_ffmpeg.probe import probe  # noqa: E402
from tests.mediafiles import make_browser_webm  # noqa: E402


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, seconds: float, action) -> None:
    cpu, start = children_cpu(), time.monotonic()
    result = action()
    wall = time.monotonic() - start
    print(
        f"{label:<28} wall {wall:6.1f} s  x{seconds / wall:5.2f} realtime  cpu {children_cpu() - cpu:6.1f} s  {result}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--screen", default="1280x720")
    parser.add_argument("--set", action="append", default=[], help="encoder setting key=value")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    with tempfile.TemporaryDirectory() as folder:
        screen = make_browser_webm(
            folder, "screen.webm", args.seconds, args.screen, vcodec="libvpx-vp9", pattern="smptebars"
        )
        camera = make_browser_webm(folder, "camera.webm", args.seconds, "640x360")
        sources = [ComposeSource(str(camera), "presenter/source"), ComposeSource(str(screen), "presentation/source")]
        for layout in ("pip-bottom-right", "side-by-side"):
            out = os.path.join(folder, f"{layout}.mkv")
            timed(
                f"compose {layout}",
                args.seconds,
                lambda out=out, layout=layout: (
                    f"{os.path.getsize(compose(settings, sources, layout, out, None)) / 1e6:.1f} MB"
                ),
            )
        info = probe(os.path.join(folder, "pip-bottom-right.mkv"))
        ladder = encoding_ladder({}, info)
        timed(
            "encode the composed file",
            args.seconds,
            lambda: (
                f"{len(encode({}, os.path.join(folder, 'pip-bottom-right.mkv'), info, ladder, os.path.join(folder, 'out'), None).outputs)} outputs, rungs {[r.name for r in ladder]}"
            ),
        )


if __name__ == "__main__":
    main()
