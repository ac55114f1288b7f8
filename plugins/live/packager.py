"""The live packager: one supervising process per event on air, running ffmpeg (:mod:`plugins.live.ladder`).

Why a supervised process and not a pipeline job: a live transcode runs for hours and the job
skeleton's jobs belong to a video and occupy one of the worker's few threads for their whole length,
so one lecture would starve the encodes queued behind it. Instead :func:`plugins.live.packaging.start`
writes the event's wanted state (a JSON file) and queues a short task; the worker runs it and spawns
``python -m plugins.live.packager_process <state file>`` in a session of its own (a restarted worker leaves it
on air), which returns at once. A periodic task (every minute) spawns it again for any event still on
air whose packager is gone (killed, machine restarted). One packager per event: it holds an exclusive
lock on ``<state>.lock`` for its whole life.

The packager probes the input (size, frame rate, audio), writes the master playlist, runs ffmpeg, and
watches the state file: a changed audio list (an interpreter joined) restarts ffmpeg with the new inputs,
an ffmpeg that dies while the event is on air is restarted, and ``on_air: false``
(:func:`plugins.live.packaging.stop`) ends ffmpeg and closes every media playlist with
``#EXT-X-ENDLIST``. ffmpeg appends to the playlists (``append_list``): segment numbers go on and a
``#EXT-X-DISCONTINUITY`` marks a restart, so a viewer's player keeps its place; it sees a stall of
a few seconds while the new ffmpeg starts. A new language starts with the first language's past
(:func:`seed_new_languages`) and appears in the master playlist once its playlist exists; the event page's
player reads the master again every 15 s and starts again with the new list.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass

from core.plugin_api import arm_parent_death_signal
from plugins.live.ladder import ANALYZE_US, Audio, choose_ladder, master_playlist, packager_command

log = logging.getLogger("plugins.live.packager")

MASTER = "master.m3u8"
#: Seconds between looks at the state file and ffmpeg.
POLL_SECONDS = 0.5
#: Seconds a probe of the RTMP input may take.
PROBE_SECONDS = 10


@dataclass(frozen=True)
class Probe:
    width: int
    height: int
    frame_rate: float
    has_audio: bool


def read_state(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {"on_air": False}


def probe(url: str) -> Probe | None:
    """The input's picture size, frame rate and whether it has audio; None when it is not on air (yet)."""
    try:
        result = subprocess.run(
            ["ffprobe", "-v", "error", "-analyzeduration", str(ANALYZE_US), "-rw_timeout", str(PROBE_SECONDS * 1_000_000), "-show_entries",
             "stream=codec_type,width,height,avg_frame_rate,r_frame_rate", "-of", "json", url],
            capture_output=True, text=True, timeout=PROBE_SECONDS + 5, check=False,
        )  # fmt: skip
        streams = json.loads(result.stdout or "{}").get("streams", [])
    except (subprocess.TimeoutExpired, ValueError):
        return None
    video = next((s for s in streams if s.get("codec_type") == "video" and s.get("width")), None)
    if video is None:
        return None
    return Probe(
        int(video["width"]),
        int(video["height"]),
        _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")) or 25.0,
        any(s.get("codec_type") == "audio" for s in streams),
    )


def _rate(text: str | None) -> float:
    try:
        number, _, denominator = (text or "").partition("/")
        rate = float(number) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0
    return rate if 1 <= rate <= 120 else 0.0


def renditions(state: dict, has_audio: bool) -> list[Audio]:
    """The audio renditions in order: the main stream's own first (when it has sound), then the interpreters'."""
    main = state["stream"]
    listed = [Audio(*entry) for entry in state.get("audio", [])]
    own = next(
        (a for a in listed if a.stream == main), Audio(main, state.get("language", ""), state.get("name") or "Original")
    )
    others = [a for a in listed if a.stream != main]
    return ([own] if has_audio else []) + others


def write_atomically(path: str, text: str) -> None:
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def close_playlists(folder: str) -> None:
    """End every media playlist with ``#EXT-X-ENDLIST``: players stop at the end instead of waiting."""
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        path = os.path.join(folder, name, "index.m3u8")
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if "#EXT-X-ENDLIST" not in text:
            write_atomically(path, text.rstrip("\n") + "\n#EXT-X-ENDLIST\n")


def reopen_playlists(folder: str) -> None:
    """Take ``#EXT-X-ENDLIST`` off (a stream that comes back after a stop goes on in the same playlists)."""
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        path = os.path.join(folder, name, "index.m3u8")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            if "#EXT-X-ENDLIST" in text:
                write_atomically(path, text.replace("#EXT-X-ENDLIST\n", ""))


