"""The playlists pages: my playlists and the site's public ones, a playlist, its editor, adding from a video."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render, render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from core.plugin_api import ValidationError, get_site_video, step, take_flash, video_permits
from plugins.playlists import service
from plugins.playlists.models import VISIBILITIES

FRAGMENT_HEADER = "X-Amphi-Fragment"
FLASH = "playlists"


def common(request) -> dict:
    return {
        "title_of": lambda p: service.title_of(request, p),
        "visibilities": VISIBILITIES,
        "key_query": lambda p: service.key_query(request, p),
    }


@view_config(route_name="playlists.index", renderer="plugins.playlists:templates/index.html")
def index(request):
    mine = service.own_playlists(request) if request.user is not None else []
    return {
        **common(request),
        "mine": mine,
        "counts": service.item_counts(request, mine),
        "public": service.public_playlists(request),
        "form": {},
        "errors": {},
        "messages": take_flash(request, FLASH),
    }


@view_config(route_name="playlists.index", request_method="POST", permission="authenticated")
def create(request):
    video_id = request.POST.get("video_id")
    video = service.posted_video(request, video_id) if video_id is not None else None
    if video is not None and not video_permits(request, video, "view"):
        raise HTTPNotFound()
    try:
        playlist = service.create_playlist(request, request.POST)
    except ValidationError as exc:
        response = render_to_response(
            "plugins.playlists:templates/index.html",
            {
                **common(request),
                "mine": (mine := service.own_playlists(request)),
                "counts": service.item_counts(request, mine),
                "public": service.public_playlists(request),
                "form": request.POST,
                "errors": exc.errors,
                "messages": [],
            },
            request=request,
        )
        response.status = 400
        return response
    if video is not None:  # created from a video page: the video goes in at once
        service.add_video(request, playlist, video)
        request.session.flash(request.translate("Added to “${title}”.", title=playlist.title), FLASH)
        return HTTPSeeOther(request.route_url("video", video_id=video.id, _anchor="panel-playlists"))
    return HTTPSeeOther(request.route_url("playlists.edit", playlist_id=playlist.id))


@view_config(route_name="playlists.show", renderer="plugins.playlists:templates/show.html")
def show(request):
    playlist = service.get_playlist(request, request.matchdict["playlist_id"])
    items = service.visible_items(request, playlist)
    return {
        **common(request),
        "playlist": playlist,
        "items": items,
        "owner": service.is_owner(request, playlist),
        "playable": any(available for _, available in items),
        "play_query": {"playlist": playlist.id, **service.key_query(request, playlist)},
    }


@view_config(route_name="playlists.play")
def play(request):
    """The playlist player starts at its first playable video; the video page's panel goes on from there."""
    playlist = service.get_playlist(request, request.matchdict["playlist_id"])
    videos = service.playable(request, playlist)
    if not videos:
        raise HTTPBadRequest(request.translate("This playlist has no video you can play."))
    query = {"playlist": playlist.id, **service.key_query(request, playlist)}
    return HTTPSeeOther(request.route_url("video", video_id=videos[0].id, _query=query))


def editor_values(request, playlist, form=None, errors=None) -> dict:
    return {
        **common(request),
        "playlist": playlist,
        "items": service.visible_items(request, playlist),
        "form": form
        or {"title": playlist.title, "description": playlist.description, "visibility": playlist.visibility},
        "errors": errors or {},
        "messages": take_flash(request, FLASH),
    }


@view_config(route_name="playlists.edit", renderer="plugins.playlists:templates/edit.html")
def edit(request):
    playlist = service.get_playlist(request, request.matchdict["playlist_id"], owner_only=True)
    return editor_values(request, playlist)


