"""Contract test suites for replaceable backends: a backend's tests subclass one and provide it.

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def storage(self, tmp_path):
            return MyStorage(...)

A third party's backend gets the same proof as the built-in one.
"""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest

from core import hookimpl
from core.catalog import visible_videos
from core.metadata import get_tags
from core.models import Channel, Group, ShareLink, Video, utcnow
from core.search import SearchQuery, plugins_may_deny, search, suggest
from core.security import hash_password, open_share_link, unlock_video, video_permits
from core.tokens import token_hash
from core.tracks import save_track


class StorageContract:
    """What every :class:`core.storage.Storage` must do."""

    @pytest.fixture
    def storage(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    def test_save_open_size_exists(self, storage):
        assert storage.save("sites/1/videos/2/source", io.BytesIO(b"x" * 3_000_000)) == 3_000_000
        assert storage.exists("sites/1/videos/2/source")
        assert storage.size("sites/1/videos/2/source") == 3_000_000
        with storage.open("sites/1/videos/2/source") as handle:
            handle.seek(2_999_998)
            assert handle.read() == b"xx"
        assert not storage.exists("sites/1/videos/2/other")

    def test_append_respects_the_limit(self, storage):
        key = "sites/1/uploads/abc"
        assert storage.append(key, io.BytesIO(b"hello ")) == 6
        assert storage.append(key, io.BytesIO(b"world and more"), limit=5) == 5
        with storage.open(key) as handle:
            assert handle.read() == b"hello world"

    def test_truncate(self, storage):
        storage.save("sites/1/uploads/t", io.BytesIO(b"0123456789"))
        storage.truncate("sites/1/uploads/t", 4)
        assert storage.size("sites/1/uploads/t") == 4

    def test_move_and_delete(self, storage):
        storage.save("sites/1/uploads/u1", io.BytesIO(b"data"))
        storage.move("sites/1/uploads/u1", "sites/1/videos/9/source")
        assert not storage.exists("sites/1/uploads/u1") and storage.size("sites/1/videos/9/source") == 4
        storage.delete("sites/1/videos/9/source")
        storage.delete("sites/1/videos/9/source")  # deleting twice is fine
        assert not storage.exists("sites/1/videos/9/source")

    def test_put_tree_and_delete_prefix(self, storage, tmp_path):
        (tmp_path / "out" / "hls" / "360p").mkdir(parents=True)
        (tmp_path / "out" / "hls" / "master.m3u8").write_text("#EXTM3U")
        (tmp_path / "out" / "hls" / "360p" / "seg_000.m4s").write_bytes(b"\0" * 10)
        keys = storage.put_tree(str(tmp_path / "out"), "sites/1/videos/3/outputs/7")
        assert sorted(keys) == ["sites/1/videos/3/outputs/7/hls/360p/seg_000.m4s",
                                "sites/1/videos/3/outputs/7/hls/master.m3u8"]
        assert storage.size("sites/1/videos/3/outputs/7/hls/360p/seg_000.m4s") == 10
        storage.delete_prefix("sites/1/videos/3/outputs/7")
        assert not any(storage.exists(k) for k in keys)

    def test_walk_lists_every_key_under_a_prefix_with_its_size(self, storage, tmp_path):
        (tmp_path / "out" / "hls" / "360p").mkdir(parents=True)
        (tmp_path / "out" / "hls" / "360p" / "seg_000.m4s").write_bytes(b"\0" * 10)
        (tmp_path / "out" / "hls" / "360p" / "seg_001.m4s").write_bytes(b"\0" * 7)
        storage.put_tree(str(tmp_path / "out"), "sites/5/videos/3/outputs/7")
        storage.save("sites/5/videos/3/source", io.BytesIO(b"abc"))
        storage.save("sites/50/videos/1/source", io.BytesIO(b"not this site's"))
        assert sorted(storage.walk("sites/5")) == [("sites/5/videos/3/outputs/7/hls/360p/seg_000.m4s", 10),
                                                   ("sites/5/videos/3/outputs/7/hls/360p/seg_001.m4s", 7),
                                                   ("sites/5/videos/3/source", 3)]
        assert list(storage.walk("sites/6")) == []

    @pytest.mark.parametrize("key", ["../etc/passwd", "sites/1/../../x", "/etc/passwd", "sites/1/<script>.mp4",
                                     "sites//1", "", "sites/1/videos/2/source/"])
    def test_keys_never_become_arbitrary_paths(self, storage, key):
        with pytest.raises(ValueError):
            storage.save(key, io.BytesIO(b"x"))

    def test_local_path_when_local(self, storage):
        storage.save("sites/1/videos/4/source", io.BytesIO(b"abc"))
        path = storage.local_path("sites/1/videos/4/source")
        if path is not None:
            assert os.path.isfile(path) and open(path, "rb").read() == b"abc"


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


class SearchContract:
    """What every search plugin must do: find, count and suggest what the visitor may read, nothing more.

    The subclass provides ``search_site``, a site on which the plugin answers ``amphi_search``. Every
    access level (public, signed-in, groups, draft, a publication to come, password, share links) is
    searched by every kind of visitor, and the answers are held to the core's own rules: a video is
    found by its title when :func:`core.catalog.visible_videos` lists it, and by anything else
    (description, tags, a plugin's text, a caption track's words, facets, suggestions) only when
    :func:`core.security.video_permits` also lets the visitor watch it.
    """

    HIDDEN = {"description": "mitochondrie", "plugin": "krebs", "captions": "glycolyse", "tag": "biochimie"}

    @pytest.fixture
    def search_site(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    @pytest.fixture
    def catalogue(self, search_site, make_user, make_video, make_request, register_plugin, dbsession):
        """Ten ready videos of every access level, indexed, and the visitors who search them."""
        site, hidden = search_site, self.HIDDEN
        register_plugin(ContractTexts(), "contract-texts")
        site.enabled_plugins = sorted({*site.enabled_plugins, "contract-texts"})
        group = Group(site_id=site.id, name="contract-group", title="Group")
        channel = Channel(site_id=site.id, slug="contract-sciences", title="Sciences")
        dbsession.add_all([group, channel])
        people = {name: make_user(site, name, role=role, password="contract password 1")
                  for name, role in (("prof", "staff"), ("colleague", "staff"), ("user", "user"),
                                     ("member", "user"), ("admin", "site-admin"))}
        people["member"].groups.append(group)
        videos = {}
        for key, access in (("public", "public"), ("signed", "signed-in"), ("grouped", "groups"), ("draft", "draft"),
                            ("later", "public"), ("unlocked", "password"), ("linked", "password"),
                            ("coowned", "password"), ("locked", "password"), ("drafted", "draft")):
            video = make_video(site, people["prof"], f"Atelier {key}", access=access, status="ready", language="fr",
                               duration=60.0, description=f"Sur la {hidden['description']}", channels=[channel],
                               password_hash=hash_password("contract secret 1") if access == "password" else "")
            video.tags = get_tags(dbsession, site.id, [hidden["tag"], f"{key}label"])
            save_track(make_request(site), video, f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{hidden['captions']}\n",
                       kind="captions", language="fr", source="auto", plugin="contract-texts")
            videos[key] = video
        videos["grouped"].allowed_groups.append(group)
        videos["later"].publish_at = utcnow() + timedelta(days=2)
        videos["coowned"].additional_owners.append(people["colleague"])
        dbsession.flush()
        for video in videos.values():
            request = make_request(site)
            request.hooks.amphi_video_ready(request=request, video_id=video.id)
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
    def test_locked_videos_are_found_by_their_title_only(self, search_site, catalogue, make_request, dbsession,
                                                         register_plugin, checked_one_by_one):

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
                title.split()[1] + "label": 1 for title in readable}, name
            channels = {c.value: c.count for c in results.facets.get("channel", [])}
            assert channels == ({"contract-sciences": len(readable)} if readable else {}), name
            assert titles(request, text="atelier", filters={"tag": [self.HIDDEN["tag"]]}) == readable, name
            assert titles(request, text="atelier", min_duration=1) == readable, name
            assert titles(request, filters={"language": ["fr"]}) == readable, name
            assert set(suggest(request, "biochi")) == ({self.HIDDEN["tag"]} if readable else set()), name
            assert set(suggest(request, "lockedl")) == ({"lockedlabel"} & {t.split()[1] + "label" for t in readable})
        assert titles(make_request(search_site), text=f"atelier {self.HIDDEN['description']}") == {"Atelier public"}
        assert {"Atelier unlocked", "Atelier linked", "Atelier locked"} <= titles(make_request(search_site),
                                                                                  text="atelier")

    def test_the_api_searches_as_the_search_page(self, search_site, catalogue, make_testapp):
        people, videos = catalogue
        browser = make_testapp(search_site.domains[0].domain)
        found = browser.get("/api/v1/videos", {"q": "atelier", "per_page": 50}).json
        assert {v["title"]: v["locked"] for v in found["items"]} == {
            "Atelier public": False, "Atelier unlocked": True, "Atelier linked": True, "Atelier coowned": True,
            "Atelier locked": True}
        assert all("description" not in v for v in found["items"] if v["locked"])
        facets = {f["name"]: {c["value"]: c["count"] for c in f["values"]} for f in found["facets"]}
        assert facets["tag"] == {self.HIDDEN["tag"]: 1, "publiclabel": 1} and facets["language"] == {"fr": 1}
        assert [v["title"] for v in browser.get("/api/v1/videos", {"q": self.HIDDEN["captions"]}).json["items"]] == [
            "Atelier public"]
        browser.sign_in("prof", "contract password 1")
        mine = browser.get("/api/v1/videos", {"q": self.HIDDEN["captions"], "tag": "lockedlabel"}).json
        assert [v["title"] for v in mine["items"]] == ["Atelier locked"] and mine["total"] == 1
        assert {f["name"] for f in mine["facets"]} >= {"tag", "language", "channel"}