def seed_new_languages(folder: str, names: list[str]) -> None:
    """A language that joins after the start begins with the first one's past: that playlist is copied and its
    segments linked (no bytes copied). Every rendition then counts the same ``#EXT-X-DISCONTINUITY`` tags,
    which players align renditions by: a new rendition starting alone had one fewer, and hls.js then looked
    for its sound in the wrong period and never played it."""
    first = os.path.join(folder, "a0", "index.m3u8")
    if not os.path.isfile(first):
        return
    with open(first, encoding="utf-8") as handle:
        history = handle.read()
    for name in names:
        playlist = os.path.join(folder, name, "index.m3u8")
        if name == "a0" or not name.startswith("a") or os.path.exists(playlist):
            continue
        for line in history.splitlines():
            if line and not line.startswith("#"):
                with contextlib.suppress(FileExistsError, FileNotFoundError):  # one just aged out: a 404 at worst
                    os.link(os.path.join(folder, "a0", line), os.path.join(folder, name, line))
        write_atomically(playlist, history)


def stop_ffmpeg(process: subprocess.Popen) -> None:
    """Ask ffmpeg to finish its segments (SIGINT), then insist."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Packager:
    """The supervising loop of one event (see the module's docstring)."""

    def __init__(self, state_path: str):
        self.state_path = state_path
        self.ffmpeg: subprocess.Popen | None = None
        self.running_version: object = None
        self.stopping = False
        #: The master playlist to write once every media playlist it names exists: (path, text, playlists).
        self.pending_master: tuple[str, str, list[str]] | None = None

    def run(self) -> int:
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        while not self.stopping:
            state = read_state(self.state_path)
            if not state.get("on_air"):
                break
            version = (state.get("stream"), tuple(map(tuple, state.get("audio", []))))
            if self.ffmpeg is not None and self.ffmpeg.poll() is None and version == self.running_version:
                self.write_master_when_ready()
                time.sleep(POLL_SECONDS)
                continue
            if self.ffmpeg is not None:
                if self.ffmpeg.poll() is not None:
                    log.warning(
                        "%s: ffmpeg ended (exit %s) while on air: restarting", state["stream"], self.ffmpeg.poll()
                    )
                else:
                    log.info("%s: the audio streams changed: restarting ffmpeg", state["stream"])
                stop_ffmpeg(self.ffmpeg)
                self.ffmpeg = None
            if not self.start(state):
                time.sleep(1)  # the stream is not (yet, or any more) on the RTMP server
            self.running_version = version
        if self.ffmpeg is not None:
            stop_ffmpeg(self.ffmpeg)
        state = read_state(self.state_path)
        if state.get("folder"):
            close_playlists(state["folder"])
        return 0

    def start(self, state: dict) -> bool:
        pull, folder = state["pull"], state["folder"]
        found = probe(f"rtmp://{pull}/{state['stream']}")
        if found is None:
            return False
        audio = renditions(state, found.has_audio)
        log.info("%s: %s, audio %s", state["stream"], found, [a.stream for a in audio])
        rungs = choose_ladder(found.width, found.height, state["ladder"])
        names = [r.name for r in rungs] + [f"a{i}" for i in range(len(audio))]
        for name in names:
            os.makedirs(os.path.join(folder, name), exist_ok=True)
        seed_new_languages(folder, names)
        reopen_playlists(folder)
        argv = packager_command(
            pull=pull,
            video_stream=state["stream"],
            audio=audio,
            main_has_audio=found.has_audio,
            rungs=rungs,
            frame_rate=found.frame_rate,
            folder=folder,
            segment_seconds=state["segment_seconds"],
            list_size=state["list_size"],
            preset=state.get("preset", "veryfast"),
        )
        log_path = os.path.join(os.path.dirname(self.state_path), f"{os.path.basename(folder)}.ffmpeg.log")
        with open(log_path, "ab") as output:
            self.ffmpeg = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=output, stderr=output, preexec_fn=arm_parent_death_signal
            )
        playlists = [os.path.join(folder, name, "index.m3u8") for name in names]
        self.pending_master = (os.path.join(folder, MASTER), master_playlist(rungs, audio, found.frame_rate), playlists)
        return True

    def write_master_when_ready(self) -> None:
        """Write the master playlist once ffmpeg has written every media playlist (no player meets a 404)."""
        if self.pending_master is not None and all(map(os.path.isfile, self.pending_master[2])):
            write_atomically(self.pending_master[0], self.pending_master[1])
            self.pending_master = None


def main(argv: list[str]) -> int:
    """``python -m plugins.live.packager_process <state file>``: package one event while it is on air."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    state_path = os.path.abspath(argv[0])
    with open(state_path + ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # another packager has this event
        return Packager(state_path).run()
