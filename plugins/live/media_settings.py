"""The live plugin's media settings: ingest pull address, HLS packaging, signed links, folders."""

from __future__ import annotations

from core.plugin_api import Setting, _

MEDIA_SETTINGS: list[Setting] = [
    Setting(
        "rtmp_pull",
        default="127.0.0.1:1935/live",
        label=_("Where the packager pulls the published streams from (host:port/application of nginx-rtmp)."),
        site_editable=False,
    ),
    Setting(
        "segment_seconds",
        type="int",
        default=1,
        label=_("Length of a live HLS segment in seconds (1 or 2: shorter is closer to real time)."),
        site_editable=False,
    ),
    Setting(
        "dvr_seconds",
        type="int",
        default=120,
        label=_("How far back live viewers may go (the live playlist's window), in seconds."),
        site_editable=False,
    ),
    Setting(
        "ladder",
        type="list",
        default="360 720 1080",
        label=_("Heights of the live ladder's rungs; rungs above the input's height are left out."),
        site_editable=False,
    ),
    Setting(
        "x264_preset",
        default="veryfast",
        label=_("The x264 preset of the live transcode (faster presets cost less CPU for a larger stream)."),
        site_editable=False,
    ),
    Setting(
        "link_lifetime",
        type="int",
        default=21600,
        label=_("How long a viewer's signed live playlist link stays valid, in seconds (6 hours by default)."),
        site_editable=False,
    ),
    Setting(
        "hls_base_url",
        default="",
        label=_("Address of the server that serves the live HLS files (nginx); empty: the application's own address."),
        site_editable=False,
    ),
    Setting(
        "hls_folder",
        default="",
        label=_("Folder of the live HLS files (default: var_dir/live/hls); nginx serves it."),
        site_editable=False,
    ),
    Setting(
        "recordings_folder",
        default="",
        label=_("Folder where nginx-rtmp records the streams (default: var_dir/live/recordings)."),
        site_editable=False,
    ),
]