@view_config(route_name="playlists.edit", request_method="POST")
def save(request):
    playlist = service.get_playlist(request, request.matchdict["playlist_id"], owner_only=True)
    try:
        service.update_playlist(request, playlist, request.POST)
    except ValidationError as exc:
        response = render_to_response(
            "plugins.playlists:templates/edit.html",
            editor_values(request, playlist, request.POST, exc.errors),
            request=request,
        )
        response.status = 400
        return response
    request.session.flash(request.translate("Saved."), FLASH)
    return HTTPSeeOther(request.route_url("playlists.edit", playlist_id=playlist.id))


@view_config(route_name="playlists.delete", request_method="POST")
def delete(request):
    playlist = service.get_playlist(request, request.matchdict["playlist_id"], owner_only=True)
    if playlist.favourites:
        raise HTTPBadRequest(request.translate("Favourites cannot be deleted; remove its videos instead."))
    request.session.flash(request.translate("“${title}” was deleted.", title=playlist.title), FLASH)
    request.dbsession.delete(playlist)
    return HTTPSeeOther(request.route_url("playlists.index"))


def items_changed(request, playlist, message: str, anchor: str = "items"):
    """The script gets the refreshed list of items; a plain form goes back to the editor."""
    if request.headers.get(FRAGMENT_HEADER):
        html = render(
            "plugins.playlists:templates/items.html",
            {
                **common(request),
                "playlist": playlist,
                "items": service.visible_items(request, playlist),
                "message": message,
            },
            request=request,
        )
        return Response(html, content_type="text/html", charset="utf-8")
    request.session.flash(message, FLASH)
    return HTTPSeeOther(request.route_url("playlists.edit", playlist_id=playlist.id, _anchor=anchor))


@view_config(route_name="playlists.move", request_method="POST")
def move(request):
    playlist = service.get_playlist(request, request.matchdict["playlist_id"], owner_only=True)
    item = service.find_item(playlist, request.matchdict["item_id"])
    index = step(request.POST.get("to", ""), item.position)
    if index is None:
        raise HTTPBadRequest(request.translate("Say where to move it: up, down or a position."))
    landed = service.move_item(playlist, item, index)
    message = request.translate(
        "Moved to position ${position} of ${count}.", position=landed + 1, count=len(playlist.items)
    )
    return items_changed(request, playlist, message, f"item-{item.id}")


@view_config(route_name="playlists.remove", request_method="POST")
def remove(request):
    playlist = service.get_playlist(request, request.matchdict["playlist_id"], owner_only=True)
    item = service.find_item(playlist, request.matchdict["item_id"])
    service.remove_item(request, playlist, item)
    return items_changed(request, playlist, request.translate("Removed from the playlist."))


@view_config(route_name="playlists.add", request_method="POST", permission="authenticated")
def add(request):
    """Add the video of the form to one of the user's playlists (from the video page)."""
    video = service.posted_video(request, request.POST.get("video_id"))
    playlist = service.get_playlist(request, request.POST.get("playlist_id"), owner_only=True)
    added = service.add_video(request, playlist, video)
    title = service.title_of(request, playlist)
    message = (
        request.translate("Added to “${title}”.", title=title)
        if added
        else request.translate("Already in “${title}”.", title=title)
    )
    request.session.flash(message, FLASH)
    return HTTPSeeOther(request.route_url("video", video_id=video.id, _anchor="panel-playlists"))


@view_config(route_name="playlists.favourite", request_method="POST", permission="authenticated")
def favourite(request):
    """Put the video in the user's Favourites, or take it out."""
    video = get_site_video(request, request.matchdict["video_id"])
    playlist = service.favourites(request, create=True)
    present = [item for item in playlist.items if item.video_id == video.id]
    if present:
        service.remove_item(request, playlist, present[0])
        request.session.flash(request.translate("Removed from your favourites."), FLASH)
    else:
        service.add_video(request, playlist, video)
        request.session.flash(request.translate("Added to your favourites."), FLASH)
    return HTTPSeeOther(request.route_url("video", video_id=video.id, _anchor="panel-playlists"))
