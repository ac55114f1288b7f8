"""Encoding benchmark: Amphi's one-decode layout against the reference platform's (Esup-Pod) command set.

Prints, for the same generated 1080p 30 fps source, the wall time, the x-realtime factor, the CPU time,
the bytes written and the SSIM of every rung against the source (the rung scaled back up), for:

  (a) the reference's commands: one process for its MP4 renditions (360p maxrate 1000k, 720p 3000k), one
      for its HLS renditions (360p, 720p, 1080p at 4500k; 2 s segments), libx264 CRF 20 preset slow
      profile high, a keyframe every second, AAC 48 kHz; then MP3, thumbnails and a 100-image sprite;
  (b) the bare ffmpeg commands Amphi builds (encode + remux), run by hand;
  (c) Amphi's whole encode through ``amphi_encode`` with the default settings;
  (d) Amphi's layout with the reference's encoder settings (360p/720p/1080p, CRF 20, slow, same caps,
      a keyframe every second) — the layout's own gain at identical settings.

    .venv/bin/python bench/encode.py --seconds 10          # while developing
    .venv/bin/python bench/encode.py                       # 30 s (preset slow: ~10 minutes on 2 cores)
    .venv/bin/python bench/encode.py --cases c --set preset=faster --set crf=22   # try settings
    .venv/bin/python bench/encode.py --cases bc --repeat 5     # a small difference: medians of alternating runs
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import plugins.encoder_ffmpeg as encoder  # noqa: E402
from plugins.encoder_ffmpeg.audio import audio_renditions  # noqa: E402
from plugins.encoder_ffmpeg.command import (  # noqa: E402
    STORYBOARD_FRAMES,
    storyboard_plan,
    tile_command,
    video_command,
)
from plugins.encoder_ffmpeg.encode import video_encoder  # noqa: E402
from plugins.encoder_ffmpeg.package import hls_command  # noqa: E402

REFERENCE = {"crf": 20, "preset": "slow", "profile": "high", "level": "3", "hls_time": 2}
REFERENCE_RUNGS = [
    (360, "1000k", "2000k", "96k", True),
    (720, "3000k", "6000k", "128k", True),
    (1080, "4500k", "9000k", "192k", False),
]  # height, maxrate, bufsize, audio, also an MP4
REFERENCE_AS_AMPHI = {
    "rungs": "360p 720p 1080p",
    "preset": "slow",
    "crf": 20,
    "segment_seconds": 1,
    "bitrate_360p": 935,
    "bitrate_720p": 2804,
    "bitrate_1080p": 4206,
}  # caps 1000k/3000k/4500k


@dataclass
class Case:
    label: str
    wall: float = 0.0
    walls: list[float] = field(default_factory=list)
    cpu: float = 0.0
    bytes: int = 0
    ssim: dict[str, float] = field(default_factory=dict)


def run(argv: list[str], cwd: str) -> None:
    done = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"failed: {' '.join(argv)[:300]}\n{done.stderr[-1500:]}")


def ffmpeg(*args: str) -> list[str]:
    return ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]


def make_source(folder: str, seconds: int) -> str:
    """1080p30 test pattern with light film grain (so it does not compress unrealistically well), stereo tone."""
    path = os.path.join(folder, "source.mp4")
    run(
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"aevalsrc=0.2*sin(440*2*PI*t)|0.2*sin(660*2*PI*t):sample_rate=48000:duration={seconds}",
            "-vf",
            "noise=alls=6:allf=t",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "16",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "192k",
            path,
        ),
        folder,
    )
    return path


def timed(case: Case, work) -> Case:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    work()
    case.wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    case.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return case


def reference_commands(source: str, seconds: float) -> list[list[str]]:
    """Esup-Pod's commands (encoding_settings.py defaults), in the order it runs them."""
    common = [
        "-c:v",
        "libx264",
        "-preset",
        REFERENCE["preset"],
        "-profile:v",
        REFERENCE["profile"],
        "-pix_fmt",
        "yuv420p",
        "-level",
        REFERENCE["level"],
        "-crf",
        str(REFERENCE["crf"]),
        "-sc_threshold",
        "0",
        "-force_key_frames",
        "expr:gte(t,n_forced*1)",
        "-max_muxing_queue_size",
        "4000",
    ]
    mp4, hls = ffmpeg("-threads", "0", "-i", source), ffmpeg("-threads", "0", "-i", source)
    for height, maxrate, bufsize, audio, as_mp4 in REFERENCE_RUNGS:
        scale = ["-vf", f"scale=-2:{height}", "-maxrate", maxrate, "-bufsize", bufsize]
        if as_mp4:
            mp4 += [
                "-map",
                "0:v:0",
                "-map",
                "0:a:0",
                *common,
                *scale,
                "-c:a",
                "aac",
                "-ar",
                "48000",
                "-b:a",
                audio,
                "-movflags",
                "faststart",
                "-vsync",
                "0",
                f"{height}p.mp4",
            ]
        hls += [
            *common,
            "-c:a",
            "aac",
            "-ar",
            "48000",
            *scale,
            "-b:a:0",
            audio,
            "-hls_playlist_type",
            "vod",
            "-hls_time",
            str(REFERENCE["hls_time"]),
            "-hls_flags",
            "single_file",
            "-master_pl_name",
            f"livestream{height}.m3u8",
            f"{height}p.m3u8",
        ]
    return [
        mp4,
        hls,
        ffmpeg("-i", source, "-vn", "-codec:a", "libmp3lame", "-qscale:a", "2", "audio.mp3"),
        ffmpeg("-i", source, "-vf", f"fps=1/({seconds}/3)", "-vsync", "vfr", "thumbnail_%04d.png"),
        ffmpeg("-i", source, "-vf", f"fps=1/({seconds}/100),scale=160:90,tile=100x1", "-frames:v", "1", "overview.png"),
    ]


