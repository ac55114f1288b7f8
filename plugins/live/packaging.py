"""Where live media lives, and the packager's start and stop (see :mod:`plugins.live.packager`)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time

from huey import crontab

from core.plugin_api import huey, plugin_settings, setting, worker_request
from plugins.live.packager import MASTER, close_playlists, read_state, write_atomically

__all__ = ["MASTER", "live_folder", "recordings_folder", "start", "stop"]


def _folder(registry, key: str, default: str) -> str:
    configured = plugin_settings(registry, None, "live")[key]
    return os.path.abspath(configured or os.path.join(setting(registry.settings, "amphi.var_dir"), "live", default))


def hls_root(registry) -> str:
    """The folder of every event's live HLS (``amphi.live.hls_folder``)."""
    return _folder(registry, "hls_folder", "hls")


def live_folder(registry, event_id: int) -> str:
    """The folder of one event's live HLS: ``<hls folder>/e<id>``."""
    return os.path.join(hls_root(registry), f"e{int(event_id)}")


def recordings_folder(registry) -> str:
    """Where nginx-rtmp records the streams (``amphi.live.recordings_folder``)."""
    return _folder(registry, "recordings_folder", "recordings")


def packagers_folder(registry) -> str:
    """The packagers' state files (not served: the HLS folder is)."""
    return os.path.join(setting(registry.settings, "amphi.var_dir"), "live", "packagers")


def state_path(registry, event_id: int) -> str:
    return os.path.join(packagers_folder(registry), f"e{int(event_id)}.json")


def start(
    registry,
    event_id: int,
    stream: str,
    audio: list[tuple[str, str, str]],
    *,
    main_language: str = "",
    main_name: str = "Original",
) -> None:
    """Package ``stream`` (``e<id>``) with these audio streams ``(stream, language, name)`` while it is on air.

    Called after the commit that admitted a publish; called again with the full list when an
    interpreter joins (the packager then restarts ffmpeg with the new inputs). The main stream's own sound
    is the first, default rendition: ``main_language`` and ``main_name`` label it when ``audio`` does not. Returns at once: the
    packager is spawned by the worker (:func:`ensure_packager`).
    """
    settings = plugin_settings(registry, None, "live")
    segment = min(6, max(1, int(settings["segment_seconds"])))
    state = {
        "event_id": int(event_id),
        "stream": stream,
        "audio": [list(entry) for entry in audio],
        "language": main_language,
        "name": main_name,
        "pull": settings["rtmp_pull"],
        "folder": live_folder(registry, event_id),
        "ladder": [int(h) for h in settings["ladder"]],
        "segment_seconds": segment,
        "list_size": max(3, int(settings["dvr_seconds"]) // segment),
        "preset": settings["x264_preset"],
        "on_air": True,
    }
    os.makedirs(state["folder"], exist_ok=True)
    path = state_path(registry, event_id)
    _write_state(path, state)
    ensure_packager(path)


def stop(registry, event_id: int) -> None:
    """The main stream ended: the packager finishes and closes the playlists (``#EXT-X-ENDLIST``)."""
    path = state_path(registry, event_id)
    state = read_state(path)
    if not state.get("on_air"):
        return
    state["on_air"] = False
    _write_state(path, state)
    if not packager_running(path):  # nobody to close them: do it here
        close_playlists(state["folder"])


def _write_state(path: str, state: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomically(path, json.dumps(state))


def packager_running(path: str) -> bool:
    """Whether a packager holds this state file's lock."""
    try:
        with open(path + ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


@huey.task()
def ensure_packager(path: str) -> None:
    """Spawn the event's packager (worker-side) unless one runs; it outlives this task and the worker."""
    if not read_state(path).get("on_air") or packager_running(path):
        return
    with open(os.path.splitext(path)[0] + ".log", "ab") as log:
        # setsid -f: the packager is nobody's child here (no zombie, no death with the worker).
        subprocess.run(
            ["setsid", "-f", sys.executable, "-m", "plugins.live.packager_process", path],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, check=False, timeout=30,
        )  # fmt: skip


#: How long an ended event's live HLS stays on disk (viewers still on the page reach the end of it).
LINGER_SECONDS = 3600


@huey.periodic_task(crontab(minute="*"))
def watch_packagers() -> None:
    """Every minute: a packager killed while its event is on air is started again, and the live HLS of
    an event that ended over an hour ago is removed (the replay is made from the recordings)."""
    with worker_request() as request:
        registry = request.registry
    folder, root = packagers_folder(registry), hls_root(registry)
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if not name.endswith(".json"):
            continue
        path = os.path.join(folder, name)
        state = read_state(path)
        if state.get("on_air"):
            ensure_packager.call_local(path)
        elif time.time() - os.path.getmtime(path) > LINGER_SECONDS and not packager_running(path):
            remove_event_files(path, state, root)


def remove_event_files(path: str, state: dict, root: str) -> None:
    live = os.path.abspath(state.get("folder") or "")
    if os.path.dirname(live) == root:  # never a folder outside the HLS folder, whatever the file says
        shutil.rmtree(live, ignore_errors=True)
    base = os.path.splitext(path)[0]
    for leftover in (path, path + ".lock", base + ".log", base + ".ffmpeg.log"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(leftover)
