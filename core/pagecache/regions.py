"""Personal regions of a shared page: markers in the stored page, filled for each visitor who gets it.

A page rendered for a signed-in visitor may be served again to every visitor with the same access
(:mod:`core.pagecache`). What in it belongs to the visitor (their name in the account menu, their
notes, their resume position) is a *region*: while such a page is rendered, ``personal(name,
**kwargs)`` writes a marker instead of the region, and the CSRF token is a marker too; the page is
stored with its markers, and every time it is sent (the first time included) each marker is
replaced by the region rendered for that visitor (:func:`fill`).

A marker carries a secret of the process (:data:`NONCE`), which no page ever shows (every marker is
replaced before a page leaves), so text written by a user cannot pass for a marker. It is made of
characters that HTML, attribute and JSON escaping leave alone (``amphi~<nonce>~<base64>~``), so it
may stand in a text, an attribute or a URL (a signed media URL is a region: it names its viewer).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from markupsafe import Markup, escape

from core.pagecache.generation import has_pending_changes

#: A region's renderer: ``renderer(request, **kwargs)`` gives markup (or a value written as text).
Renderer = Callable[..., object]
R = TypeVar("R", bound=Renderer)

#: name -> renderer, filled at import time by :func:`personal_fragment`.
FRAGMENTS: dict[str, Renderer] = {}
#: Names of the regions that may be remembered (:func:`personal_fragment`'s ``remember``).
REMEMBERED: set[str] = set()
_memo: OrderedDict[tuple, bytes] = OrderedDict()
_MEMO_SIZE = 20_000
_memo_lock = threading.Lock()
#: environ: the content generation of a page served or rendered to be shared (set by :mod:`core.pagecache`).
GENERATION = "amphi.page_cache.generation"
#: environ: the personal generation read with it (:mod:`core.pagecache.generation`).
PERSONAL_GENERATION = "amphi.page_cache.personal_generation"

#: Secret of this process's markers.
NONCE = secrets.token_hex(12)
_MARKER = re.compile(rb"amphi~" + NONCE.encode() + rb"~(csrf|[A-Za-z0-9_=-]+)~")
#: environ: the page is being rendered to be shared (regions and the CSRF token are written as markers).
SHARING = "amphi.personal.sharing"
#: environ: a marker was written in this response.
MARKED = "amphi.personal.marked"


def personal_fragment(name: str, remember: bool = False) -> Callable[[R], R]:
    """Register ``renderer(request, **kwargs) -> markup`` as the personal region ``name``.

    ``remember=True``: the region shows only what the database holds (tables whose writes bump the
    content or the personal generation) for this user, language, page address and arguments, so that,
    filled into a shared page, it is rendered once per user and generations (its CSRF token stays each
    session's own).
    A region that shows a session's flash messages, a position or anything else must not say so.
    """

    def register(renderer: R) -> R:
        FRAGMENTS[name] = renderer
        if remember:
            REMEMBERED.add(name)
        return renderer

    return register


def _generations(request) -> tuple | None:
    """The generations this request's remembered values are stamped with; ``None``: nothing is remembered
    (not a shared page, or its transaction wrote what a cache would not show yet)."""
    environ = request.environ
    generation = environ.get(GENERATION)
    if generation is None:
        return None
    session = getattr(request, "dbsession", None)  # a request made by hand (tests) may have none
    if session is not None and session.in_transaction() and has_pending_changes(session, personal=True):
        return None
    return generation, environ.get(PERSONAL_GENERATION)


def remember_for_user(request, what: tuple, compute: Callable[[], object]):
    """``compute()``, remembered per user, site and generations while this request's page is shared or served
    from the cache (else computed every time). ``compute`` reads only tables whose writes bump the content or
    the personal generation (:data:`core.models.PERSONAL`), for the request's user."""
    generations = _generations(request)
    if generations is None:
        return compute()
    user = request.user
    key = ("value", what, request.site.id, user.id if user else None, generations)
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    value = compute()
    _keep(key, value)
    return value


def _keep(key: tuple, value) -> None:
    with _memo_lock:
        _memo[key] = value
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)


def sharing(request) -> bool:
    """Whether this request's page is rendered to be shared with other visitors (markers, not regions)."""
    return bool(request.environ.get(SHARING))


def render_personal(request, name: str, /, **kwargs) -> Markup:
    """The region ``name`` for this request's visitor, or its marker while a page to share is rendered.

    ``kwargs`` are plain JSON values (ids, not objects).
    """
    if name not in FRAGMENTS:
        raise KeyError(f"no personal region named {name!r}")
    if not sharing(request):
        return Markup(FRAGMENTS[name](request, **kwargs))
    request.environ[MARKED] = True
    payload = base64.urlsafe_b64encode(json.dumps([name, kwargs], separators=(",", ":")).encode()).decode()
    return Markup(f"amphi~{NONCE}~{payload}~")


def csrf_marker(request) -> Markup:
    """The CSRF token's marker (the session's own token is put in its place for each visitor)."""
    request.environ[MARKED] = True
    return Markup(f"amphi~{NONCE}~csrf~")


def has_markers(request) -> bool:
    return bool(request.environ.get(MARKED))


def fill(request, body: bytes, csrf_token: Callable[[], str]) -> bytes:
    """``body`` with each marker replaced by its region rendered for ``request``'s visitor.

    A region is rendered as the page was (while a page to share is rendered, its own CSRF token and
    regions are markers too, so that a region may be remembered): its markers are filled in turn.
    Regions may only come from this process's markers: anything else in the page is left as it is.
    """
    nonce = NONCE.encode()
    if nonce not in body:
        return body
    token: list[bytes] = []

    def replace(match: re.Match) -> bytes:
        what = match.group(1)
        if what == b"csrf":
            if not token:
                token.append(str(escape(csrf_token())).encode())
            return token[0]
        name, kwargs = json.loads(base64.urlsafe_b64decode(what))
        key = None
        if name in REMEMBERED:
            generations = _generations(request)
            if generations is not None:
                user = request.user
                key = (what, request.host, request.path_qs, user.id if user else None, request.locale_name, generations)
                with _memo_lock:
                    made = _memo.get(key)
        if key is None or made is None:
            made = str(Markup(FRAGMENTS[name](request, **kwargs))).encode()
            if key is not None:
                _keep(key, made)
        return _MARKER.sub(replace, made) if nonce in made else made

    return _MARKER.sub(replace, body)
