"""Run one ffmpeg process: progress from ``-progress pipe:1``, cancellation, readable failures."""

from __future__ import annotations

import logging
import os
import select
import subprocess
import tempfile

from core.plugin_api import EncodeCancelled, MediaError, ProgressCallback, _, arm_parent_death_signal

log = logging.getLogger(__name__)
STDERR_TAIL = 4000
POLL_SECONDS = 1.0

#: ffmpeg's words -> the reason shown to the owner (first match wins).
FAILURE_REASONS = (
    ("no space left", _("The server ran out of disk space while encoding.")),
    ("invalid data found", _("The file is truncated or damaged.")),
    ("moov atom not found", _("The file is truncated or damaged.")),
    ("error while decoding", _("The file is truncated or damaged.")),
    ("cannot allocate memory", _("The server ran out of memory while encoding.")),
    ("unknown encoder", _("The encoder is not installed on this server.")),
    ("cannot load", _("The encoder cannot run on this server.")),
)


class Progress:
    """Maps a process's ``out_time_us`` onto ``[start, end]`` of the job, monotonically."""

    def __init__(self, callback: ProgressCallback | None, duration: float, start: float, end: float):
        self.callback, self.duration, self.start, self.end = callback, max(duration, 1e-3), start, end
        self.fraction, self.reported = 0.0, -1.0

    def line(self, text: str) -> None:
        """Read one line of ``-progress`` output."""
        key, _, value = text.strip().partition("=")
        if key == "out_time_us" and value.lstrip("-").isdigit():
            self.fraction = max(self.fraction, min(1.0, int(value) / 1e6 / self.duration))
        elif key == "progress" and value == "end":
            self.fraction = 1.0

    def tell(self) -> bool:
        """Tell the callback where the job stands; False when it asks to cancel."""
        if self.callback is None:
            return True
        self.reported = max(self.reported, self.start + (self.end - self.start) * self.fraction)
        return self.callback(round(self.reported, 4)) is not False


def run_ffmpeg(argv: list[str], cwd: str, progress: Progress) -> None:
    """Run ``argv`` in ``cwd``; raise :class:`EncodeCancelled` or :class:`MediaError`; never leave a zombie."""
    log.debug("ffmpeg: %s", " ".join(argv))
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            preexec_fn=arm_parent_death_signal,
        )
        try:
            cancelled = follow(process, progress)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()
        if cancelled:
            raise EncodeCancelled("The encoding was cancelled.")
        if process.returncode != 0:
            stderr.seek(0)
            tail = stderr.read()[-STDERR_TAIL:]
            raise MediaError(failure_reason(tail), info={"stderr": tail, "returncode": process.returncode})


def follow(process: subprocess.Popen, progress: Progress) -> bool:
    """Read progress until the process ends; True when the callback cancelled.

    The callback is asked after each report and at least every :data:`POLL_SECONDS` even when
    ffmpeg reports nothing, so a cancellation never waits for ffmpeg's next report.
    """
    descriptor, pending = process.stdout.fileno(), b""
    while True:
        if select.select([descriptor], [], [], POLL_SECONDS)[0]:
            chunk = os.read(descriptor, 65536)
            if not chunk:
                return False
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                progress.line(line.decode("utf-8", "replace"))
        if not progress.tell():
            process.kill()
            return True


def failure_reason(stderr: str) -> str:
    """A short reason for the owner from ffmpeg's last lines."""
    lowered = stderr.lower()
    for words, reason in FAILURE_REASONS:
        if words in lowered:
            return reason
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = lines[-1][:160] if lines else "no message"
    return f"The encoder failed ({last})."
