"""Text written by users: Markdown rendered safely, and titles made into slugs.

markdown-it-py with raw HTML off: whatever a description holds, the output is
escaped text plus the tags Markdown itself produces. Plain URLs (``https://…``,
``www.…``) become links (linkify-it-py); fuzzy e-mail addresses are left as text. Links carry
``rel="nofollow noopener"`` and dangerous schemes (``javascript:``, ``data:``)
are refused by markdown-it's link validation. Images are not rendered (no
third-party requests from a video page): their syntax becomes a plain link.
"""

from __future__ import annotations

import re
import unicodedata

from markdown_it import MarkdownIt
from markupsafe import Markup

LINK_REL = "nofollow noopener"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"]).disable("image")
    assert md.linkify is not None  # linkify-it-py is installed (setup.py)
    md.linkify.set({"fuzzy_email": False})

    def link_open(renderer, tokens, idx, options, env):
        tokens[idx].attrSet("rel", LINK_REL)
        return renderer.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_markdown = _parser()


def render_markdown(text: str | None) -> Markup:
    """HTML for the Markdown ``text``, safe to put in a page as is."""
    return Markup(_markdown.render(text or ""))


def slugify(text: str, max_length: int = 100) -> str:
    """``Cours d'Économie 1`` -> ``cours-d-economie-1`` (never empty)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
    return slug or "video"
