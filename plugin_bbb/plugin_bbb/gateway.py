"""A gateway that streams a meeting for us (a server's streaming mode ``gateway``): SIPMediaGW's HTTP API,
as Esup-Pod drives it.

Every call carries ``Authorization: Bearer <token>`` (the server's gateway token, never shown) and is
answered with JSON ``{"status": ..., "details": ...}``; ``status`` ``success`` (or ``ok``) with an HTTP
2xx means done, anything else is a :class:`GatewayError` whose message is the gateway's ``details``:

- ``GET <gateway>/start?room=<meeting ID>&domain=<BBB host>&rtmpDst=<RTMP URL with the key>``: join the
  meeting and publish it;
- ``GET /stop?room=``: stop;
- ``GET /chat?room=&toggle=true``: show (or hide again) the meeting's public chat in the picture;
- ``POST /chat`` with ``{"room", "msg"}``: write ``msg`` into the meeting's public chat.

:func:`start_gateway` and :func:`stop_gateway` are the huey tasks a broadcast's start and stop queue
after their commit; they read plain values, talk to the gateway outside any transaction, then write.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from core.models import utcnow
from core.plugin_api import huey, lock_rows, worker_request
from plugin_bbb.broadcast_models import BbbBroadcast
from plugin_bbb.broadcasts import finish, live_api, live_enabled
from plugin_bbb.meetings import bbb_settings

log = logging.getLogger(__name__)
SUCCESS = ("success", "ok")


class GatewayError(Exception):
    """The gateway refused, failed or could not be reached (the message says which, in its words)."""


class GatewayClient:
    """The calls Amphi makes on one SIPMediaGW gateway."""

    def __init__(self, url: str, token: str, timeout: float = 10.0):
        self.base, self.token, self.timeout = url.rstrip("/"), token, timeout

    def call(self, method: str, path: str, params: dict | None = None, body: dict | None = None) -> dict:
        try:
            answer = requests.request(
                method,
                f"{self.base}/{path}",
                params=params,
                json=body,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise GatewayError("the gateway did not answer in time") from None
        except requests.RequestException as exc:
            raise GatewayError(f"the gateway could not be reached ({type(exc).__name__})") from None
        try:
            data = answer.json()
        except ValueError:
            raise GatewayError(f"the gateway answered HTTP {answer.status_code}, not JSON") from None
        if not isinstance(data, dict):
            raise GatewayError(f"the gateway answered HTTP {answer.status_code} with unexpected JSON")
        status = str(data.get("status", "")).lower()
        if not answer.ok or status not in SUCCESS:
            details = str(data.get("details") or data.get("status") or f"HTTP {answer.status_code}")
            raise GatewayError(f"the gateway refused: {details[:500]}")
        return data

    def start(self, room: str, domain: str, rtmp_destination: str) -> dict:
        return self.call("GET", "start", {"room": room, "domain": domain, "rtmpDst": rtmp_destination})

    def stop(self, room: str) -> dict:
        return self.call("GET", "stop", {"room": room})

    def toggle_chat(self, room: str) -> dict:
        return self.call("GET", "chat", {"room": room, "toggle": "true"})

    def send_chat(self, room: str, message: str) -> dict:
        return self.call("POST", "chat", body={"room": room, "msg": message})


def gateway_for(server, timeout: float = 10.0) -> GatewayClient:
    """The gateway of a :class:`plugin_bbb.models.BbbServer` row in ``gateway`` mode."""
    return GatewayClient(server.gateway_url, server.gateway_token, timeout)


def server_domain(server) -> str:
    """The BigBlueButton server's host name, the gateway's ``domain``."""
    return urlsplit(server.url.strip()).hostname or ""


@dataclass(frozen=True)
class GatewayPlan:
    """One gateway call's plain values (the token and the key inside: never logged, never shown)."""

    broadcast_id: int
    url: str
    token: str
    timeout: float
    room: str
    domain: str
    rtmp_url: str = ""
    key: str = ""
    show_chat: bool = False

    def client(self) -> GatewayClient:
        return GatewayClient(self.url, self.token, self.timeout)


