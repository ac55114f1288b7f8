"""Personal regions of a page: what only the visitor who asked sees (the account menu, their notes).

A template writes ``{{ personal("account") }}`` (or ``personal("notes.panel", video_id=video.id)``)
where a page shows something that belongs to the visitor rather than to the page. Everything else in
a page must depend only on the URL, the language and the visitor's access (signed in or not, roles,
groups), so that the rest can be shared between visitors: a page of a signed-in visitor is kept by
the page cache with a marker in place of each region, and the region is rendered for each visitor
the page is sent to (:mod:`core.pagecache.regions`).

A region is rendered by the function registered under its name with :func:`personal_fragment`; it takes
the request and the keyword arguments the template gave (plain JSON values) and returns markup. A
plugin registers its regions through ``core.plugin_api.personal_fragment`` and writes them with
``core.plugin_api.personal``.
"""

from __future__ import annotations

from core.pagecache.regions import FRAGMENTS, Renderer, personal_fragment, render_personal

__all__ = ["FRAGMENTS", "Renderer", "personal_fragment", "render_personal"]
