"""Where live media lives, and the packager's start and stop (see :mod:`plugins.live.packager`)."""

from __future__ import annotations

import os

from core.plugin_api import plugin_settings, setting

#: The master playlist of an event's live HLS (written by Amphi), in :func:`live_folder`.
MASTER = "master.m3u8"


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
