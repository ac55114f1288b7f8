"""ffprobe through ffmpeg-python: what a source holds, or a reason the owner can read."""

from __future__ import annotations

import os
import subprocess
from fractions import Fraction

import ffmpeg

from core.plugin_api import AudioStream, MediaError, MediaInfo, _, audio_language

EMPTY = _("The file is empty.")
NOT_MEDIA = _("This is not a video or audio file.")
DAMAGED = _("The file is truncated or damaged.")
NO_DURATION = _("The file has no duration: it is truncated, damaged or holds a single picture.")
NO_STREAM = _("The file holds neither video nor audio.")
PICTURE = _("This is a picture, not a video or audio file.")
INTERLACED_ORDERS = {"tt", "bb", "tb", "bt"}
MAX_REAL_RATE = 240  # above, an r_frame_rate is a time base rather than a camera's rate

#: ffprobe's words -> the reason shown to the owner (first match wins).
PROBE_REASONS = (
    ("misdetection possible", NOT_MEDIA),
    ("moov atom not found", DAMAGED),
    ("invalid data found", NOT_MEDIA),
    ("end of file", DAMAGED),
    ("truncat", DAMAGED),
    ("no such file", _("The file is missing.")),
    ("permission denied", _("The file cannot be read.")),
)


def probe(path: str) -> MediaInfo:
    """Describe ``path``; raise :class:`MediaError` with a readable reason when it is not usable media."""
    if not os.path.exists(path):
        raise MediaError("The file is missing.")
    if os.path.getsize(path) == 0:
        raise MediaError(EMPTY)
    return media_info(probe_data(path))


def probe_data(path: str) -> dict:
    """ffprobe's JSON of ``path``, with a duration even for a browser recording (which writes none)."""
    data = run_ffprobe(path)
    fmt = data.setdefault("format", {})
    if media_duration(fmt, data.get("streams") or []) <= 0 and fmt.get("format_name", "").startswith("matroska"):
        fmt["duration"] = str(scanned_duration(path))
    return data


def scanned_duration(path: str) -> float:
    """The end of the last packet, read without decoding (for streamed WebM files); 0 when unknown."""
    try:
        done = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "packet=pts_time,duration_time", "-of", "csv=p=0", path],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except (OSError, subprocess.TimeoutExpired):
        return 0.0
    end = 0.0
    for line in done.stdout.splitlines():
        start, _sep, length = line.partition(",")
        end = max(end, as_float(start) + as_float(length.strip(",")))
    return end


def run_ffprobe(path: str) -> dict:
    try:
        return ffmpeg.probe(path)
    except ffmpeg.Error as exc:
        stderr = (exc.stderr or b"").decode("utf-8", "replace")
        raise MediaError(probe_reason(stderr), info={"stderr": stderr[-2000:]}) from None


def probe_reason(stderr: str) -> str:
    lowered = stderr.lower()
    for words, reason in PROBE_REASONS:
        if words in lowered:
            return reason
    return NOT_MEDIA


def media_info(data: dict) -> MediaInfo:
    """Build a :class:`MediaInfo` from ffprobe's JSON (``-show_format -show_streams``)."""
    fmt = data.get("format") or {}
    streams = data.get("streams") or []
    videos = [s for s in streams if s.get("codec_type") == "video" and not is_picture(s)]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    covers = [s for s in streams if s.get("codec_type") == "video" and is_picture(s)]
    if not videos and not audios:
        raise MediaError(NOT_MEDIA if not covers else NO_STREAM)
    if is_still_picture(fmt) and not audios:
        raise MediaError(PICTURE)
    duration = media_duration(fmt, videos + audios)
    if duration <= 0:
        raise MediaError(NO_DURATION)
    info = dict(
        container=(fmt.get("format_name") or "").split(",")[0],
        duration=duration,
        has_video=bool(videos),
        has_audio=bool(audios),
        has_cover_art=bool(covers),
        bitrate=as_int(fmt.get("bit_rate")),
    )
    if videos:
        info.update(video_fields(videos[0]))
    if audios:
        info.update(audio_fields(audios[0]))
        info["audio_streams"] = audio_streams(audios)
    return MediaInfo(**info)