def reference_case(source: str, out: str, seconds: float) -> Case:
    case = timed(Case("(a) reference (Esup-Pod)"), lambda: [run(c, out) for c in reference_commands(source, seconds)])
    outputs = {f"{h}p mp4": f"{h}p.mp4" for h, *_rest, as_mp4 in REFERENCE_RUNGS if as_mp4}
    outputs.update({f"{h}p hls": f"{h}p.ts" for h, *_ in REFERENCE_RUNGS})
    return finish(case, source, out, outputs)


def settings_with(overrides: dict) -> dict:
    settings = {s.key: s.coerce(s.default) for s in encoder.amphi_settings()}
    settings.update({key: encoder_setting(key).coerce(value) for key, value in overrides.items()})
    return settings


def encoder_setting(key: str):
    return next(s for s in encoder.amphi_settings() if s.key == key)


class BenchRequest:
    """Just enough of a job context (core.pipeline.jobs.JobContext) for the hooks: the encoder's settings."""

    def __init__(self, settings: dict):
        self.settings = settings

    def plugin_settings(self, name: str) -> dict:
        return self.settings


def amphi_case(label: str, source: str, out: str, overrides: dict) -> Case:
    request = BenchRequest(settings_with(overrides))
    info = encoder.amphi_probe(path=source)
    ladder = encoder.amphi_encoding_ladder(job=request, info=info)
    case = timed(
        Case(label),
        lambda: encoder.amphi_encode(
            job=request, source=source, info=info, ladder=ladder, out=out, progress=lambda f: True
        ),
    )
    # Every rung is measured on its HLS copy: only some rungs are also kept as MP4 downloads.
    return finish(case, source, out, {r.name: f"hls/{r.name}/index.m3u8" for r in ladder})


def bare_case(source: str, out: str, overrides: dict) -> Case:
    settings = settings_with(overrides)
    info = encoder.amphi_probe(path=source)
    ladder = encoder.amphi_encoding_ladder(job=BenchRequest(settings), info=info)
    for folder in ["mp4", "thumbs", STORYBOARD_FRAMES, *(f"hls/{r.name}" for r in ladder), "hls/audio"]:
        os.makedirs(os.path.join(out, folder), exist_ok=True)
    commands = [
        video_command(source, settings, info, ladder, video_encoder(settings)),
        tile_command(storyboard_plan(settings, info)),
        hls_command(settings, ladder, audio_renditions(info)),
    ]
    case = timed(Case("(b) Amphi's ffmpeg commands by hand"), lambda: [run(c, out) for c in commands])
    return finish(case, source, out, {})


QUALITY = {"measure": True}  # off for the repeated runs whose only use is their wall time


