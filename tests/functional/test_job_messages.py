"""The sweeper and the queue's messages, on a real queue (huey on SQLite and on Redis).

A job waiting in a long backlog keeps its one message; a job whose message was really lost (a worker
killed between taking it and claiming the job) gets one new message, once.
"""

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy import select, update

from core.models import Job, utcnow
from core.pipeline import sweep
from core.platform.tasks import RoutedStorage, huey, worker_request
from tests.standin import upload


@pytest.fixture(params=["sqlite", "redis"])
def real_queue(request, app, tmp_path):
    """huey on a queue of its own (a fresh SQLite file, or Redis keys named for this test) instead of
    immediate mode; gives a function that reads the job ids waiting in the encode queue."""
    name = f"amphi-test-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        make = lambda queue: SqliteStorage(queue, filename=str(tmp_path / "huey.sqlite"))  # noqa: E731
    else:
        make = lambda queue: RedisStorage(queue, url="redis://127.0.0.1:6379/13", blocking=False)  # noqa: E731
    saved = huey.storage
    storage = RoutedStorage(make(name), lambda kind: make(f"{name}.{kind}"), huey.serializer)
    huey._immediate, huey.storage = False, storage  # what configure_queue does, without its global settings
    try:
        yield lambda: [huey.serializer.deserialize(item).args[0] for item in storage.queue("encode").enqueued_items()]
    finally:
        for queue in (storage.main, *storage.queues.values()):
            queue.flush_queue()
            queue.flush_schedule()
        huey._immediate, huey.storage = True, saved


def age(video_ids, seconds=3600):
    """The jobs of these videos as a long backlog leaves them: queued and sent an hour ago."""
    long_ago = utcnow() - timedelta(seconds=seconds)
    with worker_request() as request:
        request.dbsession.execute(
            update(Job).where(Job.video_id.in_(video_ids)).values(created_at=long_ago, enqueued_at=long_ago)
        )


def job_ids(video_ids):
    with worker_request() as request:
        return sorted(request.dbsession.scalars(select(Job.id).where(Job.video_id.in_(video_ids))))


def test_a_long_backlog_gets_no_duplicate_messages(real_queue, committed_site, fast_pipeline):
    videos = [upload(*committed_site, filename=f"v{n}.mp4") for n in range(20)]
    jobs = job_ids(videos)
    assert sorted(real_queue()) == jobs  # one message each, waiting for a worker
    age(videos)  # nobody took them for an hour (stale_after is 1 s here)
    assert sweep() == 0
    assert sweep() == 0
    assert sorted(real_queue()) == jobs  # still one message each


def test_a_lost_message_is_sent_again_once(real_queue, committed_site, fast_pipeline):
    videos = [upload(*committed_site, filename=f"v{n}.mp4") for n in range(3)]
    lost, delayed, waiting = job_ids(videos)
    encode = huey.storage.queue("encode")
    taken = [encode.dequeue() for _ in range(2)]  # oldest first: a worker took them...
    assert [huey.serializer.deserialize(item).args[0] for item in taken] == [lost, delayed]
    huey.storage.add_to_schedule(taken[1], utcnow() + timedelta(seconds=30))  # ...and delayed one (a retry)
    age(videos)  # ...then was killed before claiming the other
    with worker_request() as request:
        request.dbsession.execute(update(Job).where(Job.id == delayed).values(run_after=utcnow()))

    assert sweep() == 1
    assert Counter(real_queue()) == {waiting: 1, lost: 1}  # the delayed one waits in the schedule
    with worker_request() as request:
        sent = request.dbsession.get(Job, lost).enqueued_at
    assert sent > utcnow() - timedelta(seconds=60)
    assert sweep() == 0  # sent again just now
    age([videos[0]])
    assert sweep() == 0  # and its new message is there
    assert Counter(real_queue()) == {waiting: 1, lost: 1}
