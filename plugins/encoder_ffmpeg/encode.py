"""The whole encode of one source: one decoding process, one remuxing process, the playlists, the list."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping

import ffmpeg

from core.plugin_api import (
    MEDIA_TYPES,
    EncodeCancelled,
    EncodeOutput,
    EncodeResult,
    MediaError,
    MediaInfo,
    ProgressCallback,
    Rung,
    _,
)
from plugins.encoder_ffmpeg.audio import EXTRA_FOLDER, AudioRendition, audio_renditions
from plugins.encoder_ffmpeg.command import (
    STORYBOARD_FRAMES,
    THUMBNAILS,
    Storyboard,
    audio_command,
    mp4_path,
    storyboard_plan,
    tile_command,
    video_command,
    waveform_command,
)
from plugins.encoder_ffmpeg.ladder import encoding_frame_rate
from plugins.encoder_ffmpeg.package import hls_command, storyboard_vtt, write_master
from plugins.encoder_ffmpeg.run import Progress, run_ffmpeg

log = logging.getLogger(__name__)
ENCODE_SHARE = 0.9  # the decode+encode process is ~90 % of the work; remuxing and playlists the rest


@functools.lru_cache(maxsize=1)
def nvenc_usable() -> bool:
    """Whether ``ffmpeg -encoders`` lists h264_nvenc *and* it can encode a frame (a GPU and driver exist)."""
    try:
        listed = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30)
        if "h264_nvenc" not in listed.stdout:
            return False
        trial = subprocess.run(
            [
                "ffmpeg",
                "-hide_banner",
                "-nostdin",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "color=size=256x144:rate=25:duration=0.2",
                "-c:v",
                "h264_nvenc",
                "-f",
                "null",
                "-",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return trial.returncode == 0


def video_encoder(settings: Mapping) -> str:
    if not settings["gpu"]:
        return "libx264"
    if nvenc_usable():
        return "h264_nvenc"
    log.warning("encoder_ffmpeg: gpu is on but h264_nvenc is not usable here; encoding on the CPU (libx264)")
    return "libx264"


def encode(
    settings: Mapping, source: str, info: MediaInfo, ladder: list[Rung], out: str, progress: ProgressCallback | None
) -> EncodeResult:
    """Write every output under ``out`` and list them."""
    if not info.has_video and not info.has_audio:
        raise MediaError(_("This is not a video or audio file."))
    renditions = audio_renditions(info)
    folders = [
        "mp4",
        THUMBNAILS,
        "hls",
        *(f"hls/{r.name}" for r in ladder),
        *(f"hls/{r.folder}" for r in renditions),
        *([EXTRA_FOLDER] if len(renditions) > 1 else []),
        *([STORYBOARD_FRAMES] if ladder else []),
    ]
    for folder in folders:
        os.makedirs(os.path.join(out, folder), exist_ok=True)
    source = os.path.abspath(source)
    if ladder:
        argv = video_command(source, settings, info, ladder, video_encoder(settings))
    else:
        argv = audio_command(source, settings, info)
    run_ffmpeg(argv, out, Progress(progress, info.duration, 0.0, ENCODE_SHARE))
    if ladder:
        finish_pictures(out, storyboard_plan(settings, info), info.duration)
    elif not info.has_cover_art:
        run_ffmpeg(waveform_command(), out, Progress(progress, info.duration, ENCODE_SHARE, ENCODE_SHARE))
    run_ffmpeg(hls_command(settings, ladder, renditions), out, Progress(progress, info.duration, ENCODE_SHARE, 0.99))
    write_master(out, settings, ladder, float(encoding_frame_rate(settings, info)), renditions)
    duration = encoded_duration(out, ladder, info)
    drop_unoffered_downloads(out, settings, ladder)
    shutil.rmtree(os.path.join(out, EXTRA_FOLDER), ignore_errors=True)
    result = EncodeResult(outputs=list_outputs(out, ladder, info, renditions), duration=duration)
    if progress is not None and progress(1.0) is False:
        raise EncodeCancelled("The encoding was cancelled.")
    return result


def finish_pictures(out: str, board: Storyboard, duration: float) -> None:
    """Tile the storyboard's frames into its sprite and write its WebVTT; drop what only served to start early."""
    frames = os.path.join(out, STORYBOARD_FRAMES)
    if os.listdir(frames):
        run_ffmpeg(tile_command(board), out, Progress(None, duration, ENCODE_SHARE, ENCODE_SHARE))
        with open(os.path.join(out, "storyboard.vtt"), "w", encoding="utf-8") as vtt:
            vtt.write(storyboard_vtt(board, duration))
    shutil.rmtree(frames)
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(out, THUMBNAILS, "poster_0.jpg"))


