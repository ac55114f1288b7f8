"""Stream keys: ``<event id>-<audio id>-<generation>-<MAC>`` (audio id 0: the main stream).

Nothing secret is stored: the MAC is an HMAC of the rest with a key derived from the installation's
secret, so the owners' panel can show the key at any time, a database dump reveals none, and a
rotation (the generation goes up) makes every older key of that stream worthless at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from core.plugin_api import derived_key
from plugins.live.models import LiveAudio, LiveEvent

KEY_PATTERN = re.compile(r"^(\d{1,12})-(\d{1,12})-(\d{1,9})-([0-9a-f]{32})$")


@dataclass(frozen=True)
class ParsedKey:
    """What a well-formed key claims (its MAC checked, not yet its generation or its event)."""

    event_id: int
    audio_id: int
    generation: int


def _mac(settings, event_id: int, audio_id: int, generation: int) -> str:
    message = f"{event_id}:{audio_id}:{generation}".encode()
    return hmac.new(derived_key(settings, "live.stream-key"), message, hashlib.sha256).hexdigest()[:32]


def stream_key(settings, event: LiveEvent, audio: LiveAudio | None = None) -> str:
    """The current key of the event's main stream, or of an interpreter's ``audio`` stream."""
    audio_id, generation = (audio.id, audio.key_generation) if audio is not None else (0, event.key_generation)
    return f"{event.id}-{audio_id}-{generation}-{_mac(settings, event.id, audio_id, generation)}"


def parse_key(settings, name: str) -> ParsedKey | None:
    """The key's claims when its MAC is right, else None (a wrong, forged or truncated key)."""
    match = KEY_PATTERN.match(name or "")
    if match is None:
        return None
    event_id, audio_id, generation = (int(match.group(n)) for n in (1, 2, 3))
    if not hmac.compare_digest(match.group(4), _mac(settings, event_id, audio_id, generation)):
        return None
    return ParsedKey(event_id, audio_id, generation)


def rotate(event: LiveEvent, audio: LiveAudio | None = None) -> None:
    """Make the stream's current key worthless; the next one is shown to the owners."""
    if audio is None:
        event.key_generation += 1
    else:
        audio.key_generation += 1


def stream_name(event_id: int, language: str = "") -> str:
    """The name nginx-rtmp renames an admitted stream to: ``e<id>`` or ``e<id>_<language>``."""
    return f"e{event_id}_{language}" if language else f"e{event_id}"
