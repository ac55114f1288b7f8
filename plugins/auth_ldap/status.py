"""Recording what happened with a site's directory, where its admin sees it."""

from __future__ import annotations

import logging

from core.models import utcnow
from plugins.auth_ldap.models import DirectoryStatus

log = logging.getLogger(__name__)


def site_status(request) -> DirectoryStatus | None:
    return request.dbsession.get(DirectoryStatus, request.site.id)


def _row(request) -> DirectoryStatus:
    row = site_status(request)
    if row is None:
        row = DirectoryStatus(site_id=request.site.id, last_error="")
        request.dbsession.add(row)
    return row


def record_failure(request, message: str) -> None:
    """Log the failure and keep it (with its time) for the site's Directory status page."""
    log.warning("LDAP directory of site %s: %s", request.site.slug, message)
    row = _row(request)
    row.last_error, row.last_error_at = message[:500], utcnow()
    request.dbsession.flush()


def record_success(request) -> None:
    _row(request).last_success_at = utcnow()
    request.dbsession.flush()
