"""What one BigBlueButton capture costs: CPU seconds per captured second, and memory, of all its programs.

The page filmed stands in for a BBB playback: a generated H.264 clip (testsrc2 with a sine, 25 fps, the
size of the capture) played full-window in a ``<video>``, ended by its ``ended`` event; ``--page canvas``
films the tests' page (a moving square on a canvas and a tone) instead. Each capture runs through
:func:`plugin_bbb.capture.capture`; a sampler reads /proc twice a second for every process of it (Xvfb,
PulseAudio, Chromium and its helpers, ffmpeg). CPU is measured in the steady state (from 2 s after
the recording began to its end); "startup" is the CPU spent until the recording begins; memory is the peak of the summed
PSS (shared pages split between the processes that share them, so Chromium's are not counted twice).
"kept" is the share of the frames the file should have that it has (below 100 %: the machine could
not keep up). Run:

    .venv/bin/python bench/bbb_capture.py [--seconds 20] [--page video|canvas] [--sizes 1280x720@25,640x360@25]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from plugin_bbb.capture import CaptureSpec, capture
from plugin_bbb.capture_ffmpeg import LEAD

TICKS = os.sysconf("SC_CLK_TCK")
CANVAS_PAGE = Path(__file__).resolve().parent.parent / "plugin_bbb" / "tests" / "capture_page" / "index.html"
PROGRAMS = ("chromium", "ffmpeg", "Xvfb", "pulseaudio")


def video_page(folder: Path, width: int, height: int, seconds: int) -> str:
    clip = folder / f"clip-{width}x{height}.mp4"
    if not clip.exists():
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=25",
             "-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds), "-c:v", "libx264", "-preset", "fast",
             "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip)],
            check=True,
        )  # fmt: skip
    page = folder / f"playback-{width}x{height}.html"
    page.write_text(
        '<!doctype html><html lang="en"><title>playback</title><style>html,body{margin:0;height:100%;'
        "background:#000;overflow:hidden}video{width:100%;height:100%;object-fit:contain}</style>"
        f'<video src="{clip.name}" preload="auto"></video></html>'
    )
    return page.as_uri()


def processes(marker: bytes):
    """(pid, name, cpu seconds, pss kB) of the capture's processes: those whose environment or command
    line names its folder, and the members of the process groups they lead (Chromium's helpers)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            environ = (entry / "environ").read_bytes()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        cpu = (int(fields[11]) + int(fields[12])) / TICKS
        table[int(entry.name)] = (name, int(fields[2]), cpu, marker in environ or marker in command)
    leaders = {pid for pid, (_, group, _, marked) in table.items() if marked and pid == group}
    for pid, (name, group, cpu, marked) in table.items():
        if marked or group in leaders:
            yield pid, name, cpu, _pss(pid)


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def program_of(name: str) -> str:
    """The program a process belongs to (Chromium's crash handler counts as Chromium)."""
    return "chromium" if name.startswith("chrom") else name


def measure(url: str, width: int, height: int, fps: int, preset: str, is_video: bool, seconds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bbb-bench-") as folder:
        work = Path(folder) / "work"
        work.mkdir()
        output = Path(folder) / "out.mp4"
        spec = CaptureSpec(
            url, output, width=width, height=height, fps=fps, preset=preset, workdir=work,
            ready_js="document.readyState === 'complete'" if is_video else "window.pageReady",
            start_js="document.querySelector('video').play().then(() => true)" if is_video else "window.start()",
            end_condition_js="document.querySelector('video').ended" if is_video else "window.ended",
        )  # fmt: skip
        samples, result = [], {}
        worker = threading.Thread(target=lambda: result.update(capture=capture(spec)))
        worker.start()
        while worker.is_alive():
            samples.append((time.monotonic(), list(processes(str(work).encode()))))
            time.sleep(0.5)
        worker.join()
        kept = _frames(output) / (fps * result["capture"].seconds)
    # The recording begins LEAD seconds after ffmpeg appears; the steady state 2 s later.
    ffmpeg_seen = next(t for t, procs in samples if any(name == "ffmpeg" for _, name, _, _ in procs))
    begins = next(procs for t, procs in samples if t >= ffmpeg_seen + LEAD)
    filming = [(t, procs) for t, procs in samples if any(name == "ffmpeg" for _, name, _, _ in procs)]
    steady = [(t, procs) for t, procs in filming if t >= ffmpeg_seen + LEAD + 2][:-1]
    (t1, first), (t2, last) = steady[0], steady[-1]
    per_program = {}
    before = {pid: cpu for pid, _, cpu, _ in first}
    for pid, name, cpu, _ in last:
        key = program_of(name)
        per_program[key] = per_program.get(key, 0) + (cpu - before.get(pid, 0)) / (t2 - t1)
    return {
        "cpu": sum(per_program.values()),
        "per_program": per_program,
        "startup": sum(cpu for _, _, cpu, _ in begins),
        "pss_mib": max(sum(pss for *_, pss in procs) for _, procs in samples) / 1024,
        "processes": max(len(procs) for _, procs in samples),
        "kept": kept,
    }


def _frames(path: Path) -> int:
    return int(
        subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-select_streams",
                "v",
                "-count_packets",
                "-show_entries",
                "stream=nb_read_packets",
                "-of",
                "csv=p=0",
                str(path),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout  # fmt: skip
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="length of the page's playback")
    parser.add_argument("--page", choices=("video", "canvas"), default="video")
    parser.add_argument("--sizes", default="1280x720@25,640x360@25,640x360@15")
    parser.add_argument("--preset", default="veryfast")
    options = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; page: {options.page}, {options.seconds} s; x264 preset {options.preset}")
    print(f"{'size':>12} {'CPU s/s':>8} " + " ".join(f"{p:>10}" for p in PROGRAMS)
          + f" {'startup s':>9} {'PSS MiB':>8} {'procs':>5} {'kept':>5}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bbb-bench-pages-") as pages:
        for size in options.sizes.split(","):
            dimensions, fps = size.split("@")
            width, height = (int(n) for n in dimensions.split("x"))
            if options.page == "video":
                url = video_page(Path(pages), width, height, options.seconds)
            else:
                url = f"{CANVAS_PAGE.as_uri()}?seconds={options.seconds}"
            row = measure(url, width, height, int(fps), options.preset, options.page == "video", options.seconds)
            print(
                f"{size:>12} {row['cpu']:8.2f} "
                + " ".join(f"{row['per_program'].get(p, 0):10.2f}" for p in PROGRAMS)
                + f" {row['startup']:9.1f} {row['pss_mib']:8.0f} {row['processes']:5d} {row['kept']:5.0%}"
            )


if __name__ == "__main__":
    main()
