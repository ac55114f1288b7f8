"""What a second audio language costs an encode: the same 640x360 source with one, then two audio streams.

Prints, for each, the wall time, the CPU time of the ffmpeg processes, the x-realtime factor and the bytes
written (all, and the HLS audio alone), median of ``--repeat`` alternating runs, with the load average.

    .venv/bin/python bench/audio_languages.py                 # 60 s source, 3 runs each
    .venv/bin/python bench/audio_languages.py --seconds 10 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.plugin_api import aslist  # noqa: E402
from plugins.encoder_ffmpeg import amphi_settings  # noqa: E402
from plugins.encoder_ffmpeg.encode import encode  # noqa: E402
from plugins.encoder_ffmpeg.ladder import encoding_ladder  # noqa: E402
from plugins.encoder_ffmpeg.probe import probe  # noqa: E402
from tests.mediafiles import run_ffmpeg  # noqa: E402


def make_source(folder: str, seconds: float, languages: int) -> str:
    """640x360 25 fps test pattern with ``languages`` audio streams (tones of different pitch)."""
    path = os.path.join(folder, f"source-{languages}.mkv")
    args = ["-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}"]
    for index in range(languages):
        args += ["-f", "lavfi", "-i", f"sine=frequency={440 * (index + 1)}:sample_rate=48000:duration={seconds}"]
    args += ["-map", "0:v", *[item for i in range(languages) for item in ("-map", f"{i + 1}:a")]]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac"]
    args += [
        item for i, tag in enumerate(("fre", "eng")[:languages]) for item in (f"-metadata:s:a:{i}", f"language={tag}")
    ]
    run_ffmpeg([*args, path])
    return path


def folder_bytes(folder: str, under: str = "") -> int:
    total = 0
    for root, _dirs, files in os.walk(os.path.join(folder, under)):
        total += sum(os.path.getsize(os.path.join(root, name)) for name in files)
    return total


def run_once(settings: dict, source: str, scratch: str) -> tuple[float, float, int, int]:
    """(wall s, child CPU s, bytes written, HLS audio bytes) of one whole encode."""
    out = tempfile.mkdtemp(dir=scratch)
    info = probe(source)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    encode(settings, source, info, encoding_ladder(settings, info), out, None)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    audio = sum(folder_bytes(out, f"hls/{name}") for name in os.listdir(os.path.join(out, "hls")) if "audio" in name)
    written = folder_bytes(out)
    shutil.rmtree(out)
    return wall, cpu, written, audio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    settings = {s.key: s.default for s in amphi_settings()}
    for key in ("rungs", "download_rungs"):
        settings[key] = aslist(settings[key])
    print(f"ffmpeg encode of a {options.seconds:.0f} s 640x360 source, default settings; {os.cpu_count()} CPUs")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as scratch:
        sources = {n: make_source(scratch, options.seconds, n) for n in (1, 2)}
        runs: dict[int, list] = {1: [], 2: []}
        for _ in range(options.repeat):
            for languages in (1, 2):  # alternating, so a change of load hits both alike
                runs[languages].append(run_once(settings, sources[languages], scratch))
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'audio streams':>13} {'wall s':>8} {'CPU s':>8} {'x realtime':>10} {'MB written':>10} {'HLS audio MB':>12}"
    )
    for languages, results in runs.items():
        wall, cpu, written, audio = (statistics.median(r[i] for r in results) for i in range(4))
        print(
            f"{languages:>13} {wall:>8.1f} {cpu:>8.1f} {options.seconds / wall:>10.1f} "
            f"{written / 1e6:>10.2f} {audio / 1e6:>12.2f}"
        )


if __name__ == "__main__":
    main()
