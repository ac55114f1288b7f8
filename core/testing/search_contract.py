"""The search backend contract suite: what ``amphi_search``, ``amphi_search_suggest`` and
``amphi_search_reindex`` must do, whatever the index behind them.

A backend's tests subclass :class:`SearchContract` and provide ``make_search_site(slug)``, a factory
of sites on which the backend answers the search hooks (two sites may share one index)::

    class TestMySearch(SearchContract):
        @pytest.fixture
        def make_search_site(self, make_site):
            return lambda slug: make_site(slug)

An index that shows what it was sent only later overrides :meth:`SearchContract.settle`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core import hookimpl
from core.access.security import hash_password, open_share_link, unlock_video, video_permits
from core.access.tokens import token_hash
from core.catalogue.listing import visible_videos
from core.catalogue.metadata import get_tags
from core.catalogue.search import SearchQuery, plugins_may_deny, search, suggest
from core.catalogue.tracks import save_track
from core.models import Channel, Group, ShareLink, Theme, Video, utcnow
from core.platform.plugins import fire


class ContractTexts:
    """A plugin that feeds the search index a word of every video (as chapters, notes... do)."""

    @hookimpl
    def amphi_search_text(self, request, video):
        return {"chapters": SearchContract.HIDDEN["plugin"]}


class MayDeny:
    """A plugin that answers ``amphi_permits`` without denying: a search plugin must then check each match."""

    @hookimpl
    def amphi_permits(self, request, video, permission):
        return None


class Transcripts:
    """A plugin that gives every video a searched text and facets, one with a ``|`` in its value."""

    @hookimpl
    def amphi_search_text(self, request, video):
        return {"transcript": "nous allons parler de la mitose"}

    @hookimpl
    def amphi_search_facets(self, request, video):
        return {"tag": [("biologie", "Biologie")], "channel": [("a|b", "Canal A|B")]}


class Embargo:
    """A plugin that denies every video whose title ends with ``embargo``."""

    @hookimpl
    def amphi_permits(self, request, video, permission):
        return False if video.title.endswith("embargo") else None


#: Queries that must never raise: the index's own syntax is plain words to Amphi.
HOSTILE = [
    '"',
    'cours"',
    "'; DROP TABLE videos; --",
    "a OR b NOT c",
    "NEAR(a b)",
    "*",
    "title:x",
    "-",
    "(((",
    "🎓📚",
    "cours*",
    "^caret",
    "a:b:c",
    "\\",
    "%_",
    "é" * 500,
    "AND",
    "{title}: x",
    "{!terms f=id}1",
]


def counts(results) -> dict:
    """``{facet: {value: count}}`` of a search's results."""
    return {facet: {c.value: c.count for c in values} for facet, values in results.facets.items()}


def event_arguments(event: str, video) -> dict:
    """A video event's arguments: the worker's events (``ready``, ``failed``) carry the video's id."""
    return {"video_id": video.id} if event in ("ready", "failed") else {"video": video}


