"""The anonymous page cache against a real `amphi serve` in two processes, with real commits.

Changes are committed from this process, through an engine of its own: the content generation
they bump must reach both server processes, so no visitor ever gets a page older than the data.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.models import CacheGeneration, Job, RateLimitHit, Site, User, Video, utcnow
from core.platform.db import make_engine
from core.testing import http_sign_in, run_amphi, serving, temporary_database, write_ini
from plugins.stats.models import VideoDay

PAGES_PER_CHECK = 6  # enough requests for both processes to answer some


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pagecache")
    with temporary_database(folder) as url:
        ini = write_ini(folder, url)
        run_amphi(ini, "init", "--admin-password", "cache admin password")
        run_amphi(ini, "user", "add", "default", "prof", "--role", "staff", "--password", "prof password 1")
        engine = make_engine(url)
        with serving(ini, folder, workers=2) as base:
            yield base, engine
        engine.dispose()


@pytest.fixture
def video(server):
    _, engine = server
    with Session(engine) as db:
        site_id = db.scalar(select(Site.id).where(Site.is_default.is_(True)))
        owner = db.scalar(select(User.id).where(User.username == "prof"))
        video = Video(
            site_id=site_id,
            owner_id=owner,
            title="Thermodynamique",
            slug=uuid.uuid4().hex[:12],
            status="ready",
            access="public",
            duration=60.0,
        )
        db.add(video)
        db.commit()
        yield video.id
        db.execute(delete(Video).where(Video.id == video.id))
        db.commit()


def get(base: str, path: str, **headers) -> tuple[int, dict, str]:
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def pages(base: str, path: str, **headers) -> list[tuple[int, dict, str]]:
    return [get(base, path, **headers) for _ in range(PAGES_PER_CHECK)]


def change(engine, video_id: int, **values) -> None:
    with Session(engine) as db:
        db.execute(update(Video).where(Video.id == video_id).values(**values))
        db.commit()


def generation(engine) -> int:
    with Session(engine) as db:
        return db.get(CacheGeneration, 1).value


def test_anonymous_pages_are_served_again_and_never_stale(server, video):
    base, engine = server
    for path in ("/", f"/videos/{video}", "/videos"):
        answers = pages(base, path)
        assert all(status == 200 and "Thermodynamique" in body for status, _, body in answers)
        assert any(headers.get("X-Amphi-Cache") == "hit" for _, headers, _ in answers), path
    change(engine, video, title="Mécanique quantique")
    for path in ("/", f"/videos/{video}", "/videos"):
        for status, _, body in pages(base, path):
            assert status == 200 and "Mécanique quantique" in body and "Thermodynamique" not in body, path


def test_a_video_made_private_disappears_at_once(server, video):
    base, engine = server
    assert all(status == 200 for status, _, _ in pages(base, f"/videos/{video}"))
    assert all("Thermodynamique" in body for _, _, body in pages(base, "/"))
    change(engine, video, access="draft")
    assert [status for status, _, _ in pages(base, f"/videos/{video}")] == [404] * PAGES_PER_CHECK
    assert all("Thermodynamique" not in body for _, _, body in pages(base, "/"))


def test_signed_in_visitors_never_get_the_anonymous_page(server, video):
    """A signed-in visitor's page may come from the cache (tests/functional/test_pagecache_signed_in.py),
    but never the anonymous one; a request with credentials never does."""
    base, _ = server
    pages(base, f"/videos/{video}")  # cached for anonymous visitors
    signed_in = http_sign_in(base, "prof", "prof password 1")
    for status, _, body in pages(base, f"/videos/{video}", Cookie=signed_in["Cookie"]):
        assert status == 200
        assert "Sign out" in body and "amphi~" not in body  # the page of this visitor, not the anonymous one
    for _, headers, _ in pages(base, "/", Authorization="Bearer nothing-valid"):
        assert "X-Amphi-Cache" not in headers


def test_each_language_has_its_own_page(server, video):
    base, _ = server
    french = pages(base, "/", **{"Accept-Language": "fr-FR,fr;q=0.9"})
    english = pages(base, "/", **{"Accept-Language": "en-GB"})
    assert all('<html lang="fr">' in body for _, _, body in french)
    assert all('<html lang="en">' in body for _, _, body in english)
    assert any(headers.get("X-Amphi-Cache") == "hit" for _, headers, _ in french + english)


def test_anonymous_pages_set_no_cookie_and_are_served_again(server, video):
    base, _ = server
    for path in ("/", f"/videos/{video}", "/videos", "/channels", "/search?q=cours"):
        answers = pages(base, path)
        assert all(status == 200 and "Set-Cookie" not in headers for status, headers, _ in answers), path
        assert any(headers.get("X-Amphi-Cache") == "hit" for _, headers, _ in answers), path


def test_a_view_served_from_the_cache_still_counts(server, video):
    base, engine = server
    for viewer in range(5):  # five viewers (browsers), some answered from the cache
        for _ in range(2):
            assert get(base, f"/videos/{video}", **{"User-Agent": f"browser {viewer}"})[0] == 200
    with Session(engine) as db:
        assert db.scalar(select(VideoDay.views).where(VideoDay.video_id == video)) == 5


def test_progress_and_counters_leave_the_generation_alone(server, video):
    _, engine = server
    before = generation(engine)
    with Session(engine) as db:
        site_id = db.scalar(select(Site.id).where(Site.is_default.is_(True)))
        db.add(Job(video_id=video, kind="encode", progress=0.5))
        db.add(RateLimitHit(site_id=site_id, scope="test", key="k", at=utcnow()))
        db.commit()
    assert generation(engine) == before
    with Session(engine) as db:
        db.execute(update(Video).where(Video.id == video).values(description="Nouvelle description"))
        db.rollback()
    assert generation(engine) == before
    change(engine, video, publish_at=utcnow() + timedelta(days=1))
    assert generation(engine) == before + 1