def plan_of(request, broadcast: BbbBroadcast, with_target: bool) -> GatewayPlan | None:
    server = broadcast.meeting.server
    if server is None or not server.gateway_url:
        return None
    settings = bbb_settings(request.registry, request.site)
    rtmp_url = key = ""
    if with_target:
        target = live_api().publish_target(request, broadcast.event_id) if live_enabled(request) else None
        if target is None:
            return None
        base = (settings["rtmp_url"].strip() or target.base).rstrip("/")
        rtmp_url, key = f"{base}/{target.key}", target.key
    return GatewayPlan(
        broadcast_id=broadcast.id,
        url=server.gateway_url,
        token=server.gateway_token,
        timeout=float(settings["timeout_seconds"]),
        room=broadcast.meeting.meeting_id,
        domain=server_domain(server),
        rtmp_url=rtmp_url,
        key=key,
        show_chat=broadcast.show_meeting_chat,
    )


def read(broadcast_id: int, state: str, with_target: bool) -> GatewayPlan | None:
    """The plan of a broadcast in ``state`` (None: it is not, or it cannot be made: then it failed)."""
    with worker_request() as request:
        broadcast = request.dbsession.get(BbbBroadcast, broadcast_id)
        if broadcast is None or broadcast.state != state:
            return None
        request.site = broadcast.meeting.site
        plan = plan_of(request, broadcast, with_target)
        if plan is None:
            outcome = "failed" if state == "starting" else "ended"
            finish(request, broadcast, outcome, "The gateway or the live event is no longer set.")
        return plan


def write(broadcast_id: int, expected: str, state: str, error: str = "") -> bool:
    """Move the broadcast from ``expected`` to ``state`` (``on_air``, ``ended`` or ``failed``); False when
    it is no longer in ``expected`` (a stop came meanwhile)."""
    with worker_request() as request:
        lock_rows(request.dbsession, BbbBroadcast, BbbBroadcast.id == broadcast_id)
        broadcast = request.dbsession.get(BbbBroadcast, broadcast_id)
        if broadcast is None or broadcast.state != expected:
            return False
        request.site = broadcast.meeting.site
        if state == "on_air":
            broadcast.state, broadcast.on_air_at, broadcast.error = "on_air", utcnow(), ""
        else:
            finish(request, broadcast, state, error)
        return True


@huey.task()
def start_gateway(broadcast_id: int) -> None:
    """Ask the gateway to stream the meeting to the event (and to show its chat when the owner said so)."""
    plan = read(broadcast_id, "starting", with_target=True)
    if plan is None:
        return
    client = plan.client()
    try:
        client.start(plan.room, plan.domain, plan.rtmp_url)
    except GatewayError as exc:
        log.warning("bbb: broadcast %s: the gateway did not start: %s", broadcast_id, exc)
        write(broadcast_id, "starting", "failed", str(exc).replace(plan.key, "…"))
        return
    if not write(broadcast_id, "starting", "on_air"):  # stopped while the gateway started: stop it again
        try:
            client.stop(plan.room)
        except GatewayError as exc:
            log.warning("bbb: broadcast %s: the gateway did not stop: %s", broadcast_id, exc)
        return
    if plan.show_chat:
        toggle_chat(plan)


def toggle_chat(plan: GatewayPlan) -> None:
    try:
        plan.client().toggle_chat(plan.room)
    except GatewayError as exc:  # the stream goes on without the chat in its picture
        log.warning("bbb: broadcast %s: the gateway did not toggle the chat: %s", plan.broadcast_id, exc)


@huey.task()
def toggle_gateway_chat(broadcast_id: int) -> None:
    """The owner changed whether the meeting's chat is shown: the gateway's picture follows."""
    plan = read(broadcast_id, "on_air", with_target=False)
    if plan is not None:
        toggle_chat(plan)


@huey.task()
def stop_gateway(broadcast_id: int) -> None:
    """Ask the gateway to stop, then end the broadcast and its event (even when the gateway did not
    answer: the error is kept on the broadcast)."""
    plan = read(broadcast_id, "stopping", with_target=False)
    if plan is None:
        return
    error = ""
    try:
        plan.client().stop(plan.room)
    except GatewayError as exc:
        log.warning("bbb: broadcast %s: the gateway did not stop: %s", broadcast_id, exc)
        error = str(exc)
    write(broadcast_id, "stopping", "ended", error)
