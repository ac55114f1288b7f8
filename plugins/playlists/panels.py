"""The panels beside the player: the playlist being played, and saving the video to a playlist."""

from __future__ import annotations

from markupsafe import escape
from pyramid.httpexceptions import HTTPNotFound
from pyramid.renderers import render

from core.models import Video
from core.plugin_api import Panel, no_cache, personal, personal_fragment, take_flash
from plugins.playlists import service


def player_panel(request, video) -> Panel | None:
    """With ``?playlist=<id>``: the list, where the viewer is in it, and the next video (played at the end)."""
    if not request.params.get("playlist"):
        return None
    if request.user is not None:
        no_cache(request)  # the viewer's own playlist may be private: the page is theirs
    try:
        playlist = service.get_playlist(request, request.params["playlist"])
    except HTTPNotFound:
        return None
    videos = service.playable(request, playlist)
    ids = [v.id for v in videos]
    if video.id not in ids:
        return None
    index = ids.index(video.id)
    query = {"playlist": playlist.id, **service.key_query(request, playlist)}
    link = lambda v, **extra: request.route_url("video", video_id=v.id, _query={**query, **extra})  # noqa: E731
    html = render(
        "plugins.playlists:templates/player_panel.html",
        {
            "playlist": playlist,
            "videos": videos,
            "index": index,
            "link": link,
            "previous": videos[index - 1] if index > 0 else None,
            "next": videos[index + 1] if index + 1 < len(videos) else None,
            "title": service.title_of(request, playlist),
            "page_url": request.route_url(
                "playlists.show", playlist_id=playlist.id, _query=service.key_query(request, playlist)
            ),
            "autoplay": request.params.get("autoplay") == "1",
        },
        request=request,
    )
    title = request.translate("Playlist: ${title}", title=service.title_of(request, playlist))
    return Panel("playlist", title, html, order=10)


def save_panel(request, video) -> Panel | None:
    """Favourite toggle and "add to a playlist" for signed-in viewers (a personal region: their playlists)."""
    if request.user is None:
        return None
    html = personal(request, "playlists.messages") + personal(request, "playlists.save", video_id=video.id)
    return Panel("playlists", request.translate("Playlists"), html, order=160)


@personal_fragment("playlists.messages")
def messages_region(request) -> str:
    """What the last playlist action said (this session's flash messages; a region of its own, never remembered)."""
    messages = take_flash(request, "playlists")
    return "".join(f'<p class="notice" role="status">{escape(m)}</p>' for m in messages)


@personal_fragment("playlists.save", remember=True)
def save_region(request, video_id: int) -> str:
    """The save panel's HTML for the visitor who gets the page: only what the database holds (remembered per
    user and content generation; the flash messages are :func:`messages_region`)."""
    video = request.dbsession.get(Video, video_id)
    if request.user is None or video is None:
        return ""
    mine = service.own_playlists(request)
    containing = service.containing(request, mine, video)
    fav = next((p for p in mine if p.favourites), None)
    return render(
        "plugins.playlists:templates/save_panel.html",
        {
            "video": video,
            "lists": [p for p in mine if not p.favourites],
            "containing": containing,
            "is_favourite": fav is not None and fav.id in containing,
            "title_of": lambda p: service.title_of(request, p),
        },
        request=request,
    )
