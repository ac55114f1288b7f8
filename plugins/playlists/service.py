"""Playlists: who sees which, which of their videos each viewer may see, and changing them."""

from __future__ import annotations

import secrets

from pyramid.httpexceptions import HTTPNotFound
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.models import Video
from core.plugin_api import ValidationError, _, move_to, permitted, renumber, video_permits, visible_videos
from plugins.playlists.models import VISIBILITIES, Playlist, PlaylistItem

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_ITEMS = 500


def title_of(request, playlist: Playlist) -> str:
    return request.translate("Favourites") if playlist.favourites else playlist.title


def is_owner(request, playlist: Playlist) -> bool:
    user = request.user
    return user is not None and user.site_id == request.site.id and playlist.owner_id == user.id


def may_see(request, playlist: Playlist) -> bool:
    """The owner always; anyone on the site for a public list; whoever holds the link's key for an unlisted one."""
    if playlist.site_id != request.site.id:
        return False
    if is_owner(request, playlist) or playlist.visibility == "public":
        return True
    key = request.params.get("key", "")
    return playlist.visibility == "unlisted" and bool(key) and secrets.compare_digest(key, playlist.token)


def posted_video(request, value) -> Video:
    """The site's video named by a form field, else 404."""
    if not str(value or "").isdigit():
        raise HTTPNotFound()
    video = request.dbsession.get(Video, int(value))
    if video is None or video.site_id != request.site.id:
        raise HTTPNotFound()
    return video


def get_playlist(request, playlist_id, owner_only: bool = False) -> Playlist:
    """The playlist if the request may see it (or own it), else 404: a list one may not see does not exist."""
    try:
        playlist = request.dbsession.get(Playlist, int(playlist_id))
    except (TypeError, ValueError):
        playlist = None
    if playlist is None or not (is_owner(request, playlist) if owner_only else may_see(request, playlist)):
        raise HTTPNotFound()
    return playlist


def key_query(request, playlist: Playlist) -> dict:
    """The query an unlisted list's links carry (its key), for viewers who came with it."""
    return {"key": playlist.token} if playlist.visibility == "unlisted" and not is_owner(request, playlist) else {}


def visible_items(request, playlist: Playlist) -> list[tuple[PlaylistItem, bool]]:
    """``(item, available)`` in order: what the request may find in lists is available.

    Others never see the rest; the owner sees it as unavailable (to remove it), without its title.
    """
    ids = [item.video_id for item in playlist.items]
    if not ids:
        return []
    videos = request.dbsession.scalars(
        visible_videos(request).where(Video.id.in_(ids)).options(selectinload(Video.owner))
    )
    allowed = {video.id for video in permitted(request, list(videos))}
    owner = is_owner(request, playlist)
    return [(item, item.video_id in allowed) for item in playlist.items if owner or item.video_id in allowed]


def playable(request, playlist: Playlist) -> list[Video]:
    """The videos a viewer may play from the list, in order (ready ones)."""
    return [item.video for item, ok in visible_items(request, playlist) if ok and item.video.status == "ready"]


def own_playlists(request) -> list[Playlist]:
    """The request user's playlists on this site: Favourites first, then by title."""
    query = (
        select(Playlist)
        .where(Playlist.site_id == request.site.id, Playlist.owner_id == request.user.id)
        .order_by(Playlist.favourites.desc(), func.lower(Playlist.title), Playlist.id)
    )
    return list(request.dbsession.scalars(query))


def item_counts(request, playlists: list[Playlist]) -> dict[int, int]:
    """``{playlist id: number of items}`` in one query."""
    ids = [p.id for p in playlists]
    if not ids:
        return {}
    rows = request.dbsession.execute(
        select(PlaylistItem.playlist_id, func.count())
        .where(PlaylistItem.playlist_id.in_(ids))
        .group_by(PlaylistItem.playlist_id)
    )
    return {playlist_id: count for playlist_id, count in rows}