class SearchContract:
    """What every search plugin must do: find, count and suggest what the visitor may read, nothing more.

    The subclass provides ``make_search_site``. Every access level (public, signed-in, groups, draft, a
    publication to come, password, share links) is searched by every kind of visitor, and the answers are
    held to the core's own rules: a video is found by its title when :func:`core.catalogue.listing.visible_videos`
    lists it, and by anything else (description, tags, a plugin's text, a caption track's words, facets,
    suggestions) only when :func:`core.access.security.video_permits` also lets the visitor watch it.
    """

    HIDDEN = {"description": "mitochondrie", "plugin": "krebs", "captions": "glycolyse", "tag": "biochimie"}

    @pytest.fixture
    def make_search_site(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    def settle(self, request) -> None:
        """Wait until the index shows what it was sent (a no-op for an index that answers at once)."""

    # --- the calls into the hooks (one place to follow the hook contract) --------------

    def announce(self, site, make_request, event: str, video) -> None:
        """Fire a video event (``ready``, ``changed``, ``deleted``) on ``site``, as the core does."""
        request = make_request(site)
        fire(request, f"amphi_video_{event}", **event_arguments(event, video))
        self.settle(request)

    def reindex(self, site, make_request) -> list:
        request = make_request(site)
        answers = request.hooks.amphi_search_reindex(request=request)
        self.settle(request)
        return answers

    def found(self, make_request, site, user=None, **query) -> list[str]:
        """Titles of what ``user`` finds on ``site`` for ``query``, in order."""
        results = search(make_request(site, user), SearchQuery(**query))
        assert results is not None, "the backend under test is enabled on the site: it answers every search"
        return [video.title for video in results.videos]

    # --- fixtures ---------------------------------------------------------------------------

    @pytest.fixture
    def search_site(self, make_search_site):
        return make_search_site("a")

    @pytest.fixture
    def publish(self, make_video, make_request):
        """``publish(site, owner, title, **fields)``: a video that becomes ready (its event fires)."""

        def publish(site, owner, title, **fields):
            fields.setdefault("access", "public")
            video = make_video(site, owner, title, **fields)
            video.status = "ready"
            self.announce(site, make_request, "ready", video)
            return video

        return publish

    @pytest.fixture
    def prof(self, search_site, make_user):
        return make_user(search_site, "prof", role="staff", display_name="Marie Curie")

    @pytest.fixture
    def with_plugin(self, search_site, register_plugin):
        """``with_plugin(obj, name)``: a test plugin registered and enabled on the search site."""

        def add(plugin, name):
            register_plugin(plugin, name)
            search_site.enabled_plugins = sorted({*search_site.enabled_plugins, name})

        return add

    # --- words, order, pages ----------------------------------------------------------------

    def test_finds_by_title_description_and_owner_name(self, search_site, prof, publish, make_user, make_request):
        site = search_site
        publish(site, prof, "Introduction à la radioactivité", description="Le polonium et le radium")
        publish(
            site,
            make_user(site, "other", role="staff", display_name="Paul Langevin"),
            "Magnétisme",
            description="Les aimants",
        )
        assert self.found(make_request, site, text="radioactivite") == ["Introduction à la radioactivité"]
        assert self.found(make_request, site, text="POLONIUM") == ["Introduction à la radioactivité"]
        assert self.found(make_request, site, text="Langevin") == ["Magnétisme"]
        assert self.found(make_request, site, text="aimants Curie") == []  # every word must match
        assert self.found(make_request, site, text="inexistant") == []

    def test_title_ranks_above_description(self, search_site, prof, publish, make_request):
        publish(search_site, prof, "Chimie organique", description="On parle un peu de thermodynamique ici")
        publish(search_site, prof, "Thermodynamique", description="Premier principe")
        assert self.found(make_request, search_site, text="thermodynamique") == ["Thermodynamique", "Chimie organique"]

    def test_sorts_by_date_and_pages(self, search_site, prof, publish, make_request):
        for year in (2021, 2024, 2022, 2023):
            publish(search_site, prof, f"Séminaire {year}", date_recorded=date(year, 3, 1))
        assert self.found(make_request, search_site, text="séminaire", sort="date") == [
            "Séminaire 2024",
            "Séminaire 2023",
            "Séminaire 2022",
            "Séminaire 2021",
        ]
        first = search(make_request(search_site), SearchQuery(text="seminaire", sort="date", per_page=3))
        second = search(make_request(search_site), SearchQuery(text="seminaire", sort="date", per_page=3, page=2))
        assert (first.total, first.pages, second.total, second.pages) == (4, 2, 4, 2)
        assert [v.title for v in second.videos] == ["Séminaire 2021"]

    # --- facets -------------------------------------------------------------------------------

    def test_facets_count_and_filter(self, search_site, prof, publish, make_request):
        site = search_site
        publish(site, prof, "Cours A", language="fr", duration=120, date_recorded=date(2024, 1, 1))
        publish(site, prof, "Cours B", language="fr", duration=1500, date_recorded=date(2025, 1, 1))
        publish(site, prof, "Cours C", language="en", duration=4000, date_recorded=date(2025, 6, 1))
        assert counts(search(make_request(site), SearchQuery(text="cours"))) == {
            "language": {"fr": 2, "en": 1},
            "year": {"2024": 1, "2025": 2},
            "duration": {"short": 1, "long": 1, "very-long": 1},
        }
        assert sorted(self.found(make_request, site, text="cours", filters={"language": ["fr"]})) == [
            "Cours A",
            "Cours B",
        ]
        filtered = search(make_request(site), SearchQuery(text="cours", filters={"language": ["fr"], "year": ["2025"]}))
        assert [v.title for v in filtered.videos] == ["Cours B"] and filtered.total == 1
        # A filtered facet keeps its other values on offer, counted under the other filters.
        assert counts(filtered) == {
            "language": {"fr": 1, "en": 1},
            "year": {"2024": 1, "2025": 1},
            "duration": {"long": 1},
        }
        assert self.found(make_request, site, filters={"duration": ["short", "very-long"]}, sort="date") == [
            "Cours C",
            "Cours A",
        ]
        assert self.found(make_request, site, min_duration=100, max_duration=2000, sort="date") == [
            "Cours B",
            "Cours A",
        ]

    def test_public_channels_are_searched_words_and_a_facet(self, search_site, prof, publish, make_request, dbsession):
        site = search_site
        maths = Channel(site_id=site.id, slug="maths", title="Mathématiques appliquées")
        maths.themes.append(Theme(slug="proba", title="Probabilités"))
        secret = Channel(site_id=site.id, slug="jury", title="Délibérations", visibility="hidden")
        # A channel for some groups: the index answers everyone, so neither its name nor its facet is in it.
        grouped = Channel(site_id=site.id, slug="tutorat", title="Tutorat réservé", visibility="groups")
        grouped.allowed_groups.append(Group(site_id=site.id, name="tuteurs"))
        dbsession.add_all([maths, secret, grouped])
        dbsession.flush()
        publish(site, prof, "Séance 1", channels=[maths], themes=[maths.themes[0]])
        publish(site, prof, "Séance 2", channels=[maths, secret, grouped])
        publish(site, prof, "Séance 3", channels=[secret, grouped])
        assert sorted(self.found(make_request, site, text="appliquees")) == ["Séance 1", "Séance 2"]
        assert self.found(make_request, site, text="probabilites") == ["Séance 1"]
        assert self.found(make_request, site, text="deliberations") == []  # a hidden channel's name is not indexed
        assert self.found(make_request, site, text="tutorat") == []
        results = search(make_request(site), SearchQuery(text="séance"))
        assert [(c.value, c.label, c.count) for c in results.facets["channel"]] == [
            ("maths", "Mathématiques appliquées", 2)
        ]
        assert sorted(self.found(make_request, site, text="séance", filters={"channel": ["maths"]})) == [
            "Séance 1",
            "Séance 2",
        ]

    def test_plugins_contribute_text_and_facets(self, search_site, prof, publish, make_request, with_plugin):
        with_plugin(Transcripts(), "contract-transcripts")
        publish(search_site, prof, "Séance 3")
        results = search(make_request(search_site), SearchQuery(text="mitose"))
        assert [v.title for v in results.videos] == ["Séance 3"]
        assert [(c.value, c.label, c.count) for c in results.facets["tag"]] == [("biologie", "Biologie", 1)]
        assert [(c.value, c.label, c.count) for c in results.facets["channel"]] == [("a|b", "Canal A|B", 1)]
        assert self.found(make_request, search_site, text="mitose", filters={"channel": ["a|b"]}) == ["Séance 3"]
        assert suggest(make_request(search_site), "bio") == ["Biologie"]

    # --- access and sites ---------------------------------------------------------------------

    def test_access_rules_apply_to_results_counts_and_suggestions(
        self, search_site, prof, publish, make_request, make_user, dbsession
    ):
        site = search_site
        group = Group(site_id=site.id, name="l3", title="L3")
        member, user = make_user(site, "member"), make_user(site, "user")
        member.groups.append(group)
        dbsession.add(group)
        publish(site, prof, "Atelier public", language="fr")
        publish(site, prof, "Atelier brouillon", language="de", access="draft")
        grouped = publish(site, prof, "Atelier du groupe", language="it", access="groups")
        grouped.allowed_groups.append(group)
        publish(site, prof, "Atelier inscrits", language="es", access="signed-in")
        publish(site, prof, "Atelier en cours d'encodage").status = "processing"
        dbsession.flush()

        def seen(who):
            results = search(make_request(site, who), SearchQuery(text="atelier", sort="date"))
            return sorted(v.title for v in results.videos), results.total, counts(results).get("language", {})

        assert seen(None) == (["Atelier public"], 1, {"fr": 1})
        assert seen(user) == (["Atelier inscrits", "Atelier public"], 2, {"fr": 1, "es": 1})
        assert seen(member) == (
            ["Atelier du groupe", "Atelier inscrits", "Atelier public"],
            3,
            {"fr": 1, "es": 1, "it": 1},
        )
        assert "Atelier brouillon" in seen(prof)[0]  # the owner finds their own draft; nobody else does
        assert suggest(make_request(site), "atel") == ["Atelier public"]

    def test_each_site_finds_only_its_own_videos(
        self, search_site, make_search_site, prof, publish, make_request, make_user
    ):
        other = make_search_site("b")
        publish(search_site, prof, "Atelier d'ici", language="fr")
        publish(other, make_user(other, "prof", role="staff"), "Atelier de l'autre site", language="en")
        assert self.found(make_request, search_site, text="atelier") == ["Atelier d'ici"]
        assert self.found(make_request, other, text="atelier") == ["Atelier de l'autre site"]
        assert counts(search(make_request(search_site), SearchQuery(text="atelier")))["language"] == {"fr": 1}
        assert suggest(make_request(other), "atel") == ["Atelier de l'autre site"]
        assert self.reindex(search_site, make_request) == [1]
        assert self.found(make_request, other, text="atelier") == ["Atelier de l'autre site"]

    def test_a_plugin_denial_hides_a_video_from_results_counts_and_suggestions(
        self, search_site, prof, publish, make_request, with_plugin
    ):
        with_plugin(Embargo(), "contract-embargo")
        publish(search_site, prof, "Thèse sous embargo", language="fr")
        publish(search_site, prof, "Thèse publique", language="en")
        results = search(make_request(search_site), SearchQuery(text="these"))
        assert [v.title for v in results.videos] == ["Thèse publique"] and results.total == 1
        assert counts(results)["language"] == {"en": 1}
        assert suggest(make_request(search_site), "thès") == ["Thèse publique"]

    # --- following the catalogue ----------------------------------------------------------------

    def test_index_follows_the_video_events(self, search_site, prof, make_video, make_request):
        site = search_site
        video = make_video(site, prof, "Mécanique quantique", access="public")
        self.announce(site, make_request, "changed", video)  # uploaded, not ready: not indexed
        assert self.found(make_request, site, text="quantique") == []
        video.status = "ready"
        self.announce(site, make_request, "ready", video)
        assert self.found(make_request, site, text="quantique") == ["Mécanique quantique"]
        video.title = "Mécanique des fluides"
        self.announce(site, make_request, "changed", video)
        assert self.found(make_request, site, text="quantique") == []
        assert self.found(make_request, site, text="fluides") == ["Mécanique des fluides"]
        self.announce(site, make_request, "deleted", video)
        assert self.found(make_request, site, text="fluides") == []

    def test_reindex_rebuilds_the_site_index(self, search_site, prof, publish, make_request):
        for n in range(3):
            publish(search_site, prof, f"Optique {n}")
        prof.display_name = "Marie Skłodowska-Curie"  # no video event for this
        assert self.reindex(search_site, make_request) == [3]
        assert len(self.found(make_request, search_site, text="Skłodowska")) == 3

    # --- what visitors type -------------------------------------------------------------------

    def test_suggestions_complete_the_prefix_within_the_limit(self, search_site, prof, publish, make_request):
        for n in range(4):
            publish(search_site, prof, f"Séminaire {n}")
        publish(search_site, prof, "Colloque")
        request = make_request(search_site)
        answer = request.hooks.amphi_search_suggest(request=request, prefix="semin", limit=2)
        assert len(answer) == 2 and all(text.startswith("Séminaire ") for text in answer)
        assert sorted(suggest(make_request(search_site), "sémi")) == [f"Séminaire {n}" for n in range(4)]

    def test_hostile_queries_never_raise(self, search_site, prof, publish, make_testapp):
        publish(search_site, prof, 'Cours "spécial" de SQL; DROP')
        browser = make_testapp(search_site.domains[0].domain)
        for text in HOSTILE:
            page = browser.get("/search", {"q": text}, status=200)
            assert re.search(r"\d+ videos? found\.", page.text), text
            assert browser.get("/api/search/suggest", {"q": text}).json["suggestions"] is not None, text

    def test_the_search_page_and_suggestions(self, search_site, prof, publish, make_testapp):
        for n in range(3):
            publish(search_site, prof, f"Conférence <b>{n}</b>", language="fr" if n % 2 else "en")
        browser = make_testapp(search_site.domains[0].domain)
        page = browser.get("/search", {"q": "conférence"})
        assert "3 videos found." in page.text and "Conférence &lt;b&gt;2&lt;/b&gt;" in page.text
        assert 'name="language" value="fr"' in page.text and "(2)" in page.text
        assert "No video matches" in browser.get("/search", {"q": "introuvable"}).text
        assert browser.get("/api/search/suggest", {"q": "conf"}).json["suggestions"][0].startswith("Conférence")
        assert browser.get("/api/search/suggest", {"q": "c"}).json == {"suggestions": []}

    # --- every access level, every visitor ------------------------------------------------------

    @pytest.fixture
    def catalogue(self, search_site, make_user, make_video, make_request, register_plugin, dbsession):
        """Ten ready videos of every access level, indexed, and the visitors who search them."""
        site, hidden = search_site, self.HIDDEN
        register_plugin(ContractTexts(), "contract-texts")
        site.enabled_plugins = sorted({*site.enabled_plugins, "contract-texts"})
        group = Group(site_id=site.id, name="contract-group", title="Group")
        channel = Channel(site_id=site.id, slug="contract-sciences", title="Sciences")
        dbsession.add_all([group, channel])
        people = {
            name: make_user(site, name, role=role, password="contract password 1")
            for name, role in (
                ("prof", "staff"),
                ("colleague", "staff"),
                ("user", "user"),
                ("member", "user"),
                ("admin", "site-admin"),
            )
        }
        people["member"].groups.append(group)
        videos = {}
        for key, access in (
            ("public", "public"),
            ("signed", "signed-in"),
            ("grouped", "groups"),
            ("draft", "draft"),
            ("later", "public"),
            ("unlocked", "password"),
            ("linked", "password"),
            ("coowned", "password"),
            ("locked", "password"),
            ("drafted", "draft"),
        ):
            video = make_video(
                site,
                people["prof"],
                f"Atelier {key}",
                access=access,
                status="ready",
                language="fr",
                duration=60.0,
                description=f"Sur la {hidden['description']}",
                channels=[channel],
                password_hash=hash_password("contract secret 1") if access == "password" else "",
            )
            video.tags = get_tags(dbsession, site.id, [hidden["tag"], f"{key}label"])
            save_track(
                make_request(site),
                video,
                f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{hidden['captions']}\n",
                kind="captions",
                language="fr",
                source="auto",
                plugin="contract-texts",
            )
            videos[key] = video
        videos["grouped"].allowed_groups.append(group)
        videos["later"].publish_at = utcnow() + timedelta(days=2)
        videos["coowned"].additional_owners.append(people["colleague"])
        dbsession.flush()
        for video in videos.values():
            self.announce(site, make_request, "ready", video)
        return people, videos

    def viewers(self, site, catalogue, make_request, dbsession):
        """``{name: request}``: anonymous, each person, a session that gave a password, one holding share links."""
        people, videos = catalogue
        requests = {"anonymous": make_request(site)}
        requests.update({name: make_request(site, user) for name, user in people.items()})
        requests["password given"] = make_request(site)
        unlock_video(requests["password given"], videos["unlocked"])
        requests["share links"] = make_request(site)
        for key in ("linked", "drafted"):
            link = ShareLink(video_id=videos[key].id, token_hash=token_hash(f"contract-{key}-{videos[key].id}"))
            dbsession.add(link)
            dbsession.flush()
            open_share_link(requests["share links"], link)
        return requests

    @staticmethod
    def expected(request, videos) -> tuple[set[str], set[str]]:
        """The titles the core lists to ``request``, and those of them it may watch."""
        ids = {v.id for v in videos.values()}
        listed = request.dbsession.scalars(visible_videos(request).where(Video.id.in_(ids), Video.status == "ready"))
        listed = list(listed)
        return {v.title for v in listed}, {v.title for v in listed if video_permits(request, v, "view")}

    @pytest.mark.parametrize("checked_one_by_one", [False, True])
    def test_locked_videos_are_found_by_their_title_only(
        self, search_site, catalogue, make_request, dbsession, register_plugin, checked_one_by_one
    ):

        if checked_one_by_one:
            register_plugin(MayDeny(), "contract-may-deny")
            search_site.enabled_plugins = sorted({*search_site.enabled_plugins, "contract-may-deny"})
        assert plugins_may_deny(make_request(search_site)) == checked_one_by_one

        def titles(request, **query):
            return {video.title for video in search(request, SearchQuery(per_page=50, **query)).videos}

        for name, request in self.viewers(search_site, catalogue, make_request, dbsession).items():
            listed, readable = self.expected(request, catalogue[1])
            assert titles(request, text="atelier") == listed, name
            for field, word in self.HIDDEN.items():
                assert titles(request, text=f"atelier {word}") == readable, (name, field)
            results = search(request, SearchQuery(text="atelier", per_page=50))
            tags = {c.value: c.count for c in results.facets.get("tag", [])}
            assert tags == ({self.HIDDEN["tag"]: len(readable)} if readable else {}) | {
                title.split()[1] + "label": 1 for title in readable
            }, name
            channels = {c.value: c.count for c in results.facets.get("channel", [])}
            assert channels == ({"contract-sciences": len(readable)} if readable else {}), name
            assert titles(request, text="atelier", filters={"tag": [self.HIDDEN["tag"]]}) == readable, name
            assert titles(request, text="atelier", min_duration=1) == readable, name
            assert titles(request, filters={"language": ["fr"]}) == readable, name
            assert set(suggest(request, "biochi")) == ({self.HIDDEN["tag"]} if readable else set()), name
            assert set(suggest(request, "lockedl")) == ({"lockedlabel"} & {t.split()[1] + "label" for t in readable})
        assert titles(make_request(search_site), text=f"atelier {self.HIDDEN['description']}") == {"Atelier public"}
        assert {"Atelier unlocked", "Atelier linked", "Atelier locked"} <= titles(
            make_request(search_site), text="atelier"
        )

    def test_the_api_searches_as_the_search_page(self, search_site, catalogue, make_testapp):
        browser = make_testapp(search_site.domains[0].domain)
        found = browser.get("/api/v1/videos", {"q": "atelier", "per_page": 50}).json
        assert {v["title"]: v["locked"] for v in found["items"]} == {
            "Atelier public": False,
            "Atelier unlocked": True,
            "Atelier linked": True,
            "Atelier coowned": True,
            "Atelier locked": True,
        }
        assert all("description" not in v for v in found["items"] if v["locked"])
        facets = {f["name"]: {c["value"]: c["count"] for c in f["values"]} for f in found["facets"]}
        assert facets["tag"] == {self.HIDDEN["tag"]: 1, "publiclabel": 1} and facets["language"] == {"fr": 1}
        assert [v["title"] for v in browser.get("/api/v1/videos", {"q": self.HIDDEN["captions"]}).json["items"]] == [
            "Atelier public"
        ]
        browser.sign_in("prof", "contract password 1")
        mine = browser.get("/api/v1/videos", {"q": self.HIDDEN["captions"], "tag": "lockedlabel"}).json
        assert [v["title"] for v in mine["items"]] == ["Atelier locked"] and mine["total"] == 1
        assert {f["name"] for f in mine["facets"]} >= {"tag", "language", "channel"}
