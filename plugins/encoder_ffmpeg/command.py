"""The ffmpeg-python graphs: one process decodes the source once and writes every rendition.

All paths in the commands are relative to the output folder (ffmpeg runs there), so the tee
muxer's syntax never meets a user's file name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import ffmpeg

from core.plugin_api import MediaInfo, Rung
from plugins.encoder_ffmpeg.audio import AudioRendition, audio_renditions, continuous
from plugins.encoder_ffmpeg.ladder import encoding_frame_rate, even, gop_frames

PROGRESS_SECONDS = 0.5  # how often ffmpeg reports (its default, said explicitly)
AUDIO = {"c:a": "aac", "ac": 2, "ar": 48000}
THUMBNAIL_LINES = 720
THUMBNAILS = "thumbs"
POSTER = f"{THUMBNAILS}/poster_1.jpg"
STORYBOARD = "storyboard.jpg"
STORYBOARD_FRAMES = "storyboard-frames"  # scratch: removed once tiled
WAVEFORM_SIZE = "1280x360"


@dataclass(frozen=True)
class Storyboard:
    """A sprite of ``count`` frames, one every ``interval`` seconds, ``columns`` wide."""

    interval: float
    count: int
    columns: int
    width: int
    height: int

    @property
    def rows(self) -> int:
        return max(1, math.ceil(self.count / self.columns))


def storyboard_plan(settings: Mapping, info: MediaInfo) -> Storyboard:
    most = max(1, settings["storyboard_max"])
    interval = max(1, settings["storyboard_interval"], info.duration / most)
    count = max(1, min(most, math.ceil(info.duration / interval - 1e-6)))
    long_side = settings["storyboard_width"]
    if info.width >= info.height:
        width, height = even(long_side), even(long_side * info.height / info.width)
    else:
        width, height = even(long_side * info.width / info.height), even(long_side)
    return Storyboard(interval, count, min(count, max(1, settings["storyboard_columns"])), width, height)


def thumbnail_size(ladder: list[Rung]) -> tuple[int, int]:
    top = ladder[-1]
    scale = min(1.0, THUMBNAIL_LINES / min(top.width, top.height))
    return even(top.width * scale), even(top.height * scale)


def mp4_path(rung: Rung) -> str:
    return f"mp4/{rung.name}.mp4"


def tee_target(ladder: list[Rung], renditions: list[AudioRendition]) -> str:
    """One encode of each stream, written by the tee muxer: every MP4 with the default language, each
    language's AAC to its own file (the default one to ``audio.m4a``)."""
    main = next((i for i, r in enumerate(renditions) if r.default), None)
    audio = f",a\\:{main}" if main is not None else ""
    slaves = [f"[select='v\\:{i}{audio}':f=mp4:movflags=+faststart]{mp4_path(r)}" for i, r in enumerate(ladder)]
    slaves += [f"[select='a\\:{i}':f=ipod:movflags=+faststart]{r.file}" for i, r in enumerate(renditions)]
    return "|".join(slaves)


def audio_sources(source, info: MediaInfo, renditions: list[AudioRendition]) -> tuple[list, object]:
    """Each language's stream on the video's clock, and a second copy of the default one (for the MP3)."""
    streams, mp3 = [], None
    for rendition in renditions:
        stream = continuous(source[f"a:{rendition.stream}"], info.duration)
        if rendition.default:
            split = stream.filter_multi_output("asplit", 2)
            stream, mp3 = split[0], split[1]
        streams.append(stream)
    return streams, mp3


def video_options(settings: Mapping, ladder: list[Rung], fps: Fraction, encoder: str) -> dict:
    """Encoder options: keyframes every segment, at the same instants in every rung."""
    segment = max(1, settings["segment_seconds"])
    gop = gop_frames(fps, segment)
    options = {
        "c:v": encoder,
        "profile:v": "high",
        "g": gop,
        "keyint_min": gop,
        "force_key_frames": f"expr:gte(t,n_forced*{segment})",
        "max_muxing_queue_size": 4096,
    }
    crf = settings["crf"]
    if encoder == "h264_nvenc":
        options.update(
            {
                "preset": settings["gpu_preset"],
                "rc": "vbr",
                "forced-idr": 1,
                "no-scenecut": 1,
                **({"cq": crf} if crf else {}),
            }
        )
    else:
        options.update({"preset": settings["preset"], "sc_threshold": 0, **({"crf": crf} if crf else {})})
        if settings["threads"]:
            options["threads"] = settings["threads"]
    for i, rung in enumerate(ladder):
        if not crf or encoder == "h264_nvenc":
            options[f"b:v:{i}"] = rung.video_bitrate
        options[f"maxrate:v:{i}"] = rung.maxrate
        options[f"bufsize:v:{i}"] = rung.bufsize
    return options


def decoded_video(source, info: MediaInfo, fps: Fraction):
    """The source's picture, deinterlaced when needed, at a constant frame rate (rotation: autorotate)."""
    video = source["V:0"]
    if info.interlaced:
        video = video.filter("yadif")
    return video.filter("fps", fps=str(fps))


def rung_stream(branch, rung: Rung):
    return branch.filter("scale", rung.width, rung.height).filter("setsar", 1).filter("format", "yuv420p")


# ffmpeg 5.1 sends no progress report at all until every output has written its first frame: an
# output whose first frame comes late (a sprite tiled at the end, a poster picked mid-way) would hold
# the progress at 0 % and a cancellation unheard until then. Every output of the encode starts at once.


