"""What the plugin forgets on its own: expired Digest nonces, and media packages nobody ingested.

Both run in every worker where the plugin is installed (huey's periodic tasks are registered
when this module is imported), whatever the sites enable: the rows are the plugin's alone.
"""

from __future__ import annotations

from datetime import timedelta

from huey import crontab
from sqlalchemy import select

from core.models import Site, utcnow
from core.plugin_api import get_storage, huey, plugin_settings, site_prefix, worker_request
from plugins.opencast_ingest.httpauth import purge_nonces
from plugins.opencast_ingest.models import IngestPackage

NAME = "opencast_ingest"
#: The ini name of ``amphi.opencast_ingest.expire_hours`` before the protocol left the core; still honoured.
FORMER_EXPIRE_SETTING = "amphi.ingest.expire_hours"


def purge_abandoned(request, older_than: timedelta) -> int:
    """Forget packages older than ``older_than`` and delete what is left of their files; return how many.

    An ingested package's tracks were moved to its video: only its catalogues remain.
    """
    packages = request.dbsession.scalars(
        select(IngestPackage).where(IngestPackage.created_at < utcnow() - older_than)
    ).all()
    for package in packages:
        site = request.dbsession.get(Site, package.site_id)
        get_storage(request.registry, site).delete_prefix(f"{site_prefix(package.site_id)}/ingest/{package.id}")
        request.dbsession.delete(package)
    return len(packages)


def declared_expiry(registry):
    """The declaration of ``expire_hours``: the former name's value is checked by the same rules."""
    return registry.plugins.infos[NAME].settings.declared["expire_hours"]


def expire_hours(registry) -> float:
    """How long an open package is kept (``amphi.opencast_ingest.expire_hours``)."""
    settings = registry.settings
    if f"amphi.{NAME}.expire_hours" not in settings and FORMER_EXPIRE_SETTING in settings:
        return float(declared_expiry(registry).coerce(settings[FORMER_EXPIRE_SETTING]))
    return float(plugin_settings(registry, None, NAME)["expire_hours"])


@huey.periodic_task(crontab(minute="23"))
def purge_abandoned_packages() -> None:
    """Forget the packages opened longer ago than ``expire_hours``, with their files."""
    with worker_request() as request:
        purge_abandoned(request, timedelta(hours=expire_hours(request.registry)))


@huey.periodic_task(crontab(minute="*/10"))
def purge_digest_nonces() -> None:
    """Forget the Digest nonces that expired (their counts no longer matter: they are refused as stale)."""
    with worker_request() as request:
        purge_nonces(request.dbsession)
