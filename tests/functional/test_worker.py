"""A real huey consumer (``amphi worker``) boots the app and runs tasks from the queue."""

import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import insert, select

from core.models import RateLimitHit, Site, utcnow
from core.platform.db import make_engine
from core.testing import temporary_database, write_ini

ENQUEUE = """
import sys
from pyramid.paster import bootstrap
with bootstrap(sys.argv[1]):
    from core.access.ratelimit import purge_rate_limits
    purge_rate_limits()
"""


def test_the_worker_consumes_queued_tasks(tmp_path):
    with temporary_database(tmp_path) as url:
        ini = write_ini(tmp_path, url)
        subprocess.run([sys.executable, "-m", "core.cli", "-c", str(ini), "init"], check=True, capture_output=True)
        engine = make_engine(url)
        with engine.begin() as connection:
            site_id = connection.scalar(select(Site.id))
            old, recent = utcnow() - timedelta(days=2), utcnow()
            connection.execute(
                insert(RateLimitHit),
                [
                    {"site_id": site_id, "scope": "test", "key": "old", "at": old},
                    {"site_id": site_id, "scope": "test", "key": "recent", "at": recent},
                ],
            )
        worker = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "-c", str(ini), "worker", "-w", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            subprocess.run([sys.executable, "-c", ENQUEUE, str(ini)], check=True, capture_output=True)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with engine.connect() as connection:
                    keys = connection.scalars(select(RateLimitHit.key)).all()
                if keys == ["recent"]:
                    break
                time.sleep(0.5)
            assert keys == ["recent"]
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            engine.dispose()