def containing(request, playlists: list[Playlist], video: Video) -> set[int]:
    """Which of ``playlists`` hold ``video`` (one query)."""
    ids = [p.id for p in playlists]
    if not ids:
        return set()
    return set(
        request.dbsession.scalars(
            select(PlaylistItem.playlist_id).where(PlaylistItem.playlist_id.in_(ids), PlaylistItem.video_id == video.id)
        )
    )


def public_playlists(request, limit: int = 50) -> list[Playlist]:
    query = (
        select(Playlist)
        .where(Playlist.site_id == request.site.id, Playlist.visibility == "public")
        .order_by(Playlist.updated_at.desc(), Playlist.id.desc())
        .limit(limit)
    )
    return list(request.dbsession.scalars(query))


def favourites(request, create: bool = False) -> Playlist | None:
    """The user's built-in Favourites list (made on first use)."""
    query = select(Playlist).where(
        Playlist.site_id == request.site.id, Playlist.owner_id == request.user.id, Playlist.favourites.is_(True)
    )
    playlist = request.dbsession.scalar(query)
    if playlist is None and create:
        playlist = Playlist(
            site_id=request.site.id,
            owner_id=request.user.id,
            title="Favourites",
            favourites=True,
            visibility="private",
            token=secrets.token_urlsafe(24),
            description="",
        )
        request.dbsession.add(playlist)
        request.dbsession.flush()
    return playlist


def checked_fields(request, fields, favourites_list: bool = False) -> dict:
    """Title, description and visibility from a form; ValidationError names what is wrong."""
    errors, values = {}, {}
    if not favourites_list:
        title = (fields.get("title") or "").strip()
        if not title:
            errors["title"] = _("Give the playlist a title.")
        elif len(title) > MAX_TITLE:
            errors["title"] = _("At most ${max} characters.", mapping={"max": MAX_TITLE})
        values["title"] = title
    description = (fields.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("At most ${max} characters.", mapping={"max": MAX_DESCRIPTION})
    visibility = fields.get("visibility") or "private"
    if visibility not in VISIBILITIES:
        errors["visibility"] = _("Choose private, public or unlisted.")
    if errors:
        raise ValidationError({k: request.localizer.translate(v) for k, v in errors.items()})
    return {**values, "description": description, "visibility": visibility}


def create_playlist(request, fields) -> Playlist:
    playlist = Playlist(
        site_id=request.site.id,
        owner_id=request.user.id,
        token=secrets.token_urlsafe(24),
        **checked_fields(request, fields),
    )
    request.dbsession.add(playlist)
    request.dbsession.flush()
    return playlist


def update_playlist(request, playlist: Playlist, fields) -> None:
    for key, value in checked_fields(request, fields, playlist.favourites).items():
        setattr(playlist, key, value)


def add_video(request, playlist: Playlist, video: Video) -> bool:
    """Append a video the user may watch; False when it was already there."""
    if not video_permits(request, video, "view"):
        raise HTTPNotFound()
    if any(item.video_id == video.id for item in playlist.items):
        return False
    if len(playlist.items) >= MAX_ITEMS:
        raise ValidationError({"playlist": request.translate("A playlist holds at most ${max} videos.", max=MAX_ITEMS)})
    playlist.items.append(PlaylistItem(video_id=video.id, position=len(playlist.items)))
    request.dbsession.flush()
    return True


def find_item(playlist: Playlist, item_id) -> PlaylistItem:
    for item in playlist.items:
        if str(item.id) == str(item_id):
            return item
    raise HTTPNotFound()


def move_item(playlist: Playlist, item: PlaylistItem, index: int) -> int:
    """Put ``item`` at ``index`` (clamped), renumbering the others; returns where it landed."""
    index = move_to(list(playlist.items), item, index)
    playlist.items.sort(key=lambda each: each.position)
    return index


def remove_item(request, playlist: Playlist, item: PlaylistItem) -> None:
    playlist.items.remove(item)
    request.dbsession.flush()
    renumber(playlist.items)
