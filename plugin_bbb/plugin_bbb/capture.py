"""The capture worker: film a web page (a BigBlueButton playback, or a meeting joined as a viewer) with its
sound, into a video file or a live RTMP stream.

What runs, per capture (as Esup-Pod does for BBB): Xvfb, a virtual display of the chosen size; a
PulseAudio daemon of its own with one null sink; Chromium, a real window (not headless) in kiosk mode
filling the display, autoplay allowed, its sound in that sink; ffmpeg, grabbing the display
(``x11grab``) and the sink's monitor (``pulse``) into H.264 + AAC. The page is driven through
Chromium's DevTools protocol (:mod:`plugin_bbb.capture_cdp`): navigate, wait until ``ready_js`` is
true, start ffmpeg, run ``start_js`` (click "play"), poll ``end_condition_js``.

The public API (other parts of the plugin call it; keep it stable)::

    from plugin_bbb.capture import CaptureSpec, capture, LiveCapture, CaptureError

    result = capture(CaptureSpec(playback_url, "/srv/out/meeting.mp4",
                                 start_js="document.querySelector('.vjs-play-control')?.click(), true",
                                 end_condition_js="document.querySelector('video')?.ended"))
    # CaptureResult(path_or_url='/srv/out/meeting.mp4', seconds=3605.2, width=1280, height=720)

    with LiveCapture(CaptureSpec(join_url, "rtmp://live.example.org/live/KEY")) as live:
        ...                      # live.running is True while it publishes
    # leaving the block stops it (or call live.stop())

A file is written under a hidden temporary name next to ``output`` and renamed only once ffmpeg ended
cleanly and ffprobe reads it back as a video of the asked size, with sound, of the length captured:
a capture that fails raises :class:`CaptureError` and leaves no output file (the caller retries).
Every program and the capture's temporary folder are removed whatever happens; a SIGTERM to the worker
while :func:`capture` runs in its main thread raises ``SystemExit`` after the same clean-up.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .capture_cdp import DevToolsError, DevToolsPipe, PageSession, without_query
from .capture_ffmpeg import Encoder, EncoderSettings, is_stream_url, probe, stream_key
from .capture_processes import ChildError, Children, start_chromium, start_pulseaudio, start_xvfb

log = logging.getLogger(__name__)

#: How often the end condition (and the health of the programs) is checked, in seconds.
POLL_INTERVAL = 0.25


class CaptureError(Exception):
    """A capture failed; the message says why in words (Chromium did not start, the page never became
    ready, ffmpeg stopped...). No output file is left behind."""


@dataclass(frozen=True)
class CaptureSpec:
    """What to capture and how.

    :param url: the page to film (``http``, ``https`` or ``file``).
    :param output: a file path (an MP4 is written) or an ``rtmp://`` URL (FLV is published).
    :param width, height, fps: the size of the virtual display and of the video, and its frame rate.
    :param duration: stop after this many seconds of capture.
    :param end_condition_js: a JavaScript expression polled in the page; the capture stops within a
        second of it being true (e.g. the playback's ``video.ended``).
    :param start_timeout: seconds allowed for Chromium to start and the page to become ready.
    :param max_duration: the longest capture; reaching it with an ``end_condition_js`` that never came
        true is an error, otherwise it is where the capture stops.
    :param ready_js: the page is ready to be filmed when this expression is true (polled after loading).
    :param start_js: evaluated once, as a user gesture, when ffmpeg has started (e.g. click "play").
    :param preset, crf: x264's speed preset, and its quality for files.
    :param video_kbps: the video bit rate of an RTMP stream.
    :param workdir: where the capture's temporary folder is made (default: the system's).
    """

    url: str
    output: str | os.PathLike
    width: int = 1280
    height: int = 720
    fps: int = 25
    duration: float | None = None
    end_condition_js: str | None = None
    start_timeout: float = 60
    max_duration: float = 6 * 3600
    ready_js: str = "document.readyState === 'complete'"
    start_js: str | None = None
    preset: str = "veryfast"
    crf: int = 23
    video_kbps: int = 2500
    workdir: str | os.PathLike | None = None

    def __post_init__(self):
        if urlsplit(self.url).scheme not in ("http", "https", "file"):
            raise ValueError(f"the page to capture must be an http, https or file URL, not {self.url!r}")
        if not (16 <= self.width <= 7680 and 16 <= self.height <= 4320) or self.width % 2 or self.height % 2:
            raise ValueError(
                f"the size must be even numbers between 16x16 and 7680x4320, not {self.width}x{self.height}"
            )
        if not 1 <= self.fps <= 60:
            raise ValueError(f"the frame rate must be between 1 and 60, not {self.fps}")
        for name in ("duration", "start_timeout", "max_duration"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be a positive number of seconds, not {value}")

    @property
    def is_stream(self) -> bool:
        return is_stream_url(str(self.output))


@dataclass(frozen=True)
class CaptureResult:
    """A finished capture: the file (or URL) written, its length in seconds, its picture size."""

    path_or_url: str
    seconds: float
    width: int
    height: int


# --- one capture -----------------------------------------------------------------------------------

_OPEN_SESSIONS: set[_Session] = set()
_OPEN_LOCK = threading.Lock()


@atexit.register
def _close_open_sessions() -> None:
    """The interpreter exits (a worker stopping, SystemExit): no program or folder of a capture stays."""
    with _OPEN_LOCK:
        sessions = list(_OPEN_SESSIONS)
    for session in sessions:
        session.close()


class _Session:
    """The programs and files of one capture, from :meth:`open` to :meth:`close`."""

    def __init__(self, spec: CaptureSpec):
        self.spec = spec
        self.folder: Path | None = None
        self.children: Children | None = None
        self.devtools: DevToolsPipe | None = None
        self.page: PageSession | None = None
        self.encoder: Encoder | None = None
        self.partial: Path | None = None
        self.started = 0.0
        self._closing = threading.Lock()

    def open(self) -> None:
        """Start the display, the sound, Chromium; load the page and wait until it is ready."""
        spec = self.spec
        deadline = time.monotonic() + spec.start_timeout
        if not spec.is_stream and not Path(spec.output).parent.is_dir():
            raise CaptureError(f"the folder of {spec.output} does not exist")
        self.folder = Path(tempfile.mkdtemp(prefix="amphi-capture-", dir=spec.workdir))
        with _OPEN_LOCK:
            _OPEN_SESSIONS.add(self)
        self.children = Children(self.folder)
        self.display = start_xvfb(self.children, spec.width, spec.height)
        self.pulse_server = start_pulseaudio(self.children)
        self.devtools = DevToolsPipe()
        start_chromium(self.children, self.display, self.pulse_server, spec.width, spec.height, self.devtools)
        self.page = self.devtools.attach_page(deadline)
        log.debug("capture %s: display :%s, Chromium started", self.folder.name, self.display)
        self.page.navigate(spec.url, timeout=_left(deadline))
        while not self.page.evaluate(spec.ready_js, timeout=_left(deadline)):
            self.children.check()
            if time.monotonic() > deadline:
                raise CaptureError(
                    f"the page never became ready: {spec.ready_js} was still false after {spec.start_timeout:g} s"
                )
            time.sleep(0.1)
        log.debug("capture %s: page ready", self.folder.name)

    def record(self) -> None:
        """Start ffmpeg; once it films, run the page's ``start_js``."""
        spec = self.spec
        target = str(spec.output)
        if not spec.is_stream:
            output = Path(spec.output)
            self.partial = output.with_name(f".{output.name}.capturing-{secrets.token_hex(4)}")
            target = str(self.partial)
        settings = EncoderSettings(spec.width, spec.height, spec.fps, spec.preset, spec.crf, spec.video_kbps)
        self.encoder = Encoder(self.children, self.display, self.pulse_server, target, settings)
        self.encoder.wait_until_recording(timeout=20)
        self.started = time.monotonic()
        log.debug(
            "capture %s: ffmpeg records, %.2f s after its lead", self.folder.name, self.started - self.encoder.begins
        )
        if spec.start_js:
            self.page.evaluate(spec.start_js, timeout=30)
        log.info("capture %s: filming %s into %s", self.folder.name, without_query(spec.url), _redact(str(spec.output)))

    def should_stop(self) -> bool:
        """Whether the capture is over (duration reached, end condition true); raises when a program
        stopped or the page never ended."""
        spec = self.spec
        self.children.check()
        elapsed = time.monotonic() - self.started
        if spec.duration is not None and elapsed >= spec.duration:
            log.debug("capture %s: duration reached", self.folder.name)
            return True
        if spec.end_condition_js and self.page.evaluate(spec.end_condition_js):
            log.debug("capture %s: the page ended after %.2f s", self.folder.name, elapsed)
            return True
        if elapsed >= spec.max_duration:
            if spec.end_condition_js:
                raise CaptureError(f"the page did not end within max_duration ({spec.max_duration:g} s)")
            return True
        return False

    def finish(self) -> CaptureResult:
        """Stop ffmpeg cleanly; for a file, check it and give it its name."""
        spec = self.spec
        seconds = time.monotonic() - self.started
        self.encoder.finish(timeout=30 + seconds / 10)  # +faststart rewrites the whole file
        if spec.is_stream:
            return CaptureResult(str(spec.output), round(seconds, 2), spec.width, spec.height)
        found = probe(str(self.partial))
        problems = []
        if (found.width, found.height) != (spec.width, spec.height):
            problems.append(f"its picture is {found.width}x{found.height}, not {spec.width}x{spec.height}")
        if not found.has_audio:
            problems.append("it has no sound")
        if abs(found.duration - seconds) > max(1.5, seconds * 0.02):
            problems.append(f"it lasts {found.duration:.1f} s where {seconds:.1f} s were captured")
        if problems:
            raise CaptureError("the recording is incomplete: " + "; ".join(problems))
        os.replace(self.partial, spec.output)
        self.partial = None
        return CaptureResult(str(spec.output), round(found.duration, 2), found.width, found.height)

    def explain(self, error: Exception) -> str:
        """A lost page is usually a Chromium that died: say so when it did."""
        if isinstance(error, DevToolsError) and self.children is not None:
            deadline = time.monotonic() + 1
            while time.monotonic() < deadline:
                try:
                    self.children.check()
                except ChildError as died:
                    return str(died)
                time.sleep(0.05)
        return str(error)

    def close(self) -> None:
        """Stop every program, delete the partial file and the temporary folder. Safe to call twice, and
        from two threads at once (the capture's own, and the interpreter's exit)."""
        with self._closing:
            self._close()

    def _close(self) -> None:
        self.page = None
        if self.children is not None:
            self.children.stop_all()
        if self.devtools is not None:
            self.devtools.close()
            self.devtools = None
        if self.partial is not None:
            self.partial.unlink(missing_ok=True)
            self.partial = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        with _OPEN_LOCK:
            _OPEN_SESSIONS.discard(self)


