"""The live ladder: which renditions an input gets, and the packager's ffmpeg command.

The ladder follows the input: a rung is kept only if it is no taller than the input (never
upscaled), and an input well above the top kept rung (854x481 under 720p) gets a rung at its own
size, so the best picture is never thrown away. Every rung is H.264 (libx264, zero-latency tuning,
a keyframe exactly at every segment boundary, no scene-cut keyframes), every language AAC stereo,
each in its own media playlist of MPEG-TS segments; Amphi writes the master playlist
(:func:`master_playlist`), ffmpeg only the media playlists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import ffmpeg

from core.plugin_api import HlsAudio, HlsVariant, hls_master_playlist

#: Bits/s of a 720p rung; the others scale with their pixel count (to the power 0.75: small
#: pictures need more bits per pixel).
REFERENCE_BITRATE = 2_800_000
REFERENCE_PIXELS = 1280 * 720
AUDIO_BITRATE = 128_000
#: A rung at the input's own size is added when the input is this much taller than the top rung kept.
OWN_SIZE_ABOVE = 1.2
#: Microseconds of input ffmpeg may read to find the streams: sound arrives at once, the picture from
#: the encoder's next keyframe (nginx's wait_key), so this must exceed the encoder's keyframe interval.
#: (An FLV with sound and picture stops reading as soon as both are known; a stream with only one waits
#: this long, hence a short one for the interpreters' audio-only streams.)
ANALYZE_US = 5_000_000
ANALYZE_AUDIO_US = 1_000_000
#: Microseconds an RTMP read may block before ffmpeg gives up (a stream gone silent ends the packager).
RW_TIMEOUT_US = 10_000_000


@dataclass(frozen=True)
class Rung:
    """One video rendition: its folder name, size and bitrate (bits/s)."""

    name: str
    width: int
    height: int
    bitrate: int

    @property
    def maxrate(self) -> int:
        return int(self.bitrate * 1.07)

    @property
    def bufsize(self) -> int:
        return int(self.bitrate * 1.5)


@dataclass(frozen=True)
class Audio:
    """One audio input: its RTMP stream name (``e5`` or ``e5_en``), language and display name."""

    stream: str
    language: str
    name: str


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def bitrate_for(width: int, height: int) -> int:
    scaled = REFERENCE_BITRATE * (width * height / REFERENCE_PIXELS) ** 0.75
    return int(round(scaled / 50_000) * 50_000) or 50_000


def _rung(input_width: int, input_height: int, height: int) -> Rung:
    height = _even(height)
    width = _even(input_width * height / input_height)
    return Rung(f"{height}p", width, height, bitrate_for(width, height))


def choose_ladder(width: int, height: int, heights: Sequence[int]) -> list[Rung]:
    """The rungs for an input of ``width`` x ``height`` among ``heights`` (smallest first)."""
    if width <= 0 or height <= 0:
        raise ValueError(f"the input has no picture size ({width}x{height})")
    wanted = sorted({int(h) for h in heights if int(h) > 0})
    kept = [h for h in wanted if h <= height]
    if not kept or height >= kept[-1] * OWN_SIZE_ABOVE:
        kept.append(height)  # a small input, or one well above its top rung: its own size too
    return [_rung(width, height, h) for h in kept]


def gop_frames(segment_seconds: int, frame_rate: float) -> int:
    """Frames between keyframes: one segment, so every segment starts with one."""
    return max(1, int(math.ceil(segment_seconds * (frame_rate or 25))))


def packager_command(
    *,
    pull: str,
    video_stream: str,
    audio: Sequence[Audio],
    main_has_audio: bool,
    rungs: Sequence[Rung],
    frame_rate: float,
    folder: str,
    segment_seconds: int,
    list_size: int,
    preset: str = "veryfast",
) -> list[str]:
    """The ffmpeg argv that pulls the event's streams and writes the live media playlists under ``folder``.

    ``audio`` lists the renditions in order: the main stream's own (when ``main_has_audio``; its
    ``stream`` is ``video_stream``) and the interpreters' (``e5_en``...), each pulled as its own input.
    Renditions are written to ``<folder>/<rung name>/`` and ``<folder>/a<n>/``.
    """
    options = {"rw_timeout": RW_TIMEOUT_US, "fflags": "nobuffer", "analyzeduration": ANALYZE_US}
    # Without sound, the picture comes first: nothing to wait for once it is there.
    main = ffmpeg.input(
        f"rtmp://{pull}/{video_stream}",
        **{**options, "analyzeduration": ANALYZE_US if main_has_audio else ANALYZE_AUDIO_US},
    )
    pictures = main.video.filter_multi_output("split", len(rungs)) if len(rungs) > 1 else None
    streams = []
    for index, rung in enumerate(rungs):
        source = pictures.stream(index) if pictures is not None else main.video
        streams.append(source.filter("scale", rung.width, rung.height).filter("setsar", 1))
    for rendition in audio:
        if rendition.stream == video_stream:
            if main_has_audio:
                streams.append(main.audio)
        else:
            audio_options = {**options, "analyzeduration": ANALYZE_AUDIO_US}
            streams.append(ffmpeg.input(f"rtmp://{pull}/{rendition.stream}", **audio_options).audio)
    gop = gop_frames(segment_seconds, frame_rate)
    output = {
        "c:v": "libx264",
        "preset": preset,
        "tune": "zerolatency",
        "profile:v": "high",
        "pix_fmt": "yuv420p",
        "g": gop,
        "keyint_min": gop,
        "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{segment_seconds})",
        "c:a": "aac",
        "b:a": AUDIO_BITRATE,
        "ac": 2,
        "ar": 48000,
        "f": "hls",
        "hls_time": segment_seconds,
        "hls_list_size": list_size,
        # Old segments go once out of the window; a restarted packager appends to the playlists
        # (numbering goes on, a discontinuity marks the restart), so players never lose their place.
        "hls_flags": "delete_segments+independent_segments+append_list+program_date_time+omit_endlist",
        "hls_delete_threshold": 2,
        "hls_segment_type": "mpegts",
        "hls_segment_filename": f"{folder}/%v/seg_%05d.ts",
        "var_stream_map": " ".join(
            [f"v:{i},name:{rung.name}" for i, rung in enumerate(rungs)]
            + [f"a:{i},name:a{i}" for i in range(len(streams) - len(rungs))]
        ),
    }
    for index, rung in enumerate(rungs):
        output[f"b:v:{index}"] = rung.bitrate
        output[f"maxrate:v:{index}"] = rung.maxrate
        output[f"bufsize:v:{index}"] = rung.bufsize
    argv = ffmpeg.output(*streams, f"{folder}/%v/index.m3u8", **output).compile()
    return [argv[0], "-hide_banner", "-loglevel", "warning", "-nostdin", *argv[1:]]


def master_playlist(rungs: Sequence[Rung], audio: Sequence[Audio], frame_rate: float) -> str:
    """The master playlist: a variant per rung, one audio group with a rendition per language."""
    variants = [
        HlsVariant(
            uri=f"{rung.name}/index.m3u8",
            width=rung.width,
            height=rung.height,
            peak=rung.maxrate,
            average=rung.bitrate,
            codec="avc1.640028",
            frame_rate=frame_rate,
        )
        for rung in rungs
    ]
    renditions = [
        HlsAudio(
            uri=f"a{index}/index.m3u8",
            language=rendition.language,
            name=rendition.name,
            default=index == 0,
            peak=AUDIO_BITRATE,
            average=AUDIO_BITRATE,
        )
        for index, rendition in enumerate(audio)
    ]
    return hls_master_playlist(variants, renditions)