def drop_unoffered_downloads(out: str, settings: Mapping, ladder: list[Rung]) -> None:
    """The MP4s feed the HLS remux; keep as downloads only the renditions the site offers.

    Every stored rendition costs its bytes twice (MP4 and HLS), and storage is what a
    university pays for; the smallest rendition stays when none of the offered ones exists.
    """
    offered = set(settings["download_rungs"])
    keep = {r.name for r in ladder if r.name in offered} or {ladder[0].name} if ladder else set()
    for rung in ladder:
        if rung.name not in keep:
            os.remove(os.path.join(out, mp4_path(rung)))


def encoded_duration(out: str, ladder: list[Rung], info: MediaInfo) -> float:
    path = os.path.join(out, mp4_path(ladder[0]) if ladder else "audio.m4a")
    try:
        return float(ffmpeg.probe(path)["format"]["duration"])
    except (ffmpeg.Error, KeyError, ValueError):
        return info.duration


def output_kind(path: str, info: MediaInfo, audio_folders: set[str] = frozenset()) -> str | None:
    name = os.path.basename(path)
    if path == "hls/master.m3u8":
        return "hls-master"
    if path.startswith("hls/"):
        if not name.endswith(".m3u8"):
            return "hls-segment"
        return "hls-audio" if path.split("/")[1] in audio_folders else "hls-playlist"
    kinds = {
        "audio.m4a": "audio",
        "audio.mp3": "mp3",
        "storyboard.jpg": "storyboard",
        "storyboard.vtt": "storyboard-vtt",
    }
    if path in kinds:
        return kinds[path]
    if path.startswith("mp4/"):
        return "mp4"
    if path.startswith("thumbs/"):
        return "waveform" if info.is_audio_only and not info.has_cover_art else "thumbnail"
    return None


def list_outputs(
    out: str, ladder: list[Rung], info: MediaInfo, renditions: list[AudioRendition] | None = None
) -> list[EncodeOutput]:
    """Every file written, described (kind, mime, rendition, size and bitrate, language where they apply)."""
    rungs = {r.name: r for r in ladder}
    languages = {r.folder: r for r in (audio_renditions(info) if renditions is None else renditions)}
    outputs = []
    for root, _dirs, files in os.walk(out):
        for name in sorted(files):
            path = os.path.relpath(os.path.join(root, name), out).replace(os.sep, "/")
            kind = output_kind(path, info, set(languages))
            if kind is not None:
                outputs.append(describe(out, path, kind, rungs, info, languages))
    return sorted(outputs, key=lambda o: (o.kind, natural_key(o.path)))


def describe(
    out: str, path: str, kind: str, rungs: dict[str, Rung], info: MediaInfo, languages: dict[str, AudioRendition]
) -> EncodeOutput:
    parts = path.split("/")
    name = parts[1] if parts[0] == "hls" and len(parts) > 2 else os.path.splitext(parts[-1])[0]
    rung = rungs.get(name) if kind in ("mp4", "hls-playlist", "hls-segment") else None
    language = languages.get(name) if kind in ("hls-audio", "hls-segment") else None
    rendition = rung.name if rung else (language.folder if language else ("audio" if kind in ("audio", "mp3") else ""))
    bitrate = None
    if kind in ("mp4", "audio", "mp3") and info.duration > 0:
        bitrate = int(os.path.getsize(os.path.join(out, path)) * 8 / info.duration)
    return EncodeOutput(
        kind=kind,
        path=path,
        mime=MEDIA_TYPES.get(os.path.splitext(path)[1], "application/octet-stream"),
        rendition=rendition,
        width=rung.width if rung else None,
        height=rung.height if rung else None,
        bitrate=bitrate,
        language=language.language if language and kind == "hls-audio" else "",
        label=language.name if language and kind == "hls-audio" else "",
        default=bool(language and kind == "hls-audio" and language.default),
    )


def natural_key(path: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path))
