"""``amphi site export`` / ``import`` (issue 19): a site made on SQLite, with its media, moved into the
database of this run (PostgreSQL in the PostgreSQL pass), compared row by row and byte by byte."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Channel, Group, Job, MediaFile, Site, SiteDomain, Tag, Theme, Track, User, Video
from core.ops.siteexport import ArchiveError, export_site, exported_tables, import_site, remove_site
from core.platform.db import make_engine
from core.platform.migrate import upgrade
from core.testing import temporary_database
from plugins.chapters.models import Chapter
from plugins.notes.models import Note
from plugins.playlists.models import Playlist, PlaylistItem
from plugins.storage_local.storage import LocalStorage


def test_tables_come_from_the_foreign_keys(app):  # the app: every plugin (and its tables) loaded
    names = [table.name for table in exported_tables()]
    assert names[0] == "sites"
    assert {"users", "videos", "media_files", "jobs", "playlists_items", "notes_notes", "themes", "video_tags"} <= set(
        names
    )
    assert {"live_events", "chapters", "auth_local_credentials"} <= set(names)  # plugins' tables come along
    assert "user_sessions" not in names and "rate_limit_hits" not in names and "cache_generation" not in names


def make_source_site(session: Session, storage: LocalStorage) -> int:
    """A site with two users, a group, a channel with nested themes, a video with a file, a track, a job,
    a co-owner, a tag, chapters, a note and its reply, a playlist; and a second site that must stay behind."""
    other = Site(slug="other", name="Other")
    session.add(other)
    session.flush()
    session.add(User(site_id=other.id, username="stranger"))
    site = Site(slug="law", name="Faculty of Law", enabled_plugins=["storage_local", "notes"])
    session.add(site)
    session.flush()
    session.add(SiteDomain(site_id=site.id, domain="law.example.edu"))
    prof, student = User(site_id=site.id, username="prof"), User(site_id=site.id, username="student")
    group = Group(site_id=site.id, name="L1")
    group.members.append(student)
    session.add_all([prof, student, group])
    channel = Channel(site_id=site.id, slug="civil", title="Civil law")
    session.add(channel)
    session.flush()
    top = Theme(channel_id=channel.id, slug="contracts", title="Contracts")
    session.add(top)
    session.flush()
    session.add(Theme(channel_id=channel.id, parent_id=top.id, slug="sale", title="Sale"))
    video = Video(site_id=site.id, owner_id=prof.id, title="Contract law 1", slug="contract-law-1", duration=12.5)
    video.date_recorded = date(2026, 3, 4)
    video.additional_owners.append(student)
    session.add(video)
    session.flush()
    key = f"sites/{site.id}/videos/{video.id}/source"
    storage.save(key, io.BytesIO(b"the original bytes"))
    storage.save(f"sites/{site.id}/videos/{video.id}/outputs/1/hls/master.m3u8", io.BytesIO(b"#EXTM3U\n"))
    video.poster_key = f"sites/{site.id}/videos/{video.id}/outputs/1/poster.jpg"
    session.add_all(
        [
            MediaFile(video_id=video.id, kind="source", key=key, size=18),
            Track(video_id=video.id, kind="subtitles", language="fr", key=f"sites/{site.id}/videos/{video.id}/fr.vtt"),
            Job(video_id=video.id, kind="encode", state="done"),
            Chapter(site_id=site.id, video_id=video.id, title="Offer", start_ms=0),
        ]
    )
    tag = Tag(site_id=site.id, name="civil")
    session.add(tag)
    session.flush()
    video.tags.append(tag)
    question = Note(site_id=site.id, video_id=video.id, author_id=student.id, kind="comment", text="Why?")
    session.add(question)
    session.flush()
    session.add(
        Note(
            site_id=site.id,
            video_id=video.id,
            author_id=prof.id,
            parent_id=question.id,
            kind="comment",
            text="Because.",
        )
    )
    playlist = Playlist(site_id=site.id, owner_id=student.id, title="Revision", token="t" * 32)
    session.add(playlist)
    session.flush()
    session.add(PlaylistItem(playlist_id=playlist.id, video_id=video.id, position=1))
    session.commit()
    return site.id


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A migrated SQLite database holding the site ``law``, and its storage."""
    from core.platform.plugins import make_plugin_host
    from core.platform.settings import load_settings

    folder = tmp_path_factory.mktemp("export")
    with temporary_database(folder, "sqlite") as url:
        engine = make_engine(url)
        upgrade(engine, make_plugin_host(load_settings({"amphi.var_dir": str(folder)})))
        storage = LocalStorage(str(folder / "media"), "")
        with Session(engine) as session:
            site_id = make_source_site(session, storage)
        yield engine, storage, site_id, folder
        engine.dispose()


