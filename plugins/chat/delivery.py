"""Real-time delivery, one code path: store, commit, then publish to the hub with Nchan's publisher protocol.

The hub is nginx with the Nchan module on Redis in production, or the embedded hub
(:mod:`plugins.chat.hub`) that ``amphi serve`` supervises. Either way the application
``POST``\\ s each event as JSON to ``<publish_url>/chat/pub/<channel>`` once its transaction has
committed (an event for a message nobody can read must never leave), and browsers subscribe with
an EventSource to ``<subscribe_url>/chat/sub/<channel>?t=<token>``. The token, issued by the
application after its access check, names the channel and expires; nginx asks the application
(``/chat/auth``, ``nchan_authorize_request``) and the embedded hub checks it itself with the same key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.request

from core.plugin_api import derived_key, fire, plugin_settings, worker_request

log = logging.getLogger(__name__)
PUBLISH_SECRET_HEADER = "X-Amphi-Chat-Secret"
TOKEN_PURPOSE, PUBLISH_PURPOSE = "chat subscription", "chat publication"
DEFAULT_LISTEN = "127.0.0.1:8090"


def channel(site_id: int, room: str) -> str:
    """The hub's channel of a room: the site is part of it, so one site's subscribers never hear another's."""
    return f"s{site_id}-{room}"


def _sign(key: bytes, text: str) -> str:
    digest = hmac.new(key, text.encode("ascii"), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def make_token(settings, chan: str, lifetime: float, now: float | None = None) -> str:
    """``<expires>.<signature>``: lets its bearer subscribe to ``chan`` until ``expires`` (Unix time)."""
    expires = int((now if now is not None else time.time()) + lifetime)
    return f"{expires}.{_sign(derived_key(settings, TOKEN_PURPOSE), f'{chan}|{expires}')}"


def token_key(settings) -> bytes:
    return derived_key(settings, TOKEN_PURPOSE)


def token_valid(key: bytes, chan: str, token: str, now: float | None = None) -> bool:
    """Whether ``token`` was made for ``chan`` with ``key`` and has not expired."""
    expires, _, signature = (token or "").partition(".")
    if not expires.isdigit() or not signature:
        return False
    if int(expires) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(signature, _sign(key, f"{chan}|{expires}"))


def publish_secret(settings) -> str:
    return derived_key(settings, PUBLISH_PURPOSE).hex()


def hub_publish_url(chosen) -> str:
    """Where the application publishes: ``amphi.chat.publish_url``, else the embedded hub's address."""
    return (chosen["publish_url"] or f"http://{chosen['embedded_listen'] or DEFAULT_LISTEN}").rstrip("/")


def publish_now(settings, url: str, chan: str, event: dict, timeout: float = 2.0) -> bool:
    """POST ``event`` to the hub's channel; False (logged) when the hub cannot be reached: the event is
    stored already, and viewers get it from the API when they next load the room."""
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        f"{url}/chat/pub/{chan}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", PUBLISH_SECRET_HEADER: publish_secret(settings)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return 200 <= answer.status < 300
    except OSError as exc:
        log.warning("the chat hub at %s did not take an event for %s: %s", url, chan, exc)
        return False


def publish_after_commit(request, room: str, event: dict) -> None:
    """Publish ``event`` to ``room``'s channel once the request's transaction has committed."""
    settings = request.registry.settings
    url = hub_publish_url(plugin_settings(request.registry, request.site, "chat"))
    chan = channel(request.site.id, room)

    def send(committed: bool) -> None:
        if committed:
            publish_now(settings, url, chan, event)

    request.tm.get().addAfterCommitHook(send)


def tell_after_commit(request, room: str, message: dict) -> None:
    """Once the transaction has committed, call ``amphi_chat_message_posted`` for the site's plugins that
    listen, with a request of the site in a transaction of its own (the poster's is over by then)."""
    if not request.hooks.amphi_chat_message_posted.get_hookimpls():
        return
    site_id = request.site.id

    def tell(committed: bool) -> None:
        if not committed:
            return
        try:
            with worker_request(site_id) as fresh:
                fire(fresh, "amphi_chat_message_posted", room=room, message=message)
        except Exception:  # the message is stored and delivered: a listener's trouble is only logged
            log.exception("the chat could not tell the plugins of message %s in %s", message.get("id"), room)

    request.tm.get().addAfterCommitHook(tell)


def subscription(request, room: str) -> dict:
    """The URL and token a browser subscribes with (EventSource), for a visitor allowed to read ``room``."""
    chosen = plugin_settings(request.registry, request.site, "chat")
    chan = channel(request.site.id, room)
    token = make_token(request.registry.settings, chan, chosen["token_minutes"] * 60)
    base = chosen["subscribe_url"].rstrip("/")
    if not base and chosen["hub"] == "embedded":
        port = (chosen["embedded_listen"] or DEFAULT_LISTEN).rpartition(":")[2]
        base = f"{request.scheme}://{request.host.rpartition(':')[0] or request.host}:{port}"
        if request.host.startswith("["):  # an IPv6 literal keeps its brackets
            base = f"{request.scheme}://{request.host.rsplit(']', 1)[0]}]:{port}"
    return {"url": f"{base}/chat/sub/{chan}?t={token}", "channel": chan, "expires": int(token.partition(".")[0])}