def finish(case: Case, source: str, out: str, rungs: dict[str, str]) -> Case:
    case.bytes = sum(os.path.getsize(os.path.join(root, f)) for root, _d, files in os.walk(out) for f in files)
    if QUALITY["measure"]:
        case.ssim = {name: ssim(os.path.join(out, path), source) for name, path in rungs.items()}
    return case


def ssim(rendition: str, source: str) -> float:
    """SSIM (All) of a rendition scaled back to the source's size, against the source."""
    graph = "[0:v]scale=1920:1080:flags=bicubic,format=yuv420p[r];[1:v]format=yuv420p[s];[r][s]ssim"
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-i", rendition, "-i", source, "-lavfi", graph, "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    match = re.search(r"All:([\d.]+)", done.stderr)
    return float(match.group(1)) if match else float("nan")


def report(cases: list[Case], seconds: float) -> None:
    print(f"\nsource: 1920x1080 30 fps, {seconds:g} s; {os.cpu_count()} CPUs; ffmpeg: {ffmpeg_version()}")
    print(f"{'case':44s} {'wall s':>8s} {'x-rt':>6s} {'cpu s':>8s} {'MB':>8s}  SSIM per rung")
    base = next((c for c in cases if c.label.startswith("(a)")), None)
    for case in cases:
        ssims = " ".join(f"{k}={v:.4f}" for k, v in case.ssim.items())
        print(
            f"{case.label:44s} {case.wall:8.1f} {seconds / case.wall:6.3f} {case.cpu:8.1f} "
            f"{case.bytes / 1e6:8.2f}  {ssims}"
        )
    if any(len(c.walls) > 1 for c in cases):
        print("\nwall times of the alternating runs (the table shows their medians):")
        for case in cases:
            print(f"  {case.label:42s} " + " ".join(f"{w:.1f}" for w in case.walls))
    if base:
        print()
        for case in cases:
            if case is not base:
                print(
                    f"{case.label:44s} speed-up x{base.wall / case.wall:.2f}, bytes {100 * case.bytes / base.bytes:.0f} % of (a)"
                )
    bare, whole = (next((c for c in cases if c.label.startswith(p)), None) for p in ("(b)", "(c)"))
    if bare and whole:
        print(f"\n(c) against (b): {100 * (whole.wall / bare.wall - 1):+.1f} % wall time")


def median_case(runs: list[Case]) -> Case:
    """The last run (its bytes and SSIM) with the median wall and CPU times of all runs."""
    case = runs[-1]
    case.walls = [run.wall for run in runs]
    case.wall = statistics.median(case.walls)
    case.cpu = statistics.median(run.cpu for run in runs)
    return case


def ffmpeg_version() -> str:
    return subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split()[2]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30, help="length of the generated source (default 30)")
    parser.add_argument("--cases", default="abcd", help="which cases to run (default abcd)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one of Amphi's default settings for (b) and (c)",
    )
    parser.add_argument("--source", help="use this file instead of generating one (must be 1920x1080)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the cases this many times, alternating, and compare medians (SSIM: last run)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    work = tempfile.mkdtemp(prefix="amphi-bench-")
    try:
        source = os.path.abspath(args.source) if args.source else make_source(work, args.seconds)
        seconds = encoder.amphi_probe(path=source).duration
        runs: dict[str, list[Case]] = {letter: [] for letter in args.cases}
        for round_ in range(args.repeat):
            QUALITY["measure"] = round_ == args.repeat - 1
            for letter in args.cases:
                out = os.path.join(work, letter)
                shutil.rmtree(out, ignore_errors=True)
                os.makedirs(out)
                runs[letter].append(run_case(letter, source, out, seconds, overrides))
                print(f"done {runs[letter][-1].label}: {runs[letter][-1].wall:.1f} s", flush=True)
        report([median_case(runs[letter]) for letter in args.cases], seconds)
    finally:
        if args.keep:
            print(f"work folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def run_case(letter: str, source: str, out: str, seconds: float, overrides: dict) -> Case:
    if letter == "a":
        return reference_case(source, out, seconds)
    if letter == "b":
        return bare_case(source, out, overrides)
    if letter == "c":
        return amphi_case(
            "(c) Amphi amphi_encode, defaults" + (f" {overrides}" if overrides else ""), source, out, overrides
        )
    return amphi_case("(d) Amphi layout, reference encoder settings", source, out, REFERENCE_AS_AMPHI)


if __name__ == "__main__":
    main()
