"""Run one ffmpeg process: progress from ``-progress pipe:1``, cancellation, readable failures."""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import tempfile

from core.i18n import _
from core.media import EncodeCancelled, MediaError, ProgressCallback

log = logging.getLogger(__name__)
STDERR_TAIL = 4000

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


PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def die_with_parent() -> None:
    """In the child before exec: be killed when the worker dies, even by ``kill -9``.

    Otherwise a killed worker's ffmpeg would keep encoding for nobody, beside the
    retry. The function is resolved before forking, so the child only makes the call.
    """
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Progress:
    """Maps a process's ``out_time_us`` onto ``[start, end]`` of the job, monotonically."""

    def __init__(self, callback: ProgressCallback | None, duration: float, start: float, end: float):
        self.callback, self.duration, self.start, self.end = callback, max(duration, 1e-3), start, end
        self.reported = -1.0

    def report(self, fraction: float) -> bool:
        """Tell the callback; False when it asks to cancel."""
        value = self.start + (self.end - self.start) * min(1.0, max(0.0, fraction))
        if self.callback is None or value < self.reported + 0.005 and fraction < 1.0:
            return True
        self.reported = max(self.reported, value)
        return self.callback(round(self.reported, 4)) is not False

    def line(self, text: str) -> bool:
        key, _, value = text.strip().partition("=")
        if key == "out_time_us" and value.lstrip("-").isdigit():
            return self.report(int(value) / 1e6 / self.duration)
        if key == "progress" and value == "end":
            return self.report(1.0)
        return True


def run_ffmpeg(argv: list[str], cwd: str, progress: Progress) -> None:
    """Run ``argv`` in ``cwd``; raise :class:`EncodeCancelled` or :class:`MediaError`; never leave a zombie."""
    log.debug("ffmpeg: %s", " ".join(argv))
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
        process = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=stderr, text=True, errors="replace",
                                   preexec_fn=die_with_parent if _prctl is not None else None)
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
    """Read progress lines until the process ends; True when the callback cancelled."""
    for text in process.stdout:
        if not progress.line(text):
            process.kill()
            return True
    return False


def failure_reason(stderr: str) -> str:
    """A short reason for the owner from ffmpeg's last lines."""
    lowered = stderr.lower()
    for words, reason in FAILURE_REASONS:
        if words in lowered:
            return reason
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = lines[-1][:160] if lines else "no message"
    return f"The encoder failed ({last})."