def is_picture(stream: dict) -> bool:
    """A cover image (``attached_pic``) is not a video stream."""
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def is_still_picture(fmt: dict) -> bool:
    """A JPEG, PNG... read by an image demuxer (``image2``, ``png_pipe``...)."""
    name = fmt.get("format_name") or ""
    return name == "image2" or name.endswith("_pipe")


def media_duration(fmt: dict, streams: list[dict]) -> float:
    duration = as_float(fmt.get("duration"))
    if duration <= 0:
        duration = max((as_float(s.get("duration")) for s in streams), default=0.0)
    return duration


def video_fields(stream: dict) -> dict:
    width, height = as_int(stream.get("width")), as_int(stream.get("height"))
    if not width or not height:
        raise MediaError(DAMAGED)
    width = max(1, round(width * sample_aspect_ratio(stream)))  # anamorphic DV/DVD: 720x576 shows 1024x576
    rotation = stream_rotation(stream)
    if rotation % 180 == 90:
        width, height = height, width
    return dict(
        width=width,
        height=height,
        rotation=rotation,
        fps=frame_rate(stream),
        video_codec=stream.get("codec_name", ""),
        pix_fmt=stream.get("pix_fmt", ""),
        interlaced=stream.get("field_order", "progressive") in INTERLACED_ORDERS,
    )


def audio_fields(stream: dict) -> dict:
    return dict(
        audio_codec=stream.get("codec_name", ""),
        audio_channels=as_int(stream.get("channels")),
        audio_sample_rate=as_int(stream.get("sample_rate")),
    )


def audio_streams(audios: list[dict]) -> tuple[AudioStream, ...]:
    """Each audio stream's language (BCP 47) and title from its tags, and its ``default`` disposition."""
    streams = []
    for index, stream in enumerate(audios):
        tags = {key.lower(): value for key, value in (stream.get("tags") or {}).items()}
        streams.append(
            AudioStream(
                index=index,
                language=audio_language(tags.get("language")),
                title=" ".join(str(tags.get("title") or "").split()),
                default=bool((stream.get("disposition") or {}).get("default")),
                channels=as_int(stream.get("channels")),
            )
        )
    return tuple(streams)


def stream_rotation(stream: dict) -> int:
    """Clockwise degrees (0, 90, 180, 270) from the ``rotate`` tag or the display matrix."""
    angle = (stream.get("tags") or {}).get("rotate")
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            angle = -as_float(side["rotation"])  # the display matrix counts counter-clockwise
    return int(round(as_float(angle) / 90.0)) * 90 % 360


def sample_aspect_ratio(stream: dict) -> Fraction:
    """The shape of a stored pixel (width / height); 1 when square, unknown or absurd."""
    try:
        ratio = Fraction(str(stream.get("sample_aspect_ratio") or "1").replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        return Fraction(1)
    return ratio if Fraction(1, 5) < ratio < 5 else Fraction(1)


def frame_rate(stream: dict) -> float:
    """The rate the picture moves at; 0 when unknown.

    A variable frame rate source (a screen recording: 60 fps while something moves, a few
    frames a second on a still slide) has an average far below its real rate; ffprobe's
    ``r_frame_rate`` is that real rate, unless it is a time base (1000, 90000) guessed for
    lack of better, when the average is all there is.
    """
    real, average = parse_rate(stream.get("r_frame_rate")), parse_rate(stream.get("avg_frame_rate"))
    if 0 < real <= MAX_REAL_RATE and real >= average * 0.99:
        return real
    for rate in (average, real):
        if 0 < rate <= 1000:
            return rate
    return 0.0


def parse_rate(text) -> float:
    try:
        return float(Fraction(str(text)))
    except (ValueError, ZeroDivisionError):
        return 0.0


def as_float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def as_int(value) -> int:
    return int(as_float(value))
