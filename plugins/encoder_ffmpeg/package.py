"""Packaging from the encoded files: HLS by remuxing (``-c copy``), the master playlist, the storyboard VTT."""

from __future__ import annotations

import mmap
import os
from collections.abc import Mapping
from dataclasses import dataclass

import ffmpeg

from core.plugin_api import AUDIO_GROUP, HlsAudio, HlsVariant, Rung, hls_master_playlist, vtt_timestamp
from plugins.encoder_ffmpeg.audio import AudioRendition
from plugins.encoder_ffmpeg.command import Storyboard, compile_outputs, mp4_path


def hls_options(settings: Mapping, folder: str) -> dict:
    fmp4 = settings["segment_type"] == "fmp4"
    extension = "m4s" if fmp4 else "ts"
    options = {
        "c": "copy",
        "f": "hls",
        "hls_time": max(1, settings["segment_seconds"]),
        "hls_playlist_type": "vod",
        "hls_flags": "independent_segments",
        "hls_segment_type": "fmp4" if fmp4 else "mpegts",
        "hls_segment_filename": f"hls/{folder}/seg_%04d.{extension}",
    }
    if fmp4:
        options["hls_fmp4_init_filename"] = "init.mp4"
    return options


def hls_command(settings: Mapping, ladder: list[Rung], renditions: list[AudioRendition]) -> list[str]:
    """argv of one process that remuxes every rung (video) and every language into HLS playlists."""
    outputs = []
    for rung in ladder:
        video = ffmpeg.input(mp4_path(rung))["v:0"]
        outputs.append(video.output(f"hls/{rung.name}/index.m3u8", **hls_options(settings, rung.name)))
    for rendition in renditions:
        audio = ffmpeg.input(rendition.file)["a:0"]
        outputs.append(audio.output(f"hls/{rendition.folder}/index.m3u8", **hls_options(settings, rendition.folder)))
    return compile_outputs(outputs)


@dataclass(frozen=True)
class PlaylistStats:
    """A variant playlist's measured bitrates (bits/s) and duration."""

    peak: int
    average: int
    duration: float


def playlist_stats(out: str, playlist: str) -> PlaylistStats:
    """Peak and average bitrate from the segments' sizes and ``#EXTINF`` durations."""
    folder = os.path.dirname(os.path.join(out, playlist))
    peak, total_bits, total_seconds, seconds = 0.0, 0, 0.0, 0.0
    with open(os.path.join(out, playlist), encoding="utf-8") as lines:
        for line in lines:
            line = line.strip()
            if line.startswith("#EXTINF:"):
                seconds = float(line[8:].split(",")[0])
            elif line and not line.startswith("#"):
                bits = os.path.getsize(os.path.join(folder, line)) * 8
                peak = max(peak, bits / max(seconds, 0.5))
                total_bits, total_seconds = total_bits + bits, total_seconds + seconds
    average = total_bits / total_seconds if total_seconds else 0
    return PlaylistStats(int(peak), int(average), total_seconds)


def avc_codec(path: str) -> str:
    """``avc1.PPCCLL`` from the file's ``avcC`` box (profile, compatibility flags, level)."""
    with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        at = data.find(b"avcC")
        if at < 0:
            return ""
        profile, compatibility, level = data[at + 5], data[at + 6], data[at + 7]
    return f"avc1.{profile:02X}{compatibility:02X}{level:02X}"


def audio_codec(path: str) -> str:
    """``mp4a.40.2`` (AAC LC) or ``mp4a.40.5`` (HE-AAC) from the stream's profile."""
    streams = ffmpeg.probe(path, select_streams="a:0").get("streams") or [{}]
    return "mp4a.40.5" if "HE" in (streams[0].get("profile") or "") else "mp4a.40.2"


def hls_audio(out: str, folder: str, encoded: str, language: str, name: str, default: bool) -> HlsAudio:
    """The master playlist's entry of the audio playlist ``hls/<folder>/index.m3u8`` (``encoded``: its AAC file)."""
    stats = playlist_stats(out, f"hls/{folder}/index.m3u8")
    codec = audio_codec(os.path.join(out, encoded))
    return HlsAudio(f"{folder}/index.m3u8", language, name, default, codec, 2, stats.peak, stats.average)


def master_playlist(out: str, ladder: list[Rung], fps: float, renditions: list[AudioRendition], version: int) -> str:
    """The master playlist text: every language an audio rendition shared by every video variant."""
    audio = [hls_audio(out, r.folder, r.file, r.language, r.name, r.default) for r in renditions]
    variants = []
    for rung in ladder:
        stats = playlist_stats(out, f"hls/{rung.name}/index.m3u8")
        codec = avc_codec(os.path.join(out, mp4_path(rung)))
        variants.append(
            HlsVariant(f"{rung.name}/index.m3u8", rung.width, rung.height, stats.peak, stats.average, codec, fps)
        )
    return hls_master_playlist(variants, audio, version=version, group=AUDIO_GROUP)


def playlist_version(settings: Mapping) -> int:
    return 7 if settings["segment_type"] == "fmp4" else 6


def write_master(out: str, settings: Mapping, ladder: list[Rung], fps: float, renditions: list[AudioRendition]) -> None:
    with open(os.path.join(out, "hls", "master.m3u8"), "w", encoding="utf-8") as master:
        master.write(master_playlist(out, ladder, fps, renditions, playlist_version(settings)))


def storyboard_vtt(board: Storyboard, duration: float, sprite: str = "storyboard.jpg") -> str:
    """WebVTT cues pointing at each tile of the sprite (``sprite#xywh=x,y,w,h``)."""
    cues = ["WEBVTT", ""]
    for index in range(board.count):
        start, end = index * board.interval, min(duration, (index + 1) * board.interval)
        if end <= start:
            break
        x, y = (index % board.columns) * board.width, (index // board.columns) * board.height
        cues += [
            f"{vtt_timestamp(start)} --> {vtt_timestamp(end)}",
            f"{sprite}#xywh={x},{y},{board.width},{board.height}",
            "",
        ]
    return "\n".join(cues)
