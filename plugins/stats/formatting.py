"""Numbers, sizes and durations written the way the reader's language writes them."""

from __future__ import annotations

from babel.numbers import format_decimal
from babel.units import format_unit

_SIZES = (
    ("digital-terabyte", 10**12),
    ("digital-gigabyte", 10**9),
    ("digital-megabyte", 10**6),
    ("digital-kilobyte", 10**3),
)


def number(request, value: float, digits: int = 0) -> str:
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, pattern, locale=request.locale_name)


def size(request, n_bytes: int) -> str:
    """``1,5 Go`` / ``1.5 GB``: decimal units, one decimal."""
    for unit, factor in _SIZES:
        if n_bytes >= factor:
            return format_unit(n_bytes / factor, unit, length="short", format="#,##0.#", locale=request.locale_name)
    return format_unit(n_bytes, "digital-byte", length="short", locale=request.locale_name)


def hours(request, seconds: float) -> str:
    """``2,5 h`` / ``2.5 hr``, to the hundredth of an hour."""
    return format_unit(seconds / 3600, "duration-hour", length="short", format="#,##0.##", locale=request.locale_name)


def duration(request, seconds: float) -> str:
    """A watch time in the unit that reads best: ``45 s``, ``12,5 min``, ``3,25 h``."""
    locale = request.locale_name
    if seconds >= 3600:
        return hours(request, seconds)
    if seconds >= 60:
        return format_unit(seconds / 60, "duration-minute", length="short", format="#,##0.#", locale=locale)
    return format_unit(round(seconds), "duration-second", length="short", locale=locale)
