"""tus 1.0.0 resumable uploads: the protocol, limits, ownership, and what a finished upload becomes."""

import base64
import hashlib
import io
import os
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

import core.ingest
from core.models import Site, Upload, Video, utcnow
from core.pipeline.storage import get_storage, upload_key

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def metadata(**pairs):
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


@pytest.fixture
def prof(testapp, site, make_user):
    make_user(site, "prof", role="staff", password="prof password 1")
    testapp.sign_in("prof", "prof password 1")
    testapp.token = testapp.csrf_token("/")
    return testapp


def uploads_folder(app, site) -> str:
    """Where the site's uploads in progress keep their bytes (created when needed)."""
    folder = os.path.dirname(get_storage(app.registry, site).local_path(upload_key(site.id, "x")))
    os.makedirs(folder, exist_ok=True)
    return folder


def create(browser, length=10, status=201, **meta):
    headers = {
        **TUS,
        "X-CSRF-Token": browser.token,
        "Upload-Length": str(length),
        "Upload-Metadata": metadata(**(meta or {"filename": "cours.mp4"})),
    }
    return browser.post("/api/uploads/", headers=headers, status=status)


def patch(browser, location, offset, data, status=204, **headers):
    return browser.patch(
        location,
        params=data,
        content_type=OCTETS,
        status=status,
        headers={**TUS, "X-CSRF-Token": browser.token, "Upload-Offset": str(offset), **headers},
    )


def test_options_advertise_the_extensions(testapp, site):
    response = testapp.options("/api/uploads/", status=204)
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "termination",
        "expiration",
        "checksum",
    }
    assert response.headers["Tus-Checksum-Algorithm"] == "sha1"


def test_an_upload_in_chunks_becomes_a_video_with_an_encode_job(prof, dbsession, app):
    created = create(prof, 10, filename="../../<script>.mp4", title="Cours 1")
    location = created.headers["Location"]
    assert created.headers["Upload-Offset"] == "0" and "Upload-Expires" in created.headers
    assert patch(prof, location, 0, b"01234").headers["Upload-Offset"] == "5"
    assert prof.head(location, headers=TUS).headers["Upload-Offset"] == "5"
    done = patch(prof, location, 5, b"56789")
    video = dbsession.get(Video, int(done.headers["Amphi-Video-Id"]))
    assert done.headers["Amphi-Video-Url"] == f"http://a.test/videos/{video.id}"
    assert (video.title, video.status) == ("Cours 1", "uploaded")
    assert [(j.kind, j.state) for j in video.jobs] == [("encode", "queued")]
    source = next(f for f in video.files if f.kind == "source")
    assert source.key == f"sites/{video.site_id}/videos/{video.id}/source" and source.size == 10
    storage = app.registry.plugins.pm.hook.amphi_storage(registry=app.registry, site=video.site)
    with storage.open(source.key) as handle:
        assert handle.read() == b"0123456789"


