"""Chat: messages and questions beside a live player and, when its owners turn it on, beside a video.

Rooms are strings: ``event-<id>`` rooms are hosted by the ``live`` plugin, ``video-<id>`` rooms by
this plugin; whoever hosts a room answers ``amphi_chat_room_access`` (:mod:`plugins.chat.hookspecs`)
and every endpoint asks it. Messages and questions are stored first (:mod:`plugins.chat.service`),
then, after the commit, published to a hub with Nchan's publisher protocol
(:mod:`plugins.chat.delivery`): in production nginx with the Nchan module on Redis (several nginx
nodes share the channels; nginx asks ``/chat/auth`` before each subscription; see
``etc/nginx/chat.conf``), and by default the embedded hub (:mod:`plugins.chat.hub`), a small asyncio
process that ``amphi serve`` supervises, since a subscriber must never hold one of waitress's few
threads. Browsers subscribe with an EventSource and a signed, expiring token the application
issues after its access check. A live event's room is attached to its replay video, its
messages shown at their time in the video.
"""

from markupsafe import Markup
from pyramid.renderers import render

from core import hookimpl
from core.plugin_api import Panel, Setting, _
from plugins.chat import hookspecs, models  # noqa: F401  (the tables belong to the shared metadata)

NAME = "chat"
AMPHI_HOOKS = ">=2.2,<3"  # amphi_serve_processes came with 2.2
AMPHI_TITLE = _("Chat")
AMPHI_DESCRIPTION = _("Messages and questions beside a live player or a video, delivered in real time.")
#: Added to the hook contract when the plugin is loaded (see :class:`core.platform.plugins.PluginHost`).
AMPHI_HOOKSPECS = hookspecs
ROOM = "{room}"  # checked by rooms.valid_key: a room that is not <kind>-<id> is a 404


def includeme(config):
    config.add_static_view("chat-static", "plugins.chat:static", cache_max_age=3600)
    base = f"/chat/rooms/{ROOM}"
    config.add_route("chat.room", base)
    config.add_route("chat.token", f"{base}/token")
    config.add_route("chat.messages", f"{base}/messages")
    config.add_route("chat.message.delete", f"{base}/messages/{{message_id:\\d+}}/delete")
    config.add_route("chat.user.hide", f"{base}/users/{{user_id:\\d+}}/hide")
    config.add_route("chat.settings", f"{base}/settings")
    config.add_route("chat.questions", f"{base}/questions")
    config.add_route("chat.question.vote", f"{base}/questions/{{question_id:\\d+}}/vote")
    config.add_route("chat.question.answered", f"{base}/questions/{{question_id:\\d+}}/answered")
    config.add_route("chat.question.delete", f"{base}/questions/{{question_id:\\d+}}/delete")
    config.add_route("chat.export", f"{base}/export.{{format:csv|json}}")
    config.add_route("chat.auth", "/chat/auth")
    config.add_route("chat.video", "/videos/{video_id:\\d+}/chat")
    config.scan("plugins.chat.views")


@hookimpl
def amphi_settings():
    return [
        Setting(
            "per_minute",
            "int",
            10,
            label=_("Messages and questions a user may post per minute"),
            help=_("0: no limit."),
        ),
        Setting("history", "int", 50, label=_("Messages a viewer gets on joining a chat")),
        Setting(
            "hub",
            "choice",
            "embedded",
            choices=("embedded", "nchan"),
            site_editable=False,
            label=_("Real-time hub: the embedded one amphi serve runs, or nginx with Nchan"),
        ),
        Setting(
            "embedded_listen",
            "str",
            "127.0.0.1:8090",
            site_editable=False,
            label=_("Address (host:port) of the embedded hub; browsers subscribe there"),
        ),
        Setting(
            "hub_messages",
            "int",
            50,
            site_editable=False,
            label=_("Messages the embedded hub keeps per room for viewers who join"),
        ),
        Setting(
            "publish_url",
            "str",
            "",
            site_editable=False,
            label=_("URL the application publishes to (Nchan's publisher location, on loopback)"),
            help=_("Empty: the embedded hub."),
        ),
        Setting(
            "subscribe_url",
            "str",
            "",
            site_editable=False,
            label=_("URL browsers subscribe to (before /chat/sub/)"),
            help=_("Empty: the page's own address with Nchan, the embedded hub's port otherwise."),
        ),
        Setting("token_minutes", "int", 60, site_editable=False, label=_("Minutes a subscription token stays valid")),
    ]


@hookimpl
def amphi_serve_processes(registry, config_path):
    """The embedded hub, unless nginx with Nchan delivers."""
    import sys

    from core.plugin_api import plugin_settings

    if plugin_settings(registry, None, NAME)["hub"] != "embedded":
        return []
    argv = [sys.executable, "-m", "plugins.chat.hub", "-c", config_path, "--die-with-parent"]
    return [("the chat hub", argv)]


@hookimpl
def amphi_chat_room_access(request, room):
    from plugins.chat.rooms import video_room_access

    return video_room_access(request, room)


def widget(request, room: str, title: str, is_owner: bool = False) -> Markup:
    """The chat and questions widget of ``room`` (the same for every visitor: it loads their rights)."""
    return Markup(
        render(
            "plugins.chat:templates/chat/widget.html",
            {"room": room, "title": title, "is_owner": is_owner},
            request=request,
        )
    )


@hookimpl(optionalhook=True)
def amphi_live_aside(request, event):
    """The chat beside a live player."""
    return [widget(request, event["room"], event.get("title", ""), bool(event.get("is_owner")))]


@hookimpl(optionalhook=True)
def amphi_live_replay(request, event, video_id):
    """Attach the event's room to its replay: the messages are shown at their time in the video."""
    from plugins.chat.replay import attach

    attach(request, event, video_id)


@hookimpl
def amphi_video_panels(request, video):
    """The replayed chat of a live event, and the chat beside a video when its owners turned it on."""
    from plugins.chat.replay import replay_panel
    from plugins.chat.rooms import video_chat_enabled

    panels = []
    replay = replay_panel(request, video)
    if replay is not None:
        panels.append(Panel("chat-replay", request.translate(_("Chat of the broadcast")), replay, order=170))
    enabled = video_chat_enabled(request, video)
    if enabled:
        panels.append(
            Panel("chat", request.translate(_("Chat")), widget(request, f"video-{video.id}", video.title), order=160)
        )
    owner_form = toggle_form(request, video, enabled)
    if owner_form is not None:
        panels.append(Panel("chat-settings", request.translate(_("Chat beside this video")), owner_form, order=161))
    return panels


def toggle_form(request, video, enabled: bool) -> Markup | None:
    from core.plugin_api import video_permits

    if request.user is None or not video_permits(request, video, "edit"):
        return None
    return Markup(
        render(
            "plugins.chat:templates/chat/toggle.html",
            {"video": video, "enabled": enabled},
            request=request,
        )
    )
