"""Writes that used ``SELECT ... FOR UPDATE`` (a no-op on SQLite), raced by real HTTP clients on a served Amphi.

The order of channels and of themes, and the media packages of the Opencast ingest: concurrent
requests must change them one after the other on both databases (``AMPHI_TEST_DB``).
"""

from __future__ import annotations

import functools
import re
import uuid

import pytest
import requests
from sqlalchemy import func, select

from core.models import Channel, Site, Theme, Video
from core.platform.db import make_engine
from core.testing import LIVE_ADMIN_PASSWORD, http_sign_in
from plugins.opencast_ingest.models import IngestPackage
from tests.functional.test_upload_integrity import race


@pytest.fixture(scope="module")
def database(live_server):
    engine = make_engine(live_server.database_url)
    yield engine
    engine.dispose()


def signed_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.headers.update(http_sign_in(base, username, password))
    return session


@pytest.fixture(scope="module")
def admin(live_server):
    return signed_in(live_server, "admin", LIVE_ADMIN_PASSWORD)


def new_channel(admin, base: str, title: str) -> str:
    slug = f"{title.lower()}-{uuid.uuid4().hex[:8]}"
    answer = admin.post(
        base + "/admin/channels", data={"title": title, "slug": slug, "visibility": "public"}, allow_redirects=False
    )
    assert answer.status_code in (302, 303), answer.text[:500]
    return slug


def positions(database, query) -> list[tuple[int, int]]:
    with database.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def assert_dense(rows: list[tuple[int, int]]) -> None:
    assert sorted(position for _id, position in rows) == list(range(len(rows))), rows


def test_concurrent_channel_moves_keep_one_order(admin, live_server, database):
    for number in range(6):
        new_channel(admin, live_server, f"Order{number}")
    default_site = select(Site.id).where(Site.is_default.is_(True)).scalar_subquery()
    site_channels = (
        select(Channel.id, Channel.position).where(Channel.site_id == default_site).order_by(Channel.position)
    )
    for _round in range(4):
        rows = positions(database, site_channels)
        assert_dense(rows)
        movers = [channel_id for channel_id, _position in rows[-4:]]  # the last four, each to the top at once
        answers = race(
            [
                functools.partial(
                    admin.post,
                    f"{live_server}/admin/channels/{channel_id}/move",
                    data={"to": "0"},
                    allow_redirects=False,
                )
                for channel_id in movers
            ]
        )
        assert {answer.status_code for answer in answers} == {303}
        after = positions(database, site_channels)
        assert_dense(after)
        assert {channel_id for channel_id, _position in after[:4]} == set(movers)  # no move was lost


def test_concurrent_theme_moves_keep_one_order(admin, live_server, database):
    slug = new_channel(admin, live_server, "Themes")
    for number in range(6):
        answer = admin.post(
            f"{live_server}/channels/{slug}/edit",
            allow_redirects=False,
            data={"action": "add-theme", "title": f"Theme {number}", "slug": f"theme-{number}"},
        )
        assert answer.status_code == 302, answer.text[:500]
    of_channel = select(Channel.id).where(Channel.slug == slug).scalar_subquery()
    themes = select(Theme.id, Theme.position).where(Theme.channel_id == of_channel).order_by(Theme.position)
    with database.connect() as connection:
        slugs = dict(connection.execute(select(Theme.id, Theme.slug).where(Theme.channel_id == of_channel)).all())
    for _round in range(4):
        rows = positions(database, themes)
        assert_dense(rows)
        movers = [theme_id for theme_id, _position in rows[-4:]]
        answers = race(
            [
                functools.partial(
                    admin.post,
                    f"{live_server}/channels/{slug}/themes/{slugs[theme_id]}/move",
                    data={"to": "0"},
                    allow_redirects=False,
                )
                for theme_id in movers
            ]
        )
        assert {answer.status_code for answer in answers} == {303}
        after = positions(database, themes)
        assert_dense(after)
        assert {theme_id for theme_id, _position in after[:4]} == set(movers)


# --- the Opencast ingest (the Studio plugin authenticates the signed-in staff member) -----------------


@pytest.fixture(scope="module")
def studio(live_server):
    return signed_in(live_server, "prof", "prof password 1")


def package_id_of(xml: str) -> str:
    return re.search(r'<mediapackage[^>]* id="([^"]+)"', xml).group(1)


def add_track(studio, base: str, mediapackage: str, number: int) -> requests.Response:
    return studio.post(
        base + "/ingest/addTrack",
        data={"mediaPackage": mediapackage, "flavor": "presenter/source"},
        files={"BODY": (f"part{number}.webm", bytes([number]) * 200_000, "video/webm")},
    )


def test_concurrent_calls_on_one_media_package_lose_no_element_and_make_one_video(studio, live_server, database):
    with database.connect() as connection:
        last_video = connection.execute(select(func.coalesce(func.max(Video.id), 0))).scalar()
    mediapackage = studio.post(live_server + "/ingest/createMediaPackage").text
    package_id = package_id_of(mediapackage)
    answers = race([functools.partial(add_track, studio, live_server, mediapackage, number) for number in range(4)])
    assert [answer.status_code for answer in answers] == [200] * 4
    with database.connect() as connection:
        elements = connection.execute(select(IngestPackage.elements).where(IngestPackage.id == package_id)).scalar()
    assert sorted(element["filename"] for element in elements) == [f"part{number}.webm" for number in range(4)]
    answers = race(
        [
            functools.partial(studio.post, live_server + "/ingest/ingest", data={"mediaPackage": mediapackage})
            for _ in range(3)
        ]
    )
    assert sorted(answer.status_code for answer in answers) == [200, 409, 409]
    with database.connect() as connection:
        video_id = connection.execute(select(IngestPackage.video_id).where(IngestPackage.id == package_id)).scalar()
        made = connection.execute(select(Video.id).where(Video.id > last_video)).scalars().all()
    assert video_id is not None and made == [video_id]
