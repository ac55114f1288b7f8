"""The JSON API, version 1, under ``/api/v1/`` (described by :mod:`core.web.apiv1.openapi`)."""

from __future__ import annotations

from pyramid.events import ContextFound, NewRequest
from pyramid.view import view_config

from core.web.apiv1.common import rate_limit
from core.web.apiv1.contract import refuse_undeclared_parameters
from core.web.apiv1.openapi import document


@view_config(route_name="v1.root", renderer="json", request_method="GET")
def root(request):
    return {"openapi": request.route_url("v1.openapi")}


@view_config(route_name="v1.openapi", renderer="json", request_method="GET")
def openapi(request):
    return document(request)


def includeme(config):
    config.add_route("v1.root", "/api/v1/")
    config.add_route("v1.openapi", "/api/v1/openapi.json")
    config.add_route("v1.me", "/api/v1/me")
    config.add_route("v1.users", "/api/v1/users")
    config.add_route("v1.user", "/api/v1/users/{user_id:\\d+}")
    config.add_route("v1.videos", "/api/v1/videos")
    config.add_route("v1.video", "/api/v1/videos/{video_id:\\d+}")
    config.add_route("v1.video.tracks", "/api/v1/videos/{video_id:\\d+}/tracks")
    config.add_route("v1.channels", "/api/v1/channels")
    config.add_route("v1.channel", "/api/v1/channels/{channel_id:\\d+}")
    config.add_route("v1.channel.themes", "/api/v1/channels/{channel_id:\\d+}/themes")
    config.add_route("v1.theme", "/api/v1/themes/{theme_id:\\d+}")
    config.add_route("v1.groups", "/api/v1/groups")
    config.add_route("v1.group", "/api/v1/groups/{group_id:\\d+}")
    config.add_route("v1.group.member", "/api/v1/groups/{group_id:\\d+}/members/{user_id:\\d+}")
    config.add_route("v1.notifications", "/api/v1/notifications")
    config.add_route("v1.notifications.read", "/api/v1/notifications/read")
    config.add_route("v1.notification.read", "/api/v1/notifications/{notification_id:\\d+}/read")
    config.add_subscriber(rate_limit, NewRequest)
    config.add_subscriber(refuse_undeclared_parameters, ContextFound)
    config.scan("core.web.apiv1")
