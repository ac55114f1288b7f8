"""The owner's dashboard: filters, bulk access changes, deletion with a confirmation step."""

import io
import os
import time
from datetime import timedelta

import pytest

from core import hookimpl
from core.catalogue.videos import delete_video
from core.models import MediaFile, Video, utcnow
from core.pipeline.storage import video_prefix
from core.platform.tasks import worker_request
from tests.standin import upload

PASSWORD = "a good password 1"


class DeletionWitness:
    def __init__(self):
        self.deleted = []

    @hookimpl
    def amphi_video_deleted(self, request, video):
        self.deleted.append((video.id, video.title))


@pytest.fixture
def shelf(site, make_user, make_video, dbsession):
    owner = make_user(site, "owner", role="staff", password=PASSWORD)
    colleague = make_user(site, "colleague", role="staff", password=PASSWORD)
    videos = {
        "draft": make_video(site, owner, title="Brouillon", status="ready", access="draft"),
        "public": make_video(site, owner, title="Public <i>1</i>", status="ready", access="public"),
        "failed": make_video(site, owner, title="Cassée", status="failed", access="draft"),
        "scheduled": make_video(
            site, owner, title="Plus tard", status="ready", access="public", publish_at=utcnow() + timedelta(days=2)
        ),
        "co-owned": make_video(site, colleague, title="Partagée", status="ready", access="draft"),
        "colleague's": make_video(site, colleague, title="Pas à moi", status="ready", access="draft"),
    }
    videos["co-owned"].additional_owners.append(owner)
    dbsession.flush()
    return videos


def browser_of(make_testapp, username="owner"):
    browser = make_testapp("a.test")
    browser.sign_in(username, PASSWORD)
    return browser


def titles(page):
    import re

    return set(re.findall(r'<a class="card-link" href="[^"]+">([^<]*)</a>', page.text))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"Brouillon", "Public &lt;i&gt;1&lt;/i&gt;", "Cassée", "Plus tard", "Partagée"}),
        ("?status=failed", {"Cassée"}),
        ("?status=ready&access=draft", {"Brouillon", "Partagée"}),
        ("?access=scheduled", {"Plus tard"}),
        ("?access=public", {"Public &lt;i&gt;1&lt;/i&gt;", "Plus tard"}),
    ],
)
def test_filters(shelf, make_testapp, query, expected):
    assert titles(browser_of(make_testapp).get("/my/videos" + query)) == expected


def bulk(browser, action, videos):
    token = browser.csrf_token("/my/videos")
    fields = [("csrf_token", token), ("action", action)] + [("video", str(v.id)) for v in videos]
    return browser.post("/my/videos/bulk", fields)


def test_bulk_access_change_touches_only_what_the_user_may_edit(shelf, make_testapp, dbsession):
    browser = browser_of(make_testapp)
    chosen = [shelf["draft"], shelf["co-owned"], shelf["colleague's"]]
    page = bulk(browser, "access:public", chosen).follow()
    assert "Access changed for 2 videos." in page.text and "1 video was left as it was" in page.text
    dbsession.expire_all()
    assert [v.access for v in chosen] == ["public", "public", "draft"]


def test_bulk_refuses_levels_that_need_more(shelf, make_testapp):
    browser = browser_of(make_testapp)
    token = browser.csrf_token("/my/videos")
    for action in ("access:password", "access:groups", "publish", ""):
        browser.post(
            "/my/videos/bulk", [("csrf_token", token), ("action", action), ("video", shelf["draft"].id)], status=400
        )
    browser.post("/my/videos/bulk", [("csrf_token", token), ("action", "delete")], status=400)


def test_deletion_asks_first_then_deletes_and_tells_the_plugins(shelf, make_testapp, dbsession, register_plugin, site):
    witness = DeletionWitness()
    register_plugin(witness, "witness")
    site.enabled_plugins = site.enabled_plugins + ["witness"]
    browser = browser_of(make_testapp)
    chosen = [shelf["public"], shelf["co-owned"], shelf["colleague's"]]
    confirm = bulk(browser, "delete", chosen)
    assert confirm.status_int == 200 and "Public &lt;i&gt;1&lt;/i&gt;" in confirm.text
    assert "Pas à moi" not in confirm.text and "Partagée" not in confirm.text  # not theirs to delete
    assert dbsession.get(Video, shelf["public"].id) is not None and witness.deleted == []
    done = confirm.forms["bulk-confirm"].submit(status=302).follow()
    assert "1 video deleted." in done.text
    dbsession.expire_all()
    assert dbsession.get(Video, shelf["public"].id) is None
    assert dbsession.get(Video, shelf["co-owned"].id) is not None
    assert [title for _, title in witness.deleted] == ["Public <i>1</i>"]


def test_deletion_removes_the_media_from_storage_after_the_commit(encoder, committed_site, fast_pipeline):
    site_id, user_id = committed_site
    kept, gone = upload(site_id, user_id, filename="kept.mp4"), upload(site_id, user_id, filename="gone.mp4")
    with worker_request(site_id) as request:
        video = request.dbsession.get(Video, gone)
        prefix = video_prefix(video)
        keys = [f.key for f in video.files]
        assert len(keys) > 3 and all(request.storage.exists(k) for k in keys)
        kept_keys = [f.key for f in request.dbsession.get(Video, kept).files]
    with pytest.raises(RuntimeError), worker_request(site_id) as request:
        delete_video(request, request.dbsession.get(Video, gone))
        raise RuntimeError("the transaction aborts")
    with worker_request(site_id) as request:
        assert request.dbsession.get(Video, gone) is not None  # an aborted deletion loses nothing
        assert all(request.storage.exists(k) for k in keys)
        delete_video(request, request.dbsession.get(Video, gone))
    with worker_request(site_id) as request:
        assert request.dbsession.get(Video, gone) is None
        assert request.dbsession.query(MediaFile).filter(MediaFile.video_id == gone).count() == 0
        assert not any(request.storage.exists(k) for k in keys)
        local = request.storage.local_path(prefix)
        assert local is None or not os.path.exists(local)
        assert all(request.storage.exists(k) for k in kept_keys)


def test_deleting_a_video_while_it_encodes_writes_nothing_back(encoder, committed_site, fast_pipeline):
    import threading

    from core.models import Job, User
    from core.pipeline import run_job
    from core.pipeline.storage import upload_key

    encoder.behaviour = "slow"
    site_id, user_id = committed_site
    with worker_request(site_id) as request:  # queued, run in a thread below
        from core.ingest import create_video

        key = upload_key(site_id, "deleteme")
        request.storage.save(key, io.BytesIO(b"bytes"))
        video = create_video(request, request.dbsession.get(User, user_id), "Slow", status="uploaded")
        request.dbsession.add(MediaFile(video_id=video.id, kind="source", key=f"{video_prefix(video)}/source"))
        request.storage.move(key, f"{video_prefix(video)}/source")
        job = Job(video_id=video.id, kind="encode")
        request.dbsession.add(job)
        request.dbsession.flush()
        video_id, job_id, prefix = video.id, job.id, video_prefix(video)
    worker = threading.Thread(target=run_job.call_local, args=(job_id,))
    worker.start()
    time.sleep(0.5)
    with worker_request(site_id) as request:
        delete_video(request, request.dbsession.get(Video, video_id))
    worker.join(timeout=15)
    assert not worker.is_alive()
    with worker_request(site_id) as request:
        assert request.dbsession.get(Video, video_id) is None and request.dbsession.get(Job, job_id) is None
        local = request.storage.local_path(prefix)
        assert local is None or not os.path.exists(local)
