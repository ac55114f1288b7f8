"""A fake SIPMediaGW gateway, written from what Esup-Pod calls of it (the recipe "BigBlueButton API").

Every call needs ``Authorization: Bearer <token>`` and is answered with JSON ``{"status", "details"}``:
``success`` with HTTP 200, or ``failed`` with an HTTP error and the reason in ``details``:

- ``GET /start?room=&domain=&rtmpDst=``: the gateway joins the room and streams it to ``rtmpDst``
  (with ``publish=True`` it really publishes a test picture and tone there with ffmpeg, until ``/stop``);
- ``GET /stop?room=``; ``GET /chat?room=&toggle=true`` (the chat shown in the picture, or hidden again);
- ``POST /chat`` ``{"room", "msg"}``: the message is written in the meeting's chat; with a
  :class:`~plugin_bbb.testing.FakeBbb` given as ``bbb``, it is said there as the gateway's participant,
  so the meeting's webhook tells of it as a real server would.

Its state is plain Python: ``rooms`` (room -> ``{"domain", "rtmp", "chat_shown"}``), ``messages``,
``calls``. ``behaviour`` makes it misbehave: ``"refuse"`` (every call ``failed``), ``"error"`` (HTTP 500
with HTML), ``"down"`` (HTTP 503 with JSON ``failed``).
"""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl


@dataclass
class GatewayCall:
    method: str
    path: str
    params: dict
    body: dict | None
    authorised: bool


class FakeGateway:
    """The fake gateway's state and WSGI application (see the module's documentation)."""

    def __init__(self, token: str = "fake-gateway-token-0123456789", bbb=None, publish: bool = False):
        self.token = token
        self.bbb = bbb
        self.publish = publish
        self.name = "SIPMediaGW"
        self.behaviour = "normal"
        self.url = ""  # http://127.0.0.1:<port> once served
        self.rooms: dict[str, dict] = {}
        self.messages: list[tuple[str, str]] = []
        self.calls: list[GatewayCall] = []
        self._publishers: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def calls_of(self, path: str) -> list[GatewayCall]:
        return [c for c in self.calls if c.path == path]

    def close(self) -> None:
        """Stop every test stream still published."""
        for room in list(self._publishers):
            self._stop_publishing(room)

    # --- the WSGI application

    def __call__(self, environ, start_response):
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "").strip("/")
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        body = self._body(environ) if method == "POST" else None
        authorised = environ.get("HTTP_AUTHORIZATION", "") == f"Bearer {self.token}"
        with self._lock:
            self.calls.append(GatewayCall(method, path, params, body, authorised))
            status, answer = self._answer(method, path, params, body, authorised)
        if isinstance(answer, bytes):
            headers = [("Content-Type", "text/html"), ("Content-Length", str(len(answer)))]
            start_response(status, headers)
            return [answer]
        data = json.dumps(answer).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    @staticmethod
    def _body(environ) -> dict | None:
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            data = json.loads(environ["wsgi.input"].read(size) or b"null")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _answer(self, method: str, path: str, params: dict, body: dict | None, authorised: bool):
        if self.behaviour == "error":
            return "500 Internal Server Error", b"<html><body>Internal Server Error</body></html>"
        if self.behaviour == "down":
            return "503 Service Unavailable", failed("no gateway available")
        if not authorised:
            return "401 Unauthorized", failed("Unauthorized")
        if self.behaviour == "refuse":
            return "409 Conflict", failed("the gateway refuses")
        routes = {("GET", "start"): self._start, ("GET", "stop"): self._stop, ("GET", "chat"): self._toggle}
        if (method, path) == ("POST", "chat"):
            return self._chat(body or {})
        handler = routes.get((method, path))
        if handler is None:
            return "404 Not Found", failed(f"no such endpoint: {method} /{path}")
        return handler(params)

    def _start(self, params: dict):
        missing = [name for name in ("room", "domain", "rtmpDst") if not params.get(name)]
        if missing:
            return "400 Bad Request", failed(f"missing parameter {missing[0]}")
        if not params["rtmpDst"].startswith(("rtmp://", "rtmps://")):
            return "400 Bad Request", failed("rtmpDst must be an rtmp:// URL")
        room = params["room"]
        if room in self.rooms:
            return "409 Conflict", failed("this room is streamed already")
        self.rooms[room] = {"domain": params["domain"], "rtmp": params["rtmpDst"], "chat_shown": False}
        if self.publish:
            self._publishers[room] = subprocess.Popen(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15",
                 "-re", "-f", "lavfi", "-i", "sine=frequency=440", "-c:v", "libx264", "-preset", "ultrafast",
                 "-g", "15", "-c:a", "aac", "-f", "flv", params["rtmpDst"]],
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        return "200 OK", succeeded("streaming started")

    def _stop(self, params: dict):
        room = params.get("room", "")
        if self.rooms.pop(room, None) is None:
            return "404 Not Found", failed("this room is not streamed")
        self._stop_publishing(room)
        return "200 OK", succeeded("streaming stopped")

    def _toggle(self, params: dict):
        room = self.rooms.get(params.get("room", ""))
        if room is None:
            return "404 Not Found", failed("this room is not streamed")
        if params.get("toggle") != "true":
            return "400 Bad Request", failed("toggle must be true")
        room["chat_shown"] = not room["chat_shown"]
        return "200 OK", succeeded("chat shown" if room["chat_shown"] else "chat hidden")

    def _chat(self, body: dict):
        room, message = str(body.get("room") or ""), str(body.get("msg") or "")
        if room not in self.rooms:
            return "404 Not Found", failed("this room is not streamed")
        if not message:
            return "400 Bad Request", failed("missing msg")
        self.messages.append((room, message))
        if self.bbb is not None and room in self.bbb.meetings:
            self.bbb.say(room, self.name, message)
        return "200 OK", succeeded("message sent")

    def _stop_publishing(self, room: str) -> None:
        process = self._publishers.pop(room, None)
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def succeeded(details: str) -> dict:
    return {"status": "success", "details": details}


def failed(details: str) -> dict:
    return {"status": "failed", "details": details}
