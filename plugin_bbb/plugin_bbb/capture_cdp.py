"""A minimal Chrome DevTools Protocol client: what the capture worker needs of the page it films.

Chromium is started with ``--remote-debugging-pipe``: it reads commands on its file descriptor 3 and
writes answers and events on 4, each a JSON message ended by a NUL byte. No port is opened (nothing else
on the host can drive the browser, which holds a meeting's join session), no dependency is needed, and
a Chromium that dies closes the pipe, which the capture notices at once.

:class:`DevToolsPipe` holds our ends of the two pipes; :meth:`DevToolsPipe.attach_page` attaches to the
page target and returns a :class:`PageSession` that navigates and evaluates JavaScript (awaiting
promises, as a user gesture, so a script may click "play").
"""

from __future__ import annotations

import json
import os
import select
import time
from urllib.parse import urlsplit

#: The file descriptors Chromium expects for ``--remote-debugging-pipe``.
CHROMIUM_READS, CHROMIUM_WRITES = 3, 4


def without_query(url: str) -> str:
    """A page's URL without its query, for logs and errors (a BBB join URL's query holds a password and a
    checksum)."""
    parts = urlsplit(url)
    return parts._replace(query="…" if parts.query else "", fragment="").geturl()


class DevToolsError(Exception):
    """The page could not be reached, navigated or evaluated; the message says why in words."""


class DevToolsPipe:
    """Our ends of the pipes to one Chromium; ``child_fds`` are the ends to hand to it (as 3 and 4)."""

    def __init__(self):
        self._chromium_reads, self._write = os.pipe()
        self._read, self._chromium_writes = os.pipe()
        self._buffer = b""
        self._last_id = 0

    @property
    def child_fds(self) -> tuple[int, int]:
        return self._chromium_reads, self._chromium_writes

    def started(self) -> None:
        """Chromium has its copies of the child ends: close ours, so its death reads as end of file."""
        for fd in self.child_fds:
            os.close(fd)
        self._chromium_reads = self._chromium_writes = -1

    def call(self, method: str, params: dict | None = None, *, session: str | None = None, timeout: float = 10):
        """Send one command and return its result; events that arrive meanwhile are dropped."""
        self._last_id += 1
        message = {"id": self._last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._write, json.dumps(message).encode() + b"\0")
        except OSError as error:
            raise DevToolsError(f"the connection to Chromium was lost ({error.strerror})") from error
        deadline = time.monotonic() + timeout
        while True:
            answer = self._receive(deadline, method, timeout)
            if answer.get("method") == "Inspector.targetCrashed":
                raise DevToolsError("the page crashed")
            if answer.get("id") == self._last_id:
                break
        if "error" in answer:
            raise DevToolsError(f"{method} failed: {answer['error'].get('message', answer['error'])}")
        return answer.get("result", {})

    def _receive(self, deadline: float, method: str, timeout: float) -> dict:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._read], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise DevToolsError(f"the page did not answer {method} within {timeout:g} s")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise DevToolsError("the connection to Chromium was lost")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def attach_page(self, deadline: float) -> PageSession:
        """Attach to Chromium's page (its one tab), waiting for it until ``deadline`` (monotonic)."""
        while True:
            left = max(0.5, deadline - time.monotonic())
            targets = self.call("Target.getTargets", timeout=left).get("targetInfos", [])
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                break
            if time.monotonic() > deadline:
                raise DevToolsError("Chromium opened no page to attach to")
            time.sleep(0.05)
        attached = self.call("Target.attachToTarget", {"targetId": pages[0]["targetId"], "flatten": True}, timeout=left)
        return PageSession(self, attached["sessionId"])

    def close(self) -> None:
        for fd in (self._read, self._write, self._chromium_reads, self._chromium_writes):
            if fd >= 0:
                os.close(fd)
        self._read = self._write = self._chromium_reads = self._chromium_writes = -1


class PageSession:
    """Commands to one page, through the browser's pipe."""

    def __init__(self, pipe: DevToolsPipe, session: str):
        self._pipe = pipe
        self._session = session

    def call(self, method: str, params: dict | None = None, timeout: float = 10) -> dict:
        return self._pipe.call(method, params, session=self._session, timeout=timeout)

    def navigate(self, url: str, timeout: float = 30) -> None:
        """Open ``url``; a network failure (refused, unknown host, TLS) raises :class:`DevToolsError`."""
        result = self.call("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise DevToolsError(f"{without_query(url)} could not be loaded ({result['errorText']})")

    def evaluate(self, expression: str, timeout: float = 10):
        """The value of a JavaScript expression in the page (a promise is awaited); an exception in the
        page raises :class:`DevToolsError`."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True, "userGesture": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "an exception")
            raise DevToolsError(f"the page's script {expression!r} failed: {text.splitlines()[0]}")
        return result.get("result", {}).get("value")
