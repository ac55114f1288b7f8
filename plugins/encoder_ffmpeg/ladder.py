"""The rendition ladder: which sizes and bitrates a source gets (no ffmpeg here: pure rules)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from core.plugin_api import MediaInfo, Rung

#: Every rung this plugin knows, by its number of lines (the short side), with a default video bitrate in kbit/s.
KNOWN_RUNGS = {"360p": 800, "480p": 1400, "720p": 2800, "1080p": 5000, "1440p": 8000, "2160p": 14000}
DEFAULT_RUNGS = "360p 480p 720p 1080p"
MAXRATE_FACTOR = 1.07  # peak allowed over the average (Apple's authoring guide suggests ≤ 110 %)
BUFSIZE_FACTOR = 1.5
STANDARD_RATES = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
)
MAX_FPS = 60


def rung_lines(name: str) -> int:
    """``"720p"`` -> 720."""
    return int(name.rstrip("p"))


def even(value: float) -> int:
    """The nearest even whole number, at least 2 (H.264 in 4:2:0 needs even sizes)."""
    return max(2, int(round(value / 2.0)) * 2)


def rung_size(info: MediaInfo, lines: int) -> tuple[int, int]:
    """Width and height for ``lines`` on the short side, keeping the displayed aspect ratio."""
    width, height = info.width, info.height
    if width >= height:
        return even(lines * width / height), even(lines)
    return even(lines), even(lines * height / width)


def chosen_rungs(settings: Mapping) -> list[str]:
    """The enabled rung names, known ones only, from the smallest up."""
    names = [n for n in settings["rungs"] if n in KNOWN_RUNGS]
    return sorted(set(names), key=rung_lines) or ["360p"]


def rung_bitrate(settings: Mapping, name: str, width: int, height: int) -> int:
    """bits/s: the setting for ``name`` scaled by the frame's area against a 16:9 frame of that rung."""
    kbits = settings[f"bitrate_{name}"]
    lines = rung_lines(name)
    reference_area = lines * lines * 16 / 9
    scale = min(2.0, max(0.25, width * height / reference_area))
    return int(kbits * 1000 * scale)


def make_rung(settings: Mapping, name: str, width: int, height: int, label: str | None = None) -> Rung:
    bitrate = rung_bitrate(settings, name, width, height)
    return Rung(
        name=label or name,
        width=width,
        height=height,
        video_bitrate=bitrate,
        maxrate=int(bitrate * MAXRATE_FACTOR),
        bufsize=int(bitrate * BUFSIZE_FACTOR),
        audio_bitrate=settings["audio_bitrate"] * 1000,
    )


def encoding_ladder(settings: Mapping, info: MediaInfo) -> list[Rung]:
    """The renditions for ``info``: never upscaled, aspect kept, even sizes; empty for audio only.

    A rung's number applies to the short side (a vertical video's 720p is 720 pixels wide). Rungs
    above the source are skipped; a source smaller than the lowest rung gets that rung at its own size.
    """
    if not info.has_video or not info.width or not info.height:
        return []
    short_side = min(info.width, info.height)
    names = chosen_rungs(settings)
    ladder = [make_rung(settings, n, *rung_size(info, rung_lines(n))) for n in names if rung_lines(n) <= short_side]
    if not ladder:
        width, height = even_floor(info.width), even_floor(info.height)
        ladder = [make_rung(settings, names[0], width, height, label=f"{min(width, height)}p")]
    return ladder


def even_floor(value: int) -> int:
    return max(2, value - value % 2)


def output_frame_rate(fps: float, most: int = MAX_FPS) -> Fraction:
    """A constant output rate for a source's rate: a standard rate when close, at most ``most``.

    Above ``most``, every other frame is dropped when that lands close enough under it (100 -> 50,
    60 -> 30 under a cap of 30), so that motion stays even; otherwise the rate is ``most``.
    """
    most = max(1, most)
    if fps <= 0:
        return output_frame_rate(25, most)
    if fps > most * 1.01:
        return output_frame_rate(fps / 2, most) if fps / 2 >= most * 5 / 6 else Fraction(most)
    closest = min(STANDARD_RATES, key=lambda rate: abs(float(rate) - fps))
    if abs(float(closest) - fps) / float(closest) < 0.01:
        return closest
    return Fraction(max(1, round(fps)))


def encoding_frame_rate(settings: Mapping, info: MediaInfo) -> Fraction:
    """The constant rate every rung is encoded at: the source's real rate, capped by ``max_fps``."""
    return output_frame_rate(info.fps, max(1, settings["max_fps"]))


def gop_frames(fps: Fraction, segment_seconds: int) -> int:
    """Frames between keyframes: one segment's length."""
    return max(1, int(round(float(fps) * segment_seconds)))
