"""Signed, expiring live HLS links, and the embedded default's server of the HLS files.

The event page checks the viewer's access and gives the player :func:`playlist_url`:
``/live/hls/<token>/<expires>/e<id>/master.m3u8`` where ``token`` is nginx's ``secure_link`` MD5
(unpadded base64url of ``md5("<expires>/e<id> <secret>")``). The secret is derived from the
installation's session secret (:func:`link_secret`), and written into nginx's configuration
(:mod:`plugins.live.nginx`). Token and expiry sit in the path, so every relative URI of the playlists
(media playlists, segments) inherits them: one signature per viewer, none per segment, and nginx
checks each request without asking the application. Without nginx in front, :func:`serve_hls`
does the same check and serves the files itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time

from pyramid.httpexceptions import HTTPForbidden, HTTPGone, HTTPNotFound
from pyramid.response import FileResponse, Response

from core.plugin_api import derived_key, plugin_settings
from plugins.live.nginx import HLS_PATH_PATTERN, HLS_PREFIX, PLAYLIST_CACHE, SEGMENT_CACHE
from plugins.live.packaging import MASTER, live_folder

#: The key purpose of live HLS links (:func:`core.platform.keys.derived_key`).
LINK_PURPOSE = "live.hls-link"
#: The same paths as nginx's location, in Python's syntax.
PATH = re.compile(HLS_PATH_PATTERN.replace("(?<", "(?P<"))
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t"}


def link_secret(settings) -> str:
    """The secret shared with nginx's ``secure_link_md5`` (hex, so it is safe in the configuration)."""
    return derived_key(settings, LINK_PURPOSE).hex()


def token(secret: str, event: str, expires: int) -> str:
    """nginx's ``secure_link`` token for ``/live/hls/<token>/<expires>/<event>/...``."""
    digest = hashlib.md5(f"{expires}/{event} {secret}".encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed_path(secret: str, event_id: int, expires: int, file: str = MASTER) -> str:
    """The signed path of one file of an event's live HLS."""
    event = f"e{int(event_id)}"
    return f"{HLS_PREFIX}{token(secret, event, expires)}/{expires}/{event}/{file}"


def playlist_url(request, event_id: int) -> str:
    """The signed, expiring URL of an event's master playlist, for a viewer whose access was checked."""
    settings = plugin_settings(request.registry, None, "live")
    expires = int(time.time() + settings["link_lifetime"])
    base = settings["hls_base_url"].rstrip("/") or request.host_url
    return base + signed_path(link_secret(request.registry.settings), event_id, expires)


def is_live(registry, event_id: int) -> bool:
    """Whether the event's master playlist exists (the packager has started writing it)."""
    return os.path.isfile(os.path.join(live_folder(registry, event_id), MASTER))


def verify(secret: str, path: str, now: float | None = None) -> tuple[str, str]:
    """Check a signed path as nginx does; return ``(event folder, file)`` or raise 403 (bad) / 410 (expired)."""
    found = PATH.match(path)
    if found is None:
        raise HTTPForbidden()
    expected = token(secret, found["live_event"], int(found["live_expires"]))
    if not hmac.compare_digest(expected, found["live_token"]):
        raise HTTPForbidden()
    if int(found["live_expires"]) < (time.time() if now is None else now):
        raise HTTPGone()
    return found["live_event"], found["live_file"]


def serve_hls(request):
    """The embedded default: one live HLS file, after the signature check (nginx does it in production)."""
    try:
        event, file = verify(link_secret(request.registry.settings), request.path)
    except (HTTPForbidden, HTTPGone) as refused:
        # A plain answer, as nginx gives: not the sign-in page a 403 view would send a browser to.
        return Response(status=refused.code, body=b"", headerlist=[("Cache-Control", "no-store")])
    folder = os.path.realpath(live_folder(request.registry, int(event[1:])))
    path = os.path.realpath(os.path.join(folder, file))
    # The pattern allows no dot-dot or absolute part; this is the second lock on the door.
    if os.path.commonpath([folder, path]) != folder or not os.path.isfile(path):
        raise HTTPNotFound()
    extension = os.path.splitext(file)[1]
    response = FileResponse(path, request=request, content_type=CONTENT_TYPES[extension])
    response.headers["Cache-Control"] = PLAYLIST_CACHE if extension == ".m3u8" else SEGMENT_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def includeme(config):
    config.add_route("live.hls", HLS_PREFIX + "{token}/{expires}/{event}/*file")
    config.add_view(serve_hls, route_name="live.hls", request_method=("GET", "HEAD"))
