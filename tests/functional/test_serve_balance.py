"""`amphi serve --workers 2` spreads keep-alive connections between its processes (issue 15).

Each process listens on a socket of its own (``SO_REUSEPORT``): the kernel hands each new connection
to one of them, so neither process can take every connection while the other idles. Every response
names the process that answered (``X-Amphi-Process``).
"""

from __future__ import annotations

import http.client
import logging
import socket
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.cli import listening_sockets
from core.platform.server import PROCESS_HEADER, QueueDepthSummary
from core.testing import run_amphi, serving, temporary_database, write_ini

CONNECTIONS, REQUESTS, ROUNDS = 16, 10, 3


def keep_alive_requests(port: int, count: int) -> list[str]:
    """``count`` requests over one keep-alive connection; the processes that answered them."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    answered = []
    try:
        for _ in range(count):
            connection.request("GET", "/login")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            answered.append(response.headers[PROCESS_HEADER])
    finally:
        connection.close()
    return answered


@pytest.mark.skipif(not hasattr(socket, "SO_REUSEPORT"), reason="the system has no SO_REUSEPORT")
def test_two_processes_share_keep_alive_connections(tmp_path):
    with temporary_database(tmp_path) as url:
        ini = write_ini(tmp_path, url)
        run_amphi(ini, "init", "--admin-password", "balance admin password")
        with serving(ini, tmp_path, workers=2) as base:
            port = int(base.rsplit(":", 1)[1])
            served: Counter[str] = Counter()
            for _ in range(ROUNDS):  # 16 connections at once, three times: 48 connections in all
                with ThreadPoolExecutor(CONNECTIONS) as pool:
                    for answered in pool.map(lambda _: keep_alive_requests(port, REQUESTS), range(CONNECTIONS)):
                        assert len(set(answered)) == 1  # a connection stays with the process that accepted it
                        served.update(answered)
        log = (tmp_path / "server.log").read_text()
    assert "(2 processes, " in log and " threads each)" in log
    total = CONNECTIONS * REQUESTS * ROUNDS
    assert sum(served.values()) == total and len(served) == 2, served
    # Each connection goes to either socket by a hash: an even share is 50 %; under 25 % would be 4 standard
    # deviations off (48 connections), where a shared socket let one process take them all.
    assert min(served.values()) >= total // 4, served


def test_one_socket_per_process_on_one_port():
    sockets = listening_sockets("127.0.0.1", 0, 1, 16)
    try:
        assert len(sockets) == 1
    finally:
        for made in sockets:
            made.close()
    if not hasattr(socket, "SO_REUSEPORT"):
        return
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    sockets = listening_sockets("127.0.0.1", port, 3, 16)
    try:
        assert len(sockets) == 3 and {s.getsockname()[1] for s in sockets} == {port}
    finally:
        for made in sockets:
            made.close()


def test_a_port_in_use_is_an_error():
    taken = socket.create_server(("127.0.0.1", 0))
    try:
        with pytest.raises(OSError):
            listening_sockets("127.0.0.1", taken.getsockname()[1], 2, 16)
    finally:
        taken.close()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_the_queue_depth_is_summarised_at_most_once_per_interval(caplog):
    """waitress warns "Task queue depth is N" for each queued request: one line per interval remains."""
    clock = Clock()
    logger = logging.getLogger("waitress.queue.test")
    summary = QueueDepthSummary(interval=60, clock=clock)
    logger.addFilter(summary)
    try:
        with caplog.at_level(logging.WARNING, logger="waitress.queue.test"):
            for depth in (1, 2, 3):
                logger.warning("Task queue depth is %d", depth)
            assert len(caplog.records) == 1  # the first queued request says so at once
            for second in range(59):
                clock.now += 1
                logger.warning("Task queue depth is %d", 7 if second == 10 else 2)
            assert len(caplog.records) == 1
            clock.now += 1
            logger.warning("Task queue depth is %d", 4)
            assert len(caplog.records) == 2
            line = caplog.records[1].getMessage()
            assert "in the last 60 s: 62 " in line and "queue depth up to 7" in line, line
            assert caplog.records[1].levelno == logging.WARNING
            logger.warning("something else")  # other messages pass untouched
            assert caplog.records[-1].getMessage() == "something else"
    finally:
        logger.removeFilter(summary)