def summary(engine, site_id: int, storage) -> dict:
    """What a person would compare: names, titles, who owns what, keys relative to the ids, the bytes."""
    with Session(engine) as s:
        site = s.get(Site, site_id)
        video = s.scalars(select(Video).where(Video.site_id == site_id)).one()
        notes = s.scalars(select(Note).where(Note.video_id == video.id).order_by(Note.id)).all()
        themes = s.scalars(select(Theme).join(Channel).where(Channel.site_id == site_id).order_by(Theme.id)).all()
        source = s.scalars(select(MediaFile).where(MediaFile.video_id == video.id)).one()
        prefix = f"sites/{site_id}/videos/{video.id}/"
        return {
            "site": (site.name, site.enabled_plugins, [d.domain for d in site.domains]),
            "users": sorted(s.scalars(select(User.username).where(User.site_id == site_id))),
            "group": sorted(
                u.username for g in s.scalars(select(Group).where(Group.site_id == site_id)) for u in g.members
            ),
            "video": (video.title, video.owner.username, video.date_recorded, video.duration, video.created_at),
            "co-owners": [u.username for u in video.additional_owners],
            "keys": (source.key.removeprefix(prefix), video.poster_key.removeprefix(prefix), source.size),
            "bytes": storage.open(source.key).read(),
            "tracks": [t.key.removeprefix(prefix) for t in video.tracks],
            "themes": [(t.title, t.parent.title if t.parent else None) for t in themes],
            "notes": [
                (n.text, n.author_id == video.owner_id, notes.index(n.parent) if n.parent_id else None)
                for n in notes
                for n.parent in [s.get(Note, n.parent_id) if n.parent_id else None]
            ],
            "playlist": [
                (
                    p.title,
                    p.owner.username,
                    [
                        s.get(Video, i.video_id).title
                        for i in s.scalars(select(PlaylistItem).where(PlaylistItem.playlist_id == p.id))
                    ],
                )
                for p in s.scalars(select(Playlist).where(Playlist.site_id == site_id))
            ],
            "chapters": s.scalar(select(func.count(Chapter.id)).where(Chapter.site_id == site_id)),
            "jobs": [(j.kind, j.state) for j in s.scalars(select(Job).where(Job.video_id == video.id))],
        }


def test_round_trip_into_this_runs_database(source, app, tmp_path):
    engine, storage, site_id, _folder = source
    archive = str(tmp_path / "law.tar")
    with engine.connect() as connection:
        counts = export_site(connection, "law", archive, storage)
    assert counts["users"] == 2 and counts["media files"] == 2 and "user_sessions" not in counts
    with tarfile.open(archive) as tar:
        rows = [json.loads(line) for line in tar.extractfile("rows.jsonl")]
    assert not [r for r in rows if r["table"] == "users" and r["row"]["username"] == "stranger"]  # the other site's

    target = app.registry["db_engine"]
    target_storage = LocalStorage(str(tmp_path / "target-media"), "")
    new_id, imported = import_site(
        target, archive, lambda _id: target_storage, slug="law-moved", domains=["law.moved.test"]
    )
    try:
        assert {k: v for k, v in imported.items() if v} == {k: v for k, v in counts.items() if v}
        before, after = summary(engine, site_id, storage), summary(target, new_id, target_storage)
        assert after.pop("site") == ("Faculty of Law", ["storage_local", "notes"], ["law.moved.test"])
        before.pop("site")
        assert after == before
        assert sorted(key for key, _size in target_storage.walk(f"sites/{new_id}")) == moved_keys(target, new_id)
        # the same archive again: the name is taken, nothing is created
        with pytest.raises(ArchiveError, match="a site named 'law-moved' exists already here: import with --slug NEW"):
            import_site(target, archive, lambda _id: target_storage, slug="law-moved", domains=["other.test"])
        with target.connect() as connection:
            assert connection.scalar(select(func.count(Site.id)).where(Site.name == "Faculty of Law")) == 1
    finally:
        remove_site(target, new_id, target_storage)


def moved_keys(engine, site_id) -> list[str]:
    with engine.connect() as connection:
        video_id = connection.scalar(select(Video.id).where(Video.site_id == site_id))
    return sorted(f"sites/{site_id}/videos/{video_id}/{rest}" for rest in ("outputs/1/hls/master.m3u8", "source"))
