"""Playlists: ordered lists of videos (private, public or unlisted), Favourites, a player that goes on.

A user adds the video they watch to a playlist or to their Favourites from the video page, orders
a list by drag and drop or with its move buttons (keyboard, no script needed), and plays it: the
video page shows the list beside the player and goes to the next video at the end. Every item
follows the video's own access rules: a private video in a public list is hidden from others.
"""

from core import hookimpl
from core.plugin_api import NavItem, _
from plugins.playlists import models  # noqa: F401  (the tables belong to the shared metadata)

NAME = "playlists"
AMPHI_TITLE = _("Playlists")
AMPHI_DESCRIPTION = _(
    "Ordered lists of videos (private, public or unlisted), Favourites, and a player that goes on to the next video."
)
AMPHI_HOOKS = ">=1.1,<3"


def includeme(config):
    config.add_static_view("playlists-static", "plugins.playlists:static", cache_max_age=3600)
    config.add_route("playlists.index", "/playlists")
    config.add_route("playlists.add", "/playlists/add")
    config.add_route("playlists.show", "/playlists/{playlist_id:\\d+}")
    config.add_route("playlists.play", "/playlists/{playlist_id:\\d+}/play")
    config.add_route("playlists.edit", "/playlists/{playlist_id:\\d+}/edit")
    config.add_route("playlists.delete", "/playlists/{playlist_id:\\d+}/delete")
    config.add_route("playlists.move", "/playlists/{playlist_id:\\d+}/items/{item_id:\\d+}/move")
    config.add_route("playlists.remove", "/playlists/{playlist_id:\\d+}/items/{item_id:\\d+}/remove")
    config.add_route("playlists.favourite", "/videos/{video_id:\\d+}/favourite")
    config.scan("plugins.playlists.views")


@hookimpl
def amphi_nav_items(request):
    if request.user is None:
        return []
    return [NavItem(request.translate("My playlists"), request.route_url("playlists.index"), order=300)]


@hookimpl
def amphi_video_actions(request, video):
    """ "Save" in the video page's action row: it opens the Playlists panel (favourite, add to a playlist)."""
    if request.user is None:
        return []
    return [NavItem(request.translate("Save"), "#tabpanel-playlists", order=50)]


@hookimpl
def amphi_video_panels(request, video):
    """The playlist being played (``?playlist=``), and the signed-in user's Favourites and playlists."""
    from plugins.playlists.panels import player_panel, save_panel

    return [panel for panel in (player_panel(request, video), save_panel(request, video)) if panel is not None]
