"""ffmpeg's side of a capture: grab the display and the sink's monitor, encode, write a file or publish RTMP;
then check what was written.

:class:`Encoder` runs one ffmpeg (``x11grab`` + ``pulse`` in, H.264 + AAC out: MP4 for a file, FLV for
RTMP), follows its ``-progress`` report (to know when it records) and stops it cleanly with ``q``.
:func:`probe` reads a finished file back with ffprobe.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass

from .capture_processes import SAMPLE_RATE, SINK, Child, ChildError, Children

FFMPEG = os.environ.get("AMPHI_CAPTURE_FFMPEG", "ffmpeg")
FFPROBE = os.environ.get("AMPHI_CAPTURE_FFPROBE", "ffprobe")


@dataclass(frozen=True)
class EncoderSettings:
    width: int
    height: int
    fps: int
    preset: str = "veryfast"
    crf: int = 23
    video_kbps: int = 2500  # RTMP only: a live stream needs a bounded rate
    audio_kbps: int = 128


def is_stream_url(output: str) -> bool:
    return output.startswith(("rtmp://", "rtmps://"))


def stream_key(output: str) -> str | None:
    """The secret part of an RTMP URL (its last path segment, with any query), never to be logged."""
    return output.rsplit("/", 1)[1] or None if is_stream_url(output) else None


#: Seconds between ffmpeg's start and the moment its recording begins (what comes before is dropped):
#: time for it to open both devices, so that the page starts playing when the film starts.
LEAD = 3.0


def ffmpeg_command(display: int, output: str, settings: EncoderSettings, epoch: float) -> list[str]:
    """The ffmpeg command line that captures ``:display`` and the sink's monitor into ``output`` (a file
    path, written as MP4, or an ``rtmp://`` URL, published as FLV), from ``epoch + LEAD`` (wall clock).

    Both devices stamp what they capture with the wall clock, but ffmpeg would start each input at zero
    on its own: the sound, whose device opens up to a second after the display's, would be out of step.
    ``-copyts`` keeps the wall clock (less ``epoch``, the same for both, to keep the numbers small);
    ``-ss`` drops what comes before the lead; ``-avoid_negative_ts make_zero`` moves both streams
    together so the file starts at zero.
    """
    s = settings
    offset = ["-itsoffset", f"-{epoch:.6f}"]
    inputs = [
        "-thread_queue_size", "1024", *offset, "-f", "pulse", "-sample_rate", str(SAMPLE_RATE), "-channels", "2",
        "-i", f"{SINK}.monitor",
        "-thread_queue_size", "1024", *offset, "-f", "x11grab", "-draw_mouse", "0", "-framerate", str(s.fps),
        "-video_size", f"{s.width}x{s.height}", "-i", f":{display}",
    ]  # fmt: skip
    codecs = ["-map", "1:v", "-map", "0:a", "-c:v", "libx264", "-preset", s.preset, "-pix_fmt", "yuv420p",
              "-g", str(2 * s.fps), "-c:a", "aac", "-b:a", f"{s.audio_kbps}k", "-ar", str(SAMPLE_RATE)]  # fmt: skip
    if is_stream_url(output):
        rate = ["-tune", "zerolatency", "-b:v", f"{s.video_kbps}k", "-maxrate", f"{s.video_kbps}k",
                "-bufsize", f"{2 * s.video_kbps}k"]  # fmt: skip
        container = ["-f", "flv", output]
    else:
        rate = ["-crf", str(s.crf)]
        container = ["-movflags", "+faststart", "-f", "mp4", output]
    report = ["-nostats", "-progress", "pipe:1", "-stats_period", "0.1"]
    return [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *report, "-copyts", *inputs,
            *codecs, "-ss", f"{LEAD:g}", "-avoid_negative_ts", "make_zero", *rate, *container]  # fmt: skip


class Encoder:
    """One running ffmpeg of a capture."""

    def __init__(self, children: Children, display: int, pulse_server: str, output: str, settings: EncoderSettings):
        #: How many progress reports ffmpeg wrote: one arrives when it has opened its devices.
        self.reports = 0
        epoch = time.time()
        #: When the recording begins, on :func:`time.monotonic`'s clock.
        self.begins = time.monotonic() + LEAD
        self.child: Child = children.spawn(
            "ffmpeg",
            ffmpeg_command(display, output, settings, epoch=epoch),
            env={"PULSE_SERVER": pulse_server},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            secret=stream_key(output),
        )
        self._reader = threading.Thread(target=self._read_progress, name="ffmpeg-progress", daemon=True)
        self._reader.start()

    def _read_progress(self) -> None:
        for raw in self.child.process.stdout:
            if raw.startswith(b"progress="):
                self.reports += 1

    def wait_until_recording(self, timeout: float) -> None:
        """Block until ffmpeg records: its devices are open and the lead has passed."""
        deadline = time.monotonic() + timeout
        while self.reports == 0 or time.monotonic() < self.begins:
            if not self.child.running():
                self.child.process.wait()
                raise ChildError(self.child.describe_exit())
            if time.monotonic() > deadline:
                raise ChildError(f"ffmpeg did not start recording within {timeout:g} s: {self.child.log_tail()}")
            time.sleep(0.01)

    def finish(self, timeout: float) -> None:
        """Ask ffmpeg to stop (``q``: it flushes the encoder and closes the file); raise
        :class:`ChildError` unless it ends cleanly within ``timeout``."""
        process = self.child.process
        if process.poll() is None:
            try:
                process.stdin.write(b"q")
                process.stdin.close()
            except OSError:
                pass
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise ChildError(f"ffmpeg did not finish within {timeout:g} s") from None
        self._reader.join(timeout=2)
        if process.returncode != 0:
            raise ChildError(self.child.describe_exit())


@dataclass(frozen=True)
class Probe:
    duration: float
    width: int
    height: int
    has_audio: bool


def probe(path: str) -> Probe:
    """What ffprobe finds in a finished file; :class:`ChildError` when it is not a readable video."""
    result = subprocess.run(
        [FFPROBE, "-v", "error", "-show_entries", "format=duration:stream=codec_type,width,height",
         "-of", "json", path],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if result.returncode != 0:
        raise ChildError(f"the recording cannot be read back: {result.stderr.strip()[-500:]}")
    info = json.loads(result.stdout or "{}")
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video is None:
        raise ChildError("the recording has no picture")
    return Probe(
        duration=float(info.get("format", {}).get("duration") or 0),
        width=int(video.get("width", 0)),
        height=int(video.get("height", 0)),
        has_audio=any(s.get("codec_type") == "audio" for s in streams),
    )