def thumbnails_output(branch, settings: Mapping, info: MediaInfo, ladder: list[Rung]):
    """``thumbs/poster_N.jpg``: N frames spread over the duration (the middles of N equal parts).

    The first frame is written too, as ``poster_0.jpg`` (removed afterwards), so the output starts at once.
    """
    count = max(1, settings["thumbnails"])
    step = info.duration / count
    pick = f"gte(t,(selected_n-0.5)*{step:.3f})"  # frame 0, then the first frame past each middle
    width, height = thumbnail_size(ladder)
    picked = branch.filter("select", pick).filter("scale", width, height).filter("setsar", 1)
    return picked.output(
        f"{THUMBNAILS}/poster_%d.jpg", **{"frames:v": count + 1, "start_number": 0, "fps_mode": "vfr", "q:v": 3}
    )


def storyboard_frames_output(branch, board: Storyboard):
    """The storyboard's frames as small PNG files, from the first one on; :func:`tile_command` makes the sprite."""
    # eof_action=pass: a source shorter than half an interval still gives its one frame
    frames = branch.filter("fps", fps=f"1/{board.interval:.6f}", eof_action="pass")
    frames = frames.filter("scale", board.width, board.height)
    return frames.filter("setsar", 1).output(
        f"{STORYBOARD_FRAMES}/%04d.png", **{"frames:v": board.count, "fps_mode": "passthrough"}
    )


def tile_command(board: Storyboard) -> list[str]:
    """argv that tiles the storyboard's frames into ``storyboard.jpg`` (a hundred small pictures: instant)."""
    frames = ffmpeg.input(f"{STORYBOARD_FRAMES}/%04d.png", framerate=1)
    sprite = frames.filter("tile", f"{board.columns}x{board.rows}")
    return compile_outputs([sprite.output(STORYBOARD, **{"frames:v": 1, "update": 1, "q:v": 4})])


def mp3_output(audio, settings: Mapping):
    return audio.output("audio.mp3", **{"c:a": "libmp3lame", "q:a": settings["mp3_quality"], "ac": 2, "vn": None})


def video_command(source_path: str, settings: Mapping, info: MediaInfo, ladder: list[Rung], encoder: str) -> list[str]:
    """argv of the one process that decodes once and writes MP4s, audio, thumbnails and the storyboard."""
    source = ffmpeg.input(source_path)
    fps = encoding_frame_rate(settings, info)
    board = storyboard_plan(settings, info)
    branches = decoded_video(source, info, fps).filter_multi_output("split", len(ladder) + 2)
    streams = [rung_stream(branches[i], rung) for i, rung in enumerate(ladder)]
    renditions = audio_renditions(info)
    sounds, mp3 = audio_sources(source, info, renditions)
    audio_options = {**AUDIO, "b:a": ladder[0].audio_bitrate} if renditions else {}
    main = ffmpeg.output(
        *streams,
        *sounds,
        tee_target(ladder, renditions),
        f="tee",
        **video_options(settings, ladder, fps, encoder),
        **audio_options,
    )
    outputs = [
        main,
        thumbnails_output(branches[len(ladder)], settings, info, ladder),
        storyboard_frames_output(branches[len(ladder) + 1], board),
    ]
    if mp3 is not None:
        outputs.append(mp3_output(mp3, settings))
    return compile_outputs(outputs)


def audio_command(source_path: str, settings: Mapping, info: MediaInfo) -> list[str]:
    """argv for an audio-only source: AAC (m4a) of each language, MP3 of the default one, and the cover
    art as the poster (else see :func:`waveform_command`)."""
    source = ffmpeg.input(source_path)
    renditions = audio_renditions(info)
    sounds, mp3 = audio_sources(source, info, renditions)
    bitrate = settings["audio_bitrate"] * 1000
    outputs = [
        sound.output(rendition.file, f="ipod", movflags="+faststart", vn=None, **AUDIO, **{"b:a": bitrate})
        for sound, rendition in zip(sounds, renditions, strict=True)
    ]
    outputs.append(mp3_output(mp3, settings))
    if info.has_cover_art:
        picture = source["v:0"].filter("scale", "min(iw,1280)", -2).filter("format", "yuvj420p")
        outputs.append(picture.output(POSTER, **{"frames:v": 1, "update": 1, "q:v": 3}))
    return compile_outputs(outputs)


def waveform_command() -> list[str]:
    """argv drawing the waveform poster from ``audio.m4a``, afterwards: it is one picture of the whole
    sound, ready only at its end (a second decoding of the AAC costs a few percent of the encode)."""
    audio = ffmpeg.input("audio.m4a")["a:0"]
    picture = audio.filter("showwavespic", s=WAVEFORM_SIZE, split_channels=0, colors="0x3a6ea5")
    return compile_outputs([picture.output(POSTER, **{"frames:v": 1, "update": 1, "q:v": 3})])


def global_args() -> list[str]:
    """Quiet, with progress reports on stdout (read by :mod:`plugins.encoder_ffmpeg.run`)."""
    return [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-progress",
        "pipe:1",
        "-nostats",
        "-stats_period",
        str(PROGRESS_SECONDS),
    ]


def compile_outputs(outputs: list) -> list[str]:
    return ffmpeg.merge_outputs(*outputs).global_args(*global_args()).overwrite_output().compile()
