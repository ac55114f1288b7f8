"""What other plugins may use of playlists: their only public module.

A plugin that offers playlists elsewhere (the LTI tool lets a teacher add one to a course) checks that the
request's site enabled this plugin (``request.site.has_plugin("playlists")``) before calling anything here,
and is listed in the ``ignore_imports`` of import-linter's ``plugins-independent`` contract. It works with
:class:`PlaylistSummary` values, never with this plugin's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.models import User
from plugins.playlists.models import Playlist

__all__ = ["PlaylistSummary", "playlist_summary", "shared_playlists"]

#: The visibilities of a playlist that someone other than its owner may open (with its address).
SHARED = ("public", "unlisted")


@dataclass(frozen=True)
class PlaylistSummary:
    id: int
    title: str
    #: Where it plays (an unlisted playlist's address carries its key).
    url: str


def _summary(request, playlist: Playlist) -> PlaylistSummary:
    query = {"key": playlist.token} if playlist.visibility == "unlisted" else {}
    return PlaylistSummary(
        playlist.id, playlist.title, request.route_url("playlists.play", playlist_id=playlist.id, _query=query)
    )


def shared_playlists(request, user: User, limit: int = 50) -> list[PlaylistSummary]:
    """``user``'s playlists of the request's site that others may open (public or unlisted), by title."""
    query = (
        select(Playlist)
        .where(
            Playlist.site_id == request.site.id,
            Playlist.owner_id == user.id,
            Playlist.favourites.is_(False),
            Playlist.visibility.in_(SHARED),
        )
        .order_by(func.lower(Playlist.title), Playlist.id)
        .limit(limit)
    )
    return [_summary(request, p) for p in request.dbsession.scalars(query)]


def playlist_summary(request, playlist_id: int) -> PlaylistSummary | None:
    """The shared playlist of the request's site with this id (None: none such here, or private)."""
    playlist = request.dbsession.get(Playlist, playlist_id)
    if playlist is None or playlist.site_id != request.site.id or playlist.visibility not in SHARED:
        return None
    return _summary(request, playlist)
