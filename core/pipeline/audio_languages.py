"""The language and name of an audio rendition, from a stream's tags or an owner's choice.

Media files tag a stream's language in ISO 639-2 (``fre``/``fra``, ``eng``); HLS and browsers speak
BCP 47 (``fr``, ``en``). A rendition without a title is named after its language, in that language
("Français", "English"), so that a viewer finds their own language whatever the page's.
"""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

#: ISO 639-2 codes that name no language: undetermined, multiple, none, uncoded.
NO_LANGUAGE = {"und", "mul", "zxx", "mis", ""}
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def audio_language(tag: str | None) -> str:
    """``fre``/``fra``/``fr-FR`` -> ``fr`` (BCP 47's shortest form of the language); ``und`` or unknown -> ``""``."""
    tag = (tag or "").strip()
    if tag.lower() in NO_LANGUAGE or not LANGUAGE_TAG.match(tag):
        return ""
    try:
        # Babel knows ISO 639-2's bibliographic and terminologic codes as aliases of the two-letter ones.
        return Locale.parse(tag.replace("-", "_")).language
    except (UnknownLocaleError, ValueError):
        return ""


def native_name(language: str) -> str:
    """The language's name in itself, capitalised (``fr`` -> ``Français``); ``""`` when unknown."""
    try:
        name = Locale.parse(language).get_display_name(language) if language else ""
    except (UnknownLocaleError, ValueError):
        return ""
    return name[:1].upper() + name[1:] if name else ""


def audio_name(title: str | None, language: str, position: int) -> str:
    """A rendition's name: its title, else its language's own name, else "Audio N" (``position`` from 1)."""
    title = " ".join((title or "").split())[:100]
    return title or native_name(language) or f"Audio {position}"
