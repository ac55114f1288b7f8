"""A document's facet terms in one text column, so that counting the facets of many matches
reads one value per match instead of one index entry per term.

``facet US value US label``, terms separated by RS (the ASCII unit and record separators),
backslash-escaped where a value or label holds one of them. The terms table stays the one
that filters; this column only counts, in Python, exactly as ``GROUP BY facet, value`` would.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import chain

from core.plugin_api import FacetCount

TERM, FIELD = "\x1e", "\x1f"
ESCAPES = {"\\": "\\\\", TERM: "\\x1e", FIELD: "\\x1f"}
ESCAPED = re.compile(r"\\(\\|x1e|x1f)")
UNESCAPES = {"\\": "\\", "x1e": TERM, "x1f": FIELD}


def escape(text: str) -> str:
    for plain, escaped in ESCAPES.items():
        text = text.replace(plain, escaped)
    return text


def unescape(text: str) -> str:
    return ESCAPED.sub(lambda match: UNESCAPES[match.group(1)], text) if "\\" in text else text


def encode(terms: Iterable[tuple[str, str, str]]) -> str:
    """``[(facet, value, label)]`` -> the column's text (facet names are plain: core.catalogue.search.FACET_NAME)."""
    return TERM.join(f"{facet}{FIELD}{escape(value)}{FIELD}{escape(label)}" for facet, value, label in terms)


def tally(encoded: Iterable[str]) -> Counter:
    """How many documents hold each term (a document holds a term once)."""
    return Counter(chain.from_iterable(text.split(TERM) for text in encoded if text))


def facet_counts(counter: Counter, only: str | None = None) -> dict[str, list[FacetCount]]:
    """The counts per facet and value (the smallest label of a value, as SQL's ``min``), sorted by value."""
    merged: dict[str, dict[str, tuple[int, str]]] = {}
    for term, count in counter.items():
        facet, value, label = term.split(FIELD)
        if only is not None and facet != only:
            continue
        value, label = unescape(value), unescape(label)
        known = merged.setdefault(facet, {}).get(value)
        merged[facet][value] = (count, label) if known is None else (known[0] + count, min(known[1], label))
    return {
        facet: [FacetCount(value, label or value, count) for value, (count, label) in sorted(values.items())]
        for facet, values in sorted(merged.items())
    }
