"""What a request brings, checked once for every route: a bad input is a 4xx in the site's error shape.

- the path, the query string and a form body must be UTF-8 text without NUL characters (which PostgreSQL
  cannot store) (:func:`text_tween_factory`, before anything reads them);
- an id in a path (a ``{name:\\d+}`` placeholder) fits the database's 64-bit integers, else the thing
  does not exist (:func:`refuse_impossible_ids`);
- whole numbers from a query string or a form go through :func:`whole_number` / :func:`int_param`;
- JSON bodies go through :func:`json_body`: no ``NaN``/``Infinity``, no number the database cannot
  hold, no lone surrogate (not UTF-8), no NUL character, at most :data:`MAX_JSON_DEPTH` levels.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import unquote_to_bytes

from pyramid.events import ContextFound
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound

from core.platform.errors import ValidationError
from core.platform.i18n import _

#: The largest id a row can have (a signed 64-bit integer on PostgreSQL and SQLite).
MAX_ID = 2**63 - 1
#: The last page of a list that may be asked for: an offset past the database's integers would fail.
MAX_PAGE = 1_000_000
MAX_JSON_DEPTH = 32
_DIGITS = re.compile(r"[0-9]{1,19}")
_ID_PLACEHOLDER = re.compile(r"\{(\w+):\\d\+\}")


# --- whole numbers ----------------------------------------------------------------------------------


def whole_number(text, field: str, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """``text`` (ASCII digits) as an int between ``minimum`` and ``maximum``, else a :class:`ValidationError`."""
    if isinstance(text, str) and _DIGITS.fullmatch(text) and minimum <= int(text) <= maximum:
        return int(text)
    raise ValidationError(
        {field: _("A whole number from ${min} to ${max} is expected.", mapping={"min": minimum, "max": maximum})}
    )


def int_param(request, name: str, default: int, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """The query-string parameter ``name`` as an int (``default`` when absent), or a 400 that names it."""
    value = request.GET.get(name)
    return default if value is None else whole_number(value, name, minimum, maximum)


# --- ids in paths -----------------------------------------------------------------------------------


def id_names(pattern: str) -> tuple[str, ...]:
    """The placeholders of a route pattern that hold ids (``{video_id:\\d+}``)."""
    return tuple(_ID_PLACEHOLDER.findall(pattern))


def refuse_impossible_ids(event) -> None:
    """ContextFound: an id above :data:`MAX_ID` names nothing (the database could not even be asked)."""
    request = event.request
    route = getattr(request, "matched_route", None)
    if route is None:
        return
    for name in id_names(route.pattern):
        value = request.matchdict.get(name) or "0"
        if len(value) > 19 or int(value) > MAX_ID:
            raise HTTPNotFound()


# --- text -------------------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"


def _is_text(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\0" not in raw


def not_text(request) -> bool:
    """Whether the path, the query string or a form body (as WSGI gives them) is not UTF-8 text once unquoted."""
    environ = request.environ
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1")
    query = unquote_to_bytes(environ.get("QUERY_STRING", "").encode("latin-1"))
    form = unquote_to_bytes(request.body.replace(b"+", b" ")) if request.content_type == FORM else b""
    return not (_is_text(path) and _is_text(query) and _is_text(form))


def text_tween_factory(handler, registry):
    """Answer 400 (the site's error page, or JSON under ``/api/``) to a path, query or form that is not text.

    Everything reads the path (routing, the page cache, templates): it is repaired first, so that
    the error page itself can be made; the query string and the form are dropped.
    """

    def tween(request):
        if not not_text(request):
            return handler(request)
        environ = request.environ
        for key in ("SCRIPT_NAME", "PATH_INFO"):
            raw = environ.get(key, "").encode("latin-1").replace(b"\0", b"")
            environ[key] = raw.decode("utf-8", "replace").encode("utf-8").decode("latin-1")
        environ["QUERY_STRING"] = ""
        request.body = b""
        request.context = None  # no route was looked for; the error page still asks for permissions
        try:
            raise HTTPBadRequest(_("The address or the form is not valid text (UTF-8, without NUL characters)."))
        except HTTPBadRequest:
            return request.invoke_exception_view()

    return tween


# --- JSON bodies ------------------------------------------------------------------------------------


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _check_json_value(value, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise ValueError("nested too deeply")
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate ("\ud800") raises UnicodeEncodeError, a ValueError
        if "\0" in value:
            raise ValueError("a NUL character")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_ID:
            raise ValueError("number too large")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("number too large")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json_value(key, depth + 1)
            _check_json_value(item, depth + 1)
    else:
        for item in value:
            _check_json_value(item, depth + 1)


def parse_json(text: str | bytes):
    """``json.loads`` for text from outside: raises ``ValueError`` on anything :mod:`core.web.inputs` refuses."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    _check_json_value(value)
    return value


def json_body(request):
    """The request's JSON body (parsed once, then kept), or a 400 in the site's error shape."""
    if "amphi.json_body" not in request.environ:
        try:
            request.environ["amphi.json_body"] = parse_json(request.body)
        except ValueError:
            raise HTTPBadRequest(
                _(
                    "The body is not valid JSON (UTF-8, finite numbers that fit 64 bits, at most ${depth} levels).",
                    mapping={"depth": MAX_JSON_DEPTH},
                )
            ) from None
    return request.environ["amphi.json_body"]


def finite_number(value) -> float:
    """A JSON number as a float, or ``ValueError`` (``true``, strings, ``NaN`` are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("a finite number is expected")
    return float(value)


def includeme(config):

    config.add_subscriber(refuse_impossible_ids, ContextFound)
    config.add_tween(
        "core.web.inputs.text_tween_factory",
        under="pyramid_tm.tm_tween_factory",
        over="core.pagecache.page_cache_tween_factory",
    )