def test_a_filename_never_becomes_a_path_and_is_shown_escaped(prof, dbsession):
    done = create(prof, 3, filename="../../<script>alert(1)</script>.mp4")
    patch(prof, done.headers["Location"], 0, b"abc")
    video = dbsession.query(Video).one()
    assert video.title == "<script>alert(1)</script>"
    assert "<script>alert(1)" not in prof.get(f"/videos/{video.id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in prof.get(f"/videos/{video.id}").text


def test_creation_with_upload(prof, dbsession):
    headers = {**TUS, "X-CSRF-Token": prof.token, "Upload-Length": "4", "Upload-Metadata": metadata(filename="a.mp3")}
    done = prof.post("/api/uploads/", params=b"abcd", headers=headers, content_type=OCTETS, status=201)
    assert done.headers["Upload-Offset"] == "4" and "Amphi-Video-Url" in done.headers


def test_a_wrong_offset_is_a_conflict(prof):
    location = create(prof, 10).headers["Location"]
    patch(prof, location, 0, b"01234")
    conflict = patch(prof, location, 3, b"34567", status=409)
    assert conflict.headers["Upload-Offset"] == "5"


def test_checksums(prof):
    location = create(prof, 10).headers["Location"]
    good = base64.b64encode(hashlib.sha1(b"01234").digest()).decode()
    patch(prof, location, 0, b"01234", **{"Upload-Checksum": f"sha1 {good}"})
    refused = patch(prof, location, 5, b"5678X", status=460, **{"Upload-Checksum": f"sha1 {good}"})
    assert "checksum" in refused.text
    assert prof.head(location, headers=TUS).headers["Upload-Offset"] == "5"  # the bad chunk was not kept
    patch(prof, location, 5, b"56789", status=400, **{"Upload-Checksum": "md5 xyz"})


def test_deferred_length(prof):
    headers = {**TUS, "X-CSRF-Token": prof.token, "Upload-Defer-Length": "1", "Upload-Metadata": metadata(filename="x")}
    location = prof.post("/api/uploads/", headers=headers, status=201).headers["Location"]
    assert prof.head(location, headers=TUS).headers["Upload-Defer-Length"] == "1"
    patch(prof, location, 0, b"abc")
    done = patch(prof, location, 3, b"de", **{"Upload-Length": "5"})
    assert "Amphi-Video-Url" in done.headers


def test_termination(prof, dbsession):
    location = create(prof, 10).headers["Location"]
    patch(prof, location, 0, b"01234")
    prof.delete(location, headers={**TUS, "X-CSRF-Token": prof.token}, status=204)
    prof.head(location, headers=TUS, status=404)
    assert dbsession.query(Upload).count() == 0


def test_protocol_errors(prof):
    prof.post("/api/uploads/", headers={"X-CSRF-Token": prof.token, "Upload-Length": "3"}, status=412)
    location = create(prof, 10).headers["Location"]
    prof.patch(
        location,
        params=b"x",
        content_type="text/plain",
        status=415,
        headers={**TUS, "X-CSRF-Token": prof.token, "Upload-Offset": "0"},
    )
    patch(prof, location, 0, b"0123456789AB", status=413)  # past the announced length
    create(prof, status=400, length=0)


def test_zero_byte_files_are_refused_clearly(prof):
    assert "The file is empty." in create(prof, 0, status=400).text


def test_size_limit_and_quota(prof, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.uploads.max_size", "1000")
    assert "larger than this site accepts" in create(prof, 1001, status=413).text
    monkeypatch.setitem(app.registry.settings, "amphi.uploads.user_quota", "1500")
    create(prof, 1000)
    assert "quota" in create(prof, 600, status=413).text


def test_only_staff_may_upload(testapp, site, make_user):
    anonymous_token = testapp.csrf_token("/")
    refused = testapp.post(
        "/api/uploads/", headers={**TUS, "X-CSRF-Token": anonymous_token, "Upload-Length": "3"}, status=401
    )  # not signed in: told how to authenticate
    assert refused.headers["WWW-Authenticate"].startswith("Bearer ")
    make_user(site, "student", password="student password 1")
    testapp.sign_in("student", "student password 1")
    token = testapp.csrf_token("/")
    testapp.post("/api/uploads/", headers={**TUS, "X-CSRF-Token": token, "Upload-Length": "3"}, status=403)
    testapp.get("/upload", status=403)


def test_csrf_is_required(prof):
    prof.post("/api/uploads/", headers={**TUS, "Upload-Length": "3"}, status=400)


def test_an_upload_belongs_to_its_user_and_site(prof, site, make_user, make_site, make_testapp):
    location = create(prof, 10).headers["Location"]
    make_user(site, "other", role="staff", password="other password 1")
    other = make_testapp("a.test")
    other.sign_in("other", "other password 1")
    other.head(location, headers=TUS, status=404)
    make_user(make_site("b"), "other", role="staff", password="other password 1")
    elsewhere = make_testapp("b.test")
    elsewhere.sign_in("other", "other password 1")
    elsewhere.head(location.replace("a.test", "b.test"), headers=TUS, status=404)


def test_expired_uploads_are_gone(prof, dbsession):
    location = create(prof, 10).headers["Location"]
    upload = dbsession.query(Upload).one()
    upload.expires_at = utcnow()
    assert prof.head(location, headers=TUS, status=410).headers["Tus-Resumable"] == "1.0.0"
    assert "expired" in patch(prof, location, 0, b"0", status=410).text


def test_the_purge_forgets_expired_unfinished_uploads_bytes_and_all(committed_site, app):
    from core.platform.tasks import worker_request
    from core.web.views.upload import purge_expired_uploads

    site_id, user_id = committed_site
    expired, fresh = uuid.uuid4().hex, uuid.uuid4().hex
    with worker_request(site_id) as request:
        storage = get_storage(app.registry, request.site)
        for upload_id, hours in ((expired, -1), (fresh, 1)):
            storage.append(upload_key(site_id, upload_id), io.BytesIO(b"partial"))
            request.dbsession.add(
                Upload(
                    id=upload_id,
                    site_id=site_id,
                    user_id=user_id,
                    length=100,
                    offset=7,
                    key=upload_key(site_id, upload_id),
                    filename="x.mp4",
                    metadata_={},
                    expires_at=utcnow() + timedelta(hours=hours),
                )
            )
    assert purge_expired_uploads() >= 1
    with worker_request(site_id) as request:
        assert request.dbsession.scalars(select(Upload.id).where(Upload.site_id == site_id)).all() == [fresh]
    assert not storage.exists(upload_key(site_id, expired)) and storage.exists(upload_key(site_id, fresh))
    storage.delete(upload_key(site_id, fresh))


def test_details_typed_while_uploading_reach_the_video(prof, dbsession):
    location = create(prof, 4, filename="raw.mp4").headers["Location"]
    headers = {"X-CSRF-Token": prof.token}
    prof.post_json(location + "/details", {"title": "Thermodynamique", "description": "Chapitre 1"}, headers=headers)
    done = patch(prof, location, 0, b"abcd")
    video = dbsession.get(Video, int(done.headers["Amphi-Video-Id"]))
    assert (video.title, video.description) == ("Thermodynamique", "Chapitre 1")
    prof.post_json(location + "/details", {"title": "Thermo, cours 1", "description": ""}, headers=headers)
    assert (video.title, video.description) == ("Thermo, cours 1", "Chapitre 1")


def test_the_upload_page(prof):
    page = prof.get("/upload")
    assert 'data-endpoint="http://a.test/api/uploads/"' in page.text
    assert '<label class="button" for="upload-files">' in page.text and 'aria-live="polite"' in page.text
    assert 'href="http://a.test/upload"' in prof.get("/").text


def test_a_deferred_length_respects_the_size_limit_and_quota(prof, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.uploads.max_size", "10")
    headers = {**TUS, "X-CSRF-Token": prof.token, "Upload-Defer-Length": "1", "Upload-Metadata": metadata(filename="x")}
    location = prof.post("/api/uploads/", headers=headers, status=201).headers["Location"]
    patch(prof, location, 0, b"0123456789")
    assert "larger than this site accepts" in patch(prof, location, 10, b"A", status=413).text


def test_a_deferred_length_counts_the_bytes_already_received_once(prof, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.uploads.user_quota", "15")
    headers = {**TUS, "X-CSRF-Token": prof.token, "Upload-Defer-Length": "1", "Upload-Metadata": metadata(filename="x")}
    location = prof.post("/api/uploads/", headers=headers, status=201).headers["Location"]
    patch(prof, location, 0, b"0123456789")
    done = patch(prof, location, 10, b"ABCD", **{"Upload-Length": "14"})  # 14 bytes in all: within the 15 allowed
    assert done.headers["Amphi-Video-Id"]


def test_bytes_left_by_a_failed_request_are_cut_before_the_resend(prof, dbsession, app):
    location = create(prof, 10).headers["Location"]
    patch(prof, location, 0, b"01234")
    upload = dbsession.query(Upload).one()
    storage = get_storage(app.registry, dbsession.get(Site, upload.site_id))
    storage.append(upload.key, io.BytesIO(b"56"))  # written, but its transaction never recorded it
    done = patch(prof, location, 5, b"56789")
    source = next(f for f in dbsession.get(Video, int(done.headers["Amphi-Video-Id"])).files if f.kind == "source")
    with storage.open(source.key) as handle:
        assert handle.read() == b"0123456789"


def test_head_gives_back_the_metadata_and_every_answer_says_tus(prof, make_testapp):
    location = create(prof, 10, filename="cours.mp4", title="Cours 1").headers["Location"]
    head = prof.head(location, headers=TUS, status=200)
    assert head.headers["Upload-Metadata"] == metadata(filename="cours.mp4", title="Cours 1")
    assert head.headers["Cache-Control"] == "no-store"
    missing = prof.head(location[:-4] + "0000", headers=TUS, status=404)
    anonymous = make_testapp("a.test")
    refused = anonymous.post(
        "/api/uploads/", headers={**TUS, "X-CSRF-Token": anonymous.csrf_token("/"), "Upload-Length": "3"}, status=401
    )
    assert missing.headers["Tus-Resumable"] == refused.headers["Tus-Resumable"] == "1.0.0"


def test_a_patch_without_an_offset_is_refused(prof):
    location = create(prof, 10).headers["Location"]
    response = prof.patch(
        location, params=b"0", content_type=OCTETS, status=400, headers={**TUS, "X-CSRF-Token": prof.token}
    )
    assert "Upload-Offset" in response.text


def test_a_failed_creation_with_upload_leaves_no_bytes(prof, dbsession, app, site):
    bad = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    headers = {**TUS, "X-CSRF-Token": prof.token, "Upload-Length": "4", "Upload-Checksum": f"sha1 {bad}"}
    before = set(os.listdir(uploads_folder(app, site)))  # other tests' uploads, rolled back with their bytes kept
    prof.post("/api/uploads/", params=b"abcd", headers=headers, content_type=OCTETS, status=460)
    assert dbsession.query(Upload).count() == 0  # the client never learnt its address: it is forgotten
    assert set(os.listdir(uploads_folder(app, site))) == before


def test_upload_bytes_are_not_copied_for_retries(app):
    """pyramid_retry would copy each chunk to a temporary file first; tus clients retry by themselves."""
    from pyramid.request import Request

    from core.ingest.tus import retry_attempts

    assert app.registry.settings["retry.activate_hook"] is retry_attempts
    chunk = Request.blank("/api/uploads/0", method="PATCH", content_type=OCTETS)
    assert retry_attempts(chunk) == 1
    assert retry_attempts(Request.blank("/api/uploads/", method="POST", content_type="application/json")) is None


# --- every way an upload ends leaves nothing in the uploads folder (requests commit for real) ---------


@pytest.fixture
def owner(app, committed_site):
    """A browser signed in as the committed site's staff member; each of its requests commits."""
    from core.platform.tasks import worker_request
    from core.testing import AmphiTestApp

    with worker_request(committed_site[0]) as request:
        domain = request.site.domains[0].domain
        folder = os.path.dirname(request.storage.local_path(upload_key(request.site.id, "x")))
    browser = AmphiTestApp(app, extra_environ={"HTTP_HOST": domain, "REMOTE_ADDR": "192.0.2.11"})
    browser.sign_in("owner", "owner password 1")
    browser.token = browser.csrf_token("/")
    browser.uploads_folder = folder
    return browser


def site_rows(site_id, model) -> int:
    from sqlalchemy import func

    from core.platform.tasks import worker_request

    with worker_request(site_id) as request:
        return request.dbsession.scalar(select(func.count()).select_from(model).where(model.site_id == site_id))


@pytest.fixture
def failing_encode_queue(monkeypatch):
    """The encode job of a new video cannot be queued: the video is made half-way, then the step fails."""

    def broken(request, video, kind, params=None):
        raise RuntimeError("the queue is down")

    monkeypatch.setattr(core.ingest, "queue_job", broken)  # where ingest_files finds it
    return lambda: monkeypatch.undo()


def test_a_video_made_half_way_is_not_kept_and_the_last_chunk_may_be_sent_again(
    owner, committed_site, failing_encode_queue
):
    location = create(owner, 10).headers["Location"]
    patch(owner, location, 0, b"01234")
    with pytest.raises(RuntimeError):
        patch(owner, location, 5, b"56789")
    assert site_rows(committed_site[0], Video) == 0
    failing_encode_queue()  # the queue is back: the client asks again, the claim is not held
    done = patch(owner, location, 10, b"")
    assert done.headers["Amphi-Video-Id"] and site_rows(committed_site[0], Video) == 1


def test_a_creation_that_fails_half_way_keeps_neither_video_nor_upload(owner, committed_site, failing_encode_queue):
    headers = {**TUS, "X-CSRF-Token": owner.token, "Upload-Length": "4", "Upload-Metadata": metadata(filename="a")}
    with pytest.raises(RuntimeError):
        owner.post("/api/uploads/", params=b"abcd", headers=headers, content_type=OCTETS)
    assert site_rows(committed_site[0], Video) == 0 and site_rows(committed_site[0], Upload) == 0
    assert os.listdir(owner.uploads_folder) == []


def finished_then_sent_again(browser):
    location = create(browser, 10).headers["Location"]
    patch(browser, location, 0, b"01234")
    patch(browser, location, 5, b"56789")
    patch(browser, location, 10, b"")  # a client that lost the last answer and asks again
    browser.delete(location, headers={**TUS, "X-CSRF-Token": browser.token}, status=204)


def created_with_its_bytes(browser):
    headers = {**TUS, "X-CSRF-Token": browser.token, "Upload-Length": "4", "Upload-Metadata": metadata(filename="a")}
    browser.post("/api/uploads/", params=b"abcd", headers=headers, content_type=OCTETS, status=201)


def created_with_a_bad_chunk(browser):
    bad = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    headers = {**TUS, "X-CSRF-Token": browser.token, "Upload-Length": "4", "Upload-Checksum": f"sha1 {bad}"}
    browser.post("/api/uploads/", params=b"abcd", headers=headers, content_type=OCTETS, status=460)


def terminated_before_and_after_bytes(browser):
    for sent in (b"", b"012"):
        location = create(browser, 10).headers["Location"]
        if sent:
            patch(browser, location, 0, sent)
        browser.delete(location, headers={**TUS, "X-CSRF-Token": browser.token}, status=204)


def expired_before_and_after_bytes(browser):
    from sqlalchemy import update

    from core.platform.tasks import worker_request
    from core.web.views.upload import purge_expired_uploads

    for sent in (b"", b"012"):
        location = create(browser, 10).headers["Location"]
        if sent:
            patch(browser, location, 0, sent)
        with worker_request() as request:
            request.dbsession.execute(
                update(Upload)
                .where(Upload.id == location.rsplit("/", 1)[1])
                .values(expires_at=utcnow() - timedelta(minutes=1))
            )
    assert purge_expired_uploads() >= 2


@pytest.mark.parametrize(
    "ending",
    [
        finished_then_sent_again,
        created_with_its_bytes,
        created_with_a_bad_chunk,
        terminated_before_and_after_bytes,
        expired_before_and_after_bytes,
    ],
)
def test_every_way_an_upload_ends_leaves_the_uploads_folder_empty(owner, ending):
    def listing() -> set:
        return set(os.listdir(owner.uploads_folder)) if os.path.isdir(owner.uploads_folder) else set()

    before = listing()  # on SQLite a site id of a test rolled back may come again, with its files
    ending(owner)
    assert listing() - before == set()


# --- what a writer keeps when its request fails, and what it leaves when its upload is deleted ---------


class DropsAfter(io.RawIOBase):
    """A request body that gives ``arrived`` bytes of ``data``, then fails as a dropped connection does."""

    def __init__(self, data: bytes, arrived: int):
        self.data, self.arrived, self.position = data, arrived, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.position >= self.arrived:
            raise ConnectionResetError("the client went away")
        end = min(self.arrived, self.position + (size if size >= 0 else self.arrived))
        piece, self.position = self.data[self.position : end], end
        return piece


def patch_dropping(browser, location, data: bytes, arrived: int, **headers):
    environ = browser._make_environ({"REQUEST_METHOD": "PATCH", "CONTENT_TYPE": OCTETS})
    request = browser.RequestClass.blank(location, environ)
    request.environ["wsgi.input"] = DropsAfter(data, arrived)
    request.environ["CONTENT_LENGTH"] = str(len(data))
    request.headers.update({**TUS, "X-CSRF-Token": browser.token, "Upload-Offset": "0", **headers})
    with pytest.raises(ConnectionResetError):
        browser.do_request(request)


def test_a_body_that_fails_half_way_keeps_the_bytes_that_reached_storage(prof):
    location = create(prof, 10).headers["Location"]
    patch_dropping(prof, location, b"0123456789", 6)
    assert prof.head(location, headers=TUS).headers["Upload-Offset"] == "6"
    assert "Amphi-Video-Id" in patch(prof, location, 6, b"6789").headers


def test_a_body_that_fails_half_way_keeps_nothing_when_a_checksum_was_announced(prof):
    location = create(prof, 10).headers["Location"]
    checksum = "sha1 " + base64.b64encode(hashlib.sha1(b"0123456789").digest()).decode()
    patch_dropping(prof, location, b"0123456789", 6, **{"Upload-Checksum": checksum})
    assert prof.head(location, headers=TUS).headers["Upload-Offset"] == "0"
    assert "Amphi-Video-Id" in patch(prof, location, 0, b"0123456789", **{"Upload-Checksum": checksum}).headers


def test_a_writer_whose_upload_was_deleted_meanwhile_deletes_the_bytes_it_added(prof, dbsession, make_request, site):
    from core.ingest.tus import lost
    from core.ingest.upload_claims import claim

    location = create(prof, 10).headers["Location"]
    upload = dbsession.query(Upload).one()
    upload_id, key = upload.id, upload.key
    request = make_request(site, upload.user)
    ticket = claim(request, upload_id, 0)
    assert ticket is not None and claim(request, upload_id, 0) is None  # one writer at a time
    prof.delete(location, headers={**TUS, "X-CSRF-Token": prof.token}, status=204)  # termination does not wait
    request.storage.append(key, io.BytesIO(b"01234"))  # the writer goes on
    assert not ticket.advance(5)
    assert lost(request, upload_id, key).status == 404
    assert not request.storage.exists(key)


def test_a_writer_renews_its_claim_while_it_writes_and_learns_when_it_lost_it(prof, dbsession, make_request, site):
    from sqlalchemy import update

    from core.ingest.upload_claims import claim

    create(prof, 10)
    upload = dbsession.query(Upload).one()
    ticket = claim(make_request(site, upload.user), upload.id, 0)
    first = dbsession.get(Upload, upload.id, populate_existing=True).claimed_until
    ticket.renewed -= 3600  # its last renewal is long past: due now
    assert ticket.renew_if_due()
    assert dbsession.get(Upload, upload.id, populate_existing=True).claimed_until > first
    dbsession.execute(update(Upload).where(Upload.id == upload.id).values(claimed_by="f" * 32))  # lapsed, taken
    ticket.renewed -= 3600
    assert not ticket.renew_if_due()


def test_a_writer_that_finds_its_upload_deleted_while_renewing_removes_its_bytes(prof, dbsession, make_request, site):
    from core.ingest.tus_chunks import TusError, write_claimed
    from core.ingest.upload_claims import claim

    location = create(prof, 10).headers["Location"]
    upload = dbsession.query(Upload).one()
    upload_id, key = upload.id, upload.key
    request = make_request(site, upload.user)
    ticket = claim(request, upload_id, 0)
    prof.delete(location, headers={**TUS, "X-CSRF-Token": prof.token}, status=204)
    ticket.renewed -= 3600  # it renews after its first piece, and learns its upload is gone
    with pytest.raises(TusError):
        write_claimed(request, ticket, key, io.BytesIO(b"0123456789"), 10, None)
    assert not request.storage.exists(key)


def test_an_upload_terminated_once_its_last_bytes_are_recorded_is_gone_not_an_error(
    prof, dbsession, make_request, site
):
    from core.ingest.tus import complete_if_finished
    from core.ingest.tus_chunks import TusError
    from core.ingest.upload_claims import claim

    location = create(prof, 5).headers["Location"]
    upload = dbsession.query(Upload).one()
    request = make_request(site, upload.user)
    ticket = claim(request, upload.id, 0)
    request.storage.append(upload.key, io.BytesIO(b"01234"))
    assert ticket.advance(5)
    prof.delete(location, headers={**TUS, "X-CSRF-Token": prof.token}, status=204)  # before its video is made
    with pytest.raises(TusError) as gone:
        complete_if_finished(request, ticket, {})
    assert gone.value.status == 404
    assert dbsession.scalar(select(Video.id).where(Video.site_id == site.id)) is None
