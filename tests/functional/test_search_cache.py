"""search_sql's facet cache: the same answers as the database for every kind of visitor, and
out of date as soon as the index, a video's visibility or the clock says so."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from core.catalogue.search import SearchQuery, search
from core.models import Group
from core.pagecache.generation import forget_pending_changes, has_pending_changes
from plugins.search_sql import cache
from plugins.search_sql import query as search_sql_query


@pytest.fixture
def cached(monkeypatch, dbsession):
    """``cached()``: as if the test's writes were committed. The content generation is bumped at
    commit, which these tests never reach (tests/functional/test_page_cache.py commits for real):
    here it is a counter that ``cached()`` moves on, as a commit would, and ``cached.elsewhere()``
    too (another process's commit). The entries built are counted in ``cached.built``."""
    cache.clear()
    built, generation = [], [0]
    monkeypatch.setattr(cache, "generation", lambda session: generation[0])
    monkeypatch.setattr(
        search_sql_query,
        "class_entry",
        lambda *args, real=search_sql_query.class_entry: built.append(args[1]) or real(*args),
    )

    def committed():
        dbsession.flush()
        forget_pending_changes(dbsession)
        generation[0] += 1

    committed.built = built
    committed.elsewhere = lambda: generation.__setitem__(0, generation[0] + 1)
    yield committed
    cache.clear()


@pytest.fixture
def catalogue(site, make_user, publish, dbsession):
    """Twelve videos of every access level, two owners, a co-owner, a group and a publication to come."""
    group = Group(site_id=site.id, name="l3-droit", title="L3 Droit")
    member = make_user(site, "member")
    member.groups.append(group)
    dbsession.add(group)
    people = {
        "prof": make_user(site, "prof", role="staff"),
        "other": make_user(site, "other", role="staff"),
        "member": member,
        "user": make_user(site, "user"),
        "admin": make_user(site, "boss", role="site-admin"),
    }
    accesses = ("public", "signed-in", "draft", "groups", "password", "public")
    for n in range(12):
        video = publish(
            site,
            people["prof" if n % 4 else "other"],
            f"Colloque {n}" + (" colloque" * (n % 3)),
            language=("fr", "en", "de")[n % 3],
            access=accesses[n % 6],
            duration=100.0 + 400 * n,
            date_recorded=date(2016 + n % 5, 1, 1),
        )
        if video.access == "groups":
            video.allowed_groups.append(group)
        if n == 5:
            video.additional_owners.append(people["user"])
        if n == 7:
            video.publish_at = datetime.now(UTC) + timedelta(days=2)
    dbsession.flush()
    return people


QUERIES = (
    {},
    {"page": 2},
    {"page": 4},
    {"sort": "date"},
    {"sort": "date", "page": 3},
    {"filters": {"language": ["fr", "de"]}},
    {"filters": {"language": ["en"], "year": ["2017", "2019"]}},
    {"min_duration": 500, "max_duration": 3000},
    {"year_from": 2017, "sort": "date"},
)


def answers(make_request, site, user, **query):
    found = search(make_request(site, user), SearchQuery(text="colloque", per_page=3, **query))
    return (
        [v.title for v in found.videos],
        found.total,
        found.pages,
        {facet: sorted((c.value, c.label, c.count) for c in counts) for facet, counts in found.facets.items()},
    )


def test_the_cache_answers_as_the_database_does(site, catalogue, make_request, cached, monkeypatch):
    monkeypatch.setattr(cache, "RANKED", 4)  # pages beyond the kept matches are searched again
    viewers = (None, *catalogue.values())
    monkeypatch.setattr(cache, "ENABLED", False)
    expected = {
        (i, n): answers(make_request, site, user, **query)
        for i, user in enumerate(viewers)
        for n, query in enumerate(QUERIES)
    }
    monkeypatch.setattr(cache, "ENABLED", True)
    cached()
    for _round in ("cold", "warm"):
        for i, user in enumerate(viewers):
            for n, query in enumerate(QUERIES):
                assert answers(make_request, site, user, **query) == expected[i, n], (i, query)
    # One entry per class of visitors (anonymous, signed-in, admin) and query (its pages share it).
    assert len(cached.built) == 3 * 6
    # Public and password: 6; signed-in: 7 (Colloque 7 is not out yet); the group's: 9; the prof's own
    # drafts, group videos and Colloque 7: 11; the other's draft: 8; the site admin: all 12.
    assert [expected[i, 0][1] for i in range(6)] == [6, 11, 8, 9, 7, 12]


def test_no_draft_or_signed_in_video_is_counted_for_a_visitor(site, catalogue, make_request, cached):
    cached()
    for user in (catalogue["prof"], catalogue["admin"], None):  # the owner and the admin fill their entries first
        answers(make_request, site, user)
    titles, total, _pages, facets = answers(make_request, site, None)
    # The two password videos are found by their title, their facets are not the visitor's to count.
    assert total == 6 and sum(count for _v, _l, count in facets["language"]) == 4


def test_a_change_of_access_or_the_index_is_seen_at_once(site, catalogue, make_request, cached, dbsession):
    cached()
    assert answers(make_request, site, None)[1] == 6
    video = dbsession.scalar(text("SELECT id FROM videos WHERE title = 'Colloque 0'"))
    from core.models import Video

    dbsession.get(Video, video).access = "draft"
    dbsession.flush()
    assert has_pending_changes(dbsession)  # this transaction skips the cache until it ends
    assert answers(make_request, site, None)[1] == 5
    cached()
    assert answers(make_request, site, None)[1] == 5 and len(cached.built) == 2
    # Another process's write: only the generation in the database tells.
    cached.elsewhere()
    answers(make_request, site, None)
    assert len(cached.built) == 3


def test_a_publication_date_shows_its_video_when_due(site, catalogue, make_request, cached, dbsession):
    from core.models import Video

    soon = dbsession.scalar(text("SELECT id FROM videos WHERE title LIKE 'Colloque 7%'"))
    dbsession.get(Video, soon).publish_at = datetime.now(UTC) + timedelta(seconds=1.5)
    cached()
    assert answers(make_request, site, catalogue["user"])[1] == 7
    assert answers(make_request, site, catalogue["user"])[1] == 7 and len(cached.built) == 1
    time.sleep(1.6)
    assert answers(make_request, site, catalogue["user"])[1] == 8 and len(cached.built) == 2


def test_a_password_videos_hidden_words_and_facets_stay_out_of_the_shared_entries(
    site, make_user, publish, make_request, cached, dbsession
):
    """The anonymous and signed-in entries find a password video by its title only and count none of its
    facets; its owner and a session that gave its password find it whole, outside those entries."""
    from core.access.security import hash_password, unlock_video
    from core.catalogue.metadata import get_tags

    prof, user = make_user(site, "prof", role="staff"), make_user(site, "user")
    closed = publish(
        site,
        prof,
        "Séminaire fermé",
        access="password",
        description="Le polonium",
        password_hash=hash_password("seminar secret 1"),
        tags=get_tags(dbsession, site.id, ["secret"]),
    )
    publish(site, prof, "Séminaire ouvert", description="Le radium")
    cached()
    unlocked = make_request(site)
    unlock_video(unlocked, closed)

    def seen(request, text):
        results = search(request, SearchQuery(text=text))
        return sorted(v.title for v in results.videos), {c.value: c.count for c in results.facets.get("tag", [])}

    for _round in ("cold", "warm"):
        for visitor in (None, user):
            assert seen(make_request(site, visitor), "séminaire") == (["Séminaire fermé", "Séminaire ouvert"], {})
            assert seen(make_request(site, visitor), "polonium") == ([], {})
        assert seen(make_request(site, prof), "polonium") == (["Séminaire fermé"], {"secret": 1})
        assert seen(unlocked, "séminaire") == (["Séminaire fermé", "Séminaire ouvert"], {"secret": 1})
    assert len(cached.built) == 4  # anonymous and signed-in, two queries each; the others never share them
