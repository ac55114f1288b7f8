"""The plugin schedules its own purges (not the core's task list), and they run in a worker's transaction."""

from datetime import datetime, timedelta

from sqlalchemy import select

import core.platform.tasks
from core.models import utcnow
from core.platform.tasks import huey, worker_request
from plugins.opencast_ingest.models import DigestNonce
from plugins.opencast_ingest.purge import purge_digest_nonces


def due_at(minute: int) -> set[str]:
    return {task.name for task in huey.read_periodic(datetime(2026, 12, 7, 5, minute))}


def test_the_purges_are_the_plugins_periodic_tasks():
    assert {"purge_digest_nonces"} <= due_at(10) and "purge_abandoned_packages" not in due_at(10)
    assert {"purge_abandoned_packages"} <= due_at(23) and "purge_digest_nonces" not in due_at(23)
    assert not hasattr(core.platform.tasks, "purge_digest_nonces")  # the core lists none of them


def test_the_nonce_purge_forgets_expired_nonces_only(app):
    with worker_request() as request:
        request.dbsession.add_all(
            [
                DigestNonce(nonce="1-purge-old", count=1, expires_at=utcnow() - timedelta(seconds=1)),
                DigestNonce(nonce="2-purge-new", count=1, expires_at=utcnow() + timedelta(seconds=60)),
            ]
        )
    purge_digest_nonces.call_local()
    with worker_request() as request:
        left = set(request.dbsession.scalars(select(DigestNonce.nonce).where(DigestNonce.nonce.like("%-purge-%"))))
        request.dbsession.query(DigestNonce).filter(DigestNonce.nonce.like("%-purge-%")).delete()
    assert left == {"2-purge-new"}
