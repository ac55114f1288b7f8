"""Personal regions of a page: what only the visitor who asked sees (the account menu, their notes).

A template writes ``{{ personal("account") }}`` (or ``personal("notes.panel", video_id=video.id)``)
where a page shows something that belongs to the visitor rather than to the page. Everything else in
a page must depend only on the URL, the language and the visitor's access (signed in or not, roles,
groups), so that the rest can be shared between visitors.

A region is rendered by the function registered under its name with :func:`personal_fragment`; it takes
the request and the keyword arguments the template gave (plain JSON values) and returns markup.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

Renderer = Callable[..., str]

#: name -> renderer, filled at import time by :func:`personal_fragment`.
FRAGMENTS: dict[str, Renderer] = {}


def personal_fragment(name: str) -> Callable[[Renderer], Renderer]:
    """Register ``renderer(request, **kwargs) -> markup`` as the personal region ``name``."""

    def register(renderer: Renderer) -> Renderer:
        FRAGMENTS[name] = renderer
        return renderer

    return register


def render_personal(request, name: str, **kwargs) -> Markup:
    """The region ``name`` rendered for this request's visitor."""
    return Markup(FRAGMENTS[name](request, **kwargs))
