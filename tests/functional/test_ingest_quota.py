"""Every way a file comes in counts against the quota of the user the video belongs to (one rule: core.ingest)."""

import io

import pytest

from core.ingest import IngestTrack, QuotaExceeded, check_quota, ingest_files
from core.models import MediaFile, Video
from core.pipeline.storage import upload_key


def stored(request, name: str, size: int) -> IngestTrack:
    key = upload_key(request.site.id, name)
    request.storage.save(key, io.BytesIO(b"x" * size))
    return IngestTrack(key, filename=f"{name}.mp4")


def test_ingested_files_count_against_the_owners_quota(site, make_user, make_request, dbsession, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.uploads.user_quota", "1500")
    prof, other = make_user(site, "prof", role="staff"), make_user(site, "other", role="staff")
    request = make_request(site)
    ingest_files(request, prof, [stored(request, "first", 1000)], {})
    track = stored(request, "second", 600)
    with pytest.raises(QuotaExceeded):
        ingest_files(request, prof, [track], {})
    assert request.storage.exists(track.key)  # refused, nothing moved nor lost
    assert dbsession.query(Video).count() == 1
    ingest_files(request, other, [track], {})  # another owner's quota is untouched
    recordings = [stored(request, "screen", 700), stored(request, "camera", 700)]
    with pytest.raises(QuotaExceeded):  # several tracks count together
        ingest_files(request, other, recordings, {})


def test_the_original_recordings_of_a_composition_count_too(site, make_user, make_request, app, monkeypatch):
    prof = make_user(site, "prof", role="staff")
    request = make_request(site)
    ingest_files(request, prof, [stored(request, "screen", 700), stored(request, "camera", 700)], {})
    monkeypatch.setitem(app.registry.settings, "amphi.uploads.user_quota", "1500")
    assert {f.kind for f in request.dbsession.query(MediaFile)} == {"recording"}
    with pytest.raises(QuotaExceeded):
        check_quota(request, prof, 101)
    check_quota(request, prof, 100)
