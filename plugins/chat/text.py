"""A message's text as HTML: everything escaped, http(s) addresses made into safe links."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

#: A web address as people paste them; other schemes (``javascript:``, ``data:``) stay text.
URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?)]}»"
LINK = Markup('<a href="{href}" rel="nofollow noopener ugc" target="_blank">{text}</a>')


def render_text(text: str) -> Markup:
    """``text`` escaped, with its http and https addresses as links that pass no reputation nor window."""
    parts, last = [], 0
    for match in URL.finditer(text):
        address = match.group(0).rstrip(TRAILING)
        if address.count("(") > address.count(")") and match.group(0)[len(address) :].startswith(")"):
            address += ")"  # a Wikipedia-style address keeps its closing parenthesis
        start, end = match.start(), match.start() + len(address)
        parts.append(escape(text[last:start]))
        parts.append(LINK.format(href=address, text=address))
        last = end
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
