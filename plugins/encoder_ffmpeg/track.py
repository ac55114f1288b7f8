"""An audio track added to a ready video: AAC aligned to the video, then an HLS audio playlist."""

from __future__ import annotations

import os
from collections.abc import Mapping

import ffmpeg

from core.plugin_api import HlsAudio, MediaError, ProgressCallback, _
from plugins.encoder_ffmpeg.audio import MAIN_FILE, aligned
from plugins.encoder_ffmpeg.command import AUDIO, compile_outputs
from plugins.encoder_ffmpeg.package import audio_codec, hls_options, playlist_stats
from plugins.encoder_ffmpeg.probe import probe
from plugins.encoder_ffmpeg.run import Progress, run_ffmpeg

NO_SOUND = _("This file has no sound.")


def encode_audio_track(
    settings: Mapping, source: str, duration: float, offset: float, out: str, progress: ProgressCallback | None
) -> HlsAudio:
    """Write ``out/index.m3u8`` and its segments (``out`` is the rendition's own folder)."""
    if not probe(source).has_audio:
        raise MediaError(NO_SOUND)
    if duration <= 0:
        raise MediaError(_("The video has no duration."))
    sound = aligned(ffmpeg.input(os.path.abspath(source))["a:0"], duration, offset)
    bitrate = settings["audio_bitrate"] * 1000
    encoded = sound.output(MAIN_FILE, f="ipod", movflags="+faststart", vn=None, **AUDIO, **{"b:a": bitrate})
    run_ffmpeg(compile_outputs([encoded]), out, Progress(progress, duration, 0.0, 0.9))
    options = {**hls_options(settings, "."), "hls_segment_filename": segment_pattern(settings)}
    playlist = ffmpeg.input(MAIN_FILE)["a:0"].output("index.m3u8", **options)
    run_ffmpeg(compile_outputs([playlist]), out, Progress(progress, duration, 0.9, 1.0))
    codec = audio_codec(os.path.join(out, MAIN_FILE))
    os.remove(os.path.join(out, MAIN_FILE))
    stats = playlist_stats(out, "index.m3u8")
    return HlsAudio("index.m3u8", codec=codec, channels=2, peak=stats.peak, average=stats.average)


def segment_pattern(settings: Mapping) -> str:
    return "seg_%04d.m4s" if settings["segment_type"] == "fmp4" else "seg_%04d.ts"


def replace_audio(settings: Mapping, source: str, audio: str, out: str, progress: ProgressCallback | None) -> str:
    """``out``: ``source`` (an MP4, M4A or MP3 download) with the sound of ``audio`` (an HLS playlist)."""
    sound = ffmpeg.input(os.path.abspath(audio))["a:0"]
    extension = os.path.splitext(out)[1]
    if extension == ".mp3":
        output = sound.output(out, **{"c:a": "libmp3lame", "q:a": settings["mp3_quality"], "ac": 2})
    elif extension == ".m4a":
        output = sound.output(out, f="ipod", movflags="+faststart", c="copy")
    else:
        picture = ffmpeg.input(os.path.abspath(source))["v:0"]
        output = ffmpeg.output(picture, sound, out, f="mp4", movflags="+faststart", c="copy")
    duration = float(ffmpeg.probe(source)["format"].get("duration") or 0)
    run_ffmpeg(compile_outputs([output]), os.path.dirname(os.path.abspath(out)), Progress(progress, duration, 0, 1))
    return out
