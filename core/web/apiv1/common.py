"""What every ``/api/v1/`` endpoint shares: pagination, JSON bodies, errors, rate limiting."""

from __future__ import annotations

import threading
import time
from collections import deque

from pyramid.httpexceptions import HTTPBadRequest
from sqlalchemy import Select, func, select

from core.access.tokens import uses_bearer
from core.platform.errors import TooManyAttempts
from core.platform.i18n import _
from core.platform.settings import setting
from core.web.apiv1.contract import check_body
from core.web.apiv1.openapi import MAX_PER_PAGE
from core.web.inputs import MAX_PAGE, int_param, json_body


def page_params(request, max_page: int = MAX_PAGE) -> tuple[int, int]:
    """``page`` (1 to ``max_page``) and ``per_page`` (1 to 100) from the query string; a clear 400 otherwise."""
    return (
        int_param(request, "page", 1, minimum=1, maximum=max_page),
        int_param(request, "per_page", 20, minimum=1, maximum=MAX_PER_PAGE),
    )


def page_links(request, page: int, per_page: int, has_next: bool) -> dict:
    """``{next, previous}``: the URLs of the neighbouring pages, every other parameter kept (repeated ones too)."""
    kept = [(k, v) for k, v in request.GET.items() if k not in ("page", "per_page")]

    def link(number: int) -> str:
        return request.current_route_url(_query=[*kept, ("page", number), ("per_page", per_page)])

    return {"next": link(page + 1) if has_next else None, "previous": link(page - 1) if page > 1 else None}


def paginated(request, query: Select, render) -> dict:
    """``{items, page, per_page, total, next, previous}`` for a query of rows."""
    page, per_page = page_params(request)
    total = request.dbsession.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = request.dbsession.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": [render(request, row) for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        **page_links(request, page, per_page, page * per_page < total),
    }


def json_object(request) -> dict:
    """The request's JSON object body, as the operation's documented schema allows it, or a clear 400."""
    body = json_body(request)
    if not isinstance(body, dict):
        raise HTTPBadRequest(_("The body must be a JSON object."))
    check_body(request, body)
    return body


class SlidingWindow:
    """At most ``limit`` calls per minute per key, in this process (each server process counts its own)."""

    def __init__(self) -> None:
        self.calls: dict[str, deque] = {}
        self.lock = threading.Lock()

    def allow(self, key: str, limit: int, now: float | None = None) -> float:
        """0 when the call may go on, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self.lock:
            calls = self.calls.setdefault(key, deque())
            while calls and calls[0] <= now - 60:
                calls.popleft()
            if len(calls) >= limit:
                return calls[0] + 60 - now
            calls.append(now)
            if len(self.calls) > 100_000:  # forget idle keys rather than grow without end
                for idle in [k for k, v in self.calls.items() if not v or v[-1] <= now - 60]:
                    del self.calls[idle]
            return 0.0


WINDOW = SlidingWindow()


def rate_limit_key(request) -> str:
    """Who is counted: a valid token, else the signed-in user, else the client's address.

    Nothing a caller may vary at will (the Host header, an invented token) gives a fresh count: an
    unknown token counts against its sender's address. The address is the connection's own
    (``REMOTE_ADDR``, which the server sets from a trusted proxy's header), not ``X-Forwarded-For``.
    """
    if uses_bearer(request):
        token = request.access_token
        return f"token:{token.id}" if token is not None else f"address:{request.remote_addr}"
    user = request.user
    return f"user:{user.id}" if user is not None else f"address:{request.remote_addr}"


def rate_limit(event) -> None:
    """NewRequest subscriber for ``/api/v1/``: at most ``amphi.api.rate_limit`` calls a minute per caller."""
    request = event.request
    if not request.path.startswith("/api/v1/"):
        return
    limit = setting(request.registry.settings, "amphi.api.rate_limit")
    if not limit:
        return
    wait = WINDOW.allow(rate_limit_key(request), limit)
    if wait:
        seconds = max(1, int(wait + 0.999))
        raise TooManyAttempts(
            request.localizer.translate(_("Too many requests; try again in ${s} seconds.", mapping={"s": seconds})),
            info={"retry_after": seconds},
        )
