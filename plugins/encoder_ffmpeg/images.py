"""Small pictures made from a poster: the image of a video card (``amphi_card_image``)."""

from __future__ import annotations

import logging
import subprocess

log = logging.getLogger(__name__)


def card_image_command(source: str, out: str, width: int, height: int) -> list[str]:
    """argv resizing ``source`` to fit ``width`` x ``height`` (aspect kept, never enlarged) as a JPEG."""
    fit = (
        f"scale=w='min({width},iw)':h='min({height},ih)':force_original_aspect_ratio=decrease,"
        "scale=trunc(iw/2)*2:trunc(ih/2)*2"
    )
    return ["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", source, "-frames:v", "1", "-vf", fit, "-q:v", "4", out]


def card_image(source: str, out: str, width: int, height: int) -> bool | None:
    """Write the card image; None (the card shows its placeholder) when ffmpeg fails."""
    try:
        done = subprocess.run(card_image_command(source, out, width, height), capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("card image of %s not made: %s", source, exc)
        return None
    if done.returncode != 0:
        log.warning("card image of %s not made: %s", source, done.stderr.decode(errors="replace")[-500:])
        return None
    return True