def _redact(output: str) -> str:
    """An RTMP URL without its stream key, for the log."""
    key = stream_key(output)
    return output.replace(key, "…") if key else output


def _left(deadline: float) -> float:
    return max(1.0, deadline - time.monotonic())


@contextmanager
def _exit_on_sigterm():
    """In the main thread, SIGTERM (whose default would kill the worker with its programs and folders
    left behind) raises SystemExit instead, so the clean-up runs."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(session: _Session, stop_requested=lambda: False, on_recording=lambda: None) -> CaptureResult:
    try:
        try:
            session.open()
            session.record()
        except (ChildError, DevToolsError) as error:
            raise CaptureError(f"the capture could not start: {session.explain(error)}") from error
        on_recording()
        try:
            while not stop_requested() and not session.should_stop():
                time.sleep(POLL_INTERVAL)
            return session.finish()
        except (ChildError, DevToolsError) as error:
            raise CaptureError(f"the capture failed: {session.explain(error)}") from error
    finally:
        session.close()


def capture(spec: CaptureSpec) -> CaptureResult:
    """Capture ``spec.url`` into ``spec.output`` until ``duration``, ``end_condition_js`` or
    ``max_duration`` says it is over; block until then.

    :raises CaptureError: with the reason, when anything failed; nothing is left behind.
    """
    with _exit_on_sigterm():
        return _run(_Session(spec))


class LiveCapture:
    """A capture running in the background until :meth:`stop` (or its end condition, or a failure):
    a live broadcast. ``start()`` returns once the stream is being published (or raises
    :class:`CaptureError`); ``running`` says whether it still is; ``stop()`` ends it and returns its
    :class:`CaptureResult`, or raises the :class:`CaptureError` that ended it. A context manager.
    """

    def __init__(self, spec: CaptureSpec):
        self.spec = spec
        self.result: CaptureResult | None = None
        self.error: CaptureError | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._recording = threading.Event()
        self._settled = threading.Event()

    def start(self) -> LiveCapture:
        if self._thread is not None:
            raise RuntimeError("this LiveCapture was already started")
        # The programs are started (and their parent-death signal tied to) this thread, which lives
        # exactly as long as the capture.
        self._thread = threading.Thread(target=self._run, name="amphi-live-capture", daemon=True)
        self._thread.start()
        self._settled.wait()
        if not self._recording.is_set():
            self._thread.join()
            raise self.error
        return self

    def _run(self) -> None:
        def recording():
            self._recording.set()
            self._settled.set()

        try:
            self.result = _run(_Session(self.spec), self._stop.is_set, recording)
        except CaptureError as error:
            self.error = error
        except Exception as error:  # noqa: BLE001 - reported to whoever calls stop()
            self.error = CaptureError(f"the capture failed unexpectedly: {error!r}")
        finally:
            self._recording.clear()
            self._settled.set()

    @property
    def running(self) -> bool:
        """Whether the page is being captured right now."""
        return self._recording.is_set() and not self._stop.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the capture ends by itself (end condition, duration, failure); whether it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self, timeout: float = 60) -> CaptureResult:
        """End the capture (ffmpeg finishes the stream cleanly); its result, or its error raised."""
        if self._thread is None:
            raise RuntimeError("this LiveCapture was not started")
        self._stop.set()
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise CaptureError(f"the capture did not stop within {timeout:g} s")
        if self.error is not None:
            raise self.error
        return self.result

    def __enter__(self) -> LiveCapture:
        return self.start()

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            self.stop()
        except CaptureError:
            if exc_type is None:
                raise
