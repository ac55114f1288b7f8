"""What every ``/api/v1/`` endpoint shares: pagination, JSON bodies, errors, rate limiting."""

from __future__ import annotations

import threading
import time
from collections import deque

from pyramid.httpexceptions import HTTPBadRequest
from sqlalchemy import Select, func, select

from core.errors import TooManyAttempts
from core.i18n import _
from core.security import SESSION_USER

MAX_PER_PAGE = 100


def page_params(request) -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1 to 100) from the query string; a clear 400 otherwise."""
    try:
        page = int(request.params.get("page", 1))
        per_page = int(request.params.get("per_page", 20))
    except ValueError:
        raise HTTPBadRequest(_("page and per_page are whole numbers.")) from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise HTTPBadRequest(_("page starts at 1; per_page is between 1 and 100."))
    return page, per_page


def paginated(request, query: Select, render) -> dict:
    """``{items, page, per_page, total, next, previous}`` for a query of rows."""
    page, per_page = page_params(request)
    total = request.dbsession.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = request.dbsession.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()

    def link(number: int) -> str:
        return request.current_route_url(_query={**request.GET, "page": number, "per_page": per_page})

    return {"items": [render(request, row) for row in rows], "page": page, "per_page": per_page, "total": total,
            "next": link(page + 1) if page * per_page < total else None,
            "previous": link(page - 1) if page > 1 else None}


def json_object(request) -> dict:
    """The request's JSON object body, or a clear 400."""
    try:
        body = request.json_body
    except ValueError:
        raise HTTPBadRequest(_("The body must be a JSON object.")) from None
    if not isinstance(body, dict):
        raise HTTPBadRequest(_("The body must be a JSON object."))
    return body


class SlidingWindow:
    """At most ``limit`` calls per minute per key, in this process (each server process counts its own)."""

    def __init__(self):
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


def rate_limit(event) -> None:
    """NewRequest subscriber for ``/api/v1/``: per token, else per user, else per address."""
    request = event.request
    if not request.path.startswith("/api/v1/"):
        return
    limit = int(request.registry.settings.get("amphi.api.rate_limit") or 0)
    if not limit:
        return
    token = request.headers.get("Authorization", "")[-16:]
    key = f"{request.host}|{token or request.session.get(SESSION_USER) or request.client_addr}"
    wait = WINDOW.allow(key, limit)
    if wait:
        seconds = max(1, int(wait + 0.999))
        raise TooManyAttempts(request.localizer.translate(_("Too many requests; try again in ${s} seconds.",
                                                            mapping={"s": seconds})),
                              info={"retry_after": seconds})
