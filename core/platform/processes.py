"""Processes on this machine: who a worker is, whether it is gone, dying with a parent, supervising one.

A worker names itself with its host, process id, start time and process namespace
(:func:`worker_identity`), so that a sweeper on the same machine can tell that the
worker which claimed a job has ended (``kill -9``, a crash) and requeue the job at once,
without waiting for its heartbeat to go stale. Process ids are reused: the start time
tells a new process from the dead one that had the same number.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Resolved at import: a forked child (preexec_fn) only makes the call.
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def process_start(pid: int) -> int:
    """When process ``pid`` started (clock ticks since boot), or 0 when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()  # after "(command name)", which may hold spaces
        return int(fields[19])  # field 22 of proc(5): starttime
    except (OSError, IndexError, ValueError):
        return 0


def pid_namespace() -> int:
    """The inode of this process's pid namespace (containers on one host have their own), 0 when unknown."""
    try:
        return os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return 0


def worker_identity(pid: int | None = None) -> str:
    """``host:pid:start:namespace``: who runs a job, written on the job when it is claimed."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{process_start(pid)}:{pid_namespace()}"


def worker_is_gone(identity: str) -> bool:
    """Whether the worker ``identity`` ran on this machine, in this namespace, and has ended.

    False whenever that cannot be told (another host, another container, no ``/proc``).
    """
    host, _, rest = identity.partition(":")
    parts = rest.split(":")
    if host != socket.gethostname() or len(parts) != 3 or not all(p.isdigit() for p in parts):
        return False
    pid, start, namespace = (int(p) for p in parts)
    if not start or not namespace or namespace != pid_namespace():
        return False
    return process_start(pid) != start


# --- a child that dies with its parent ----------------------------------------------


def arm_parent_death_signal() -> bool:
    """Ask the kernel to kill this process when the thread that started it ends (Linux); False elsewhere.

    Also a ``preexec_fn``: a worker's ffmpeg then dies with the worker instead of encoding for nobody.
    """
    if _prctl is None:
        return False
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    return True


def die_with_parent(parent_pid: int) -> None:
    """Be killed when process ``parent_pid`` ends, even by ``kill -9``.

    The kernel's parent-death signal does it on Linux (a parent that died before it was armed is
    seen at once); elsewhere a thread watches the parent's id.
    """
    if arm_parent_death_signal():
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGKILL)
        return
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watch", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1)
    log.warning("process %s that started this one has ended; stopping", parent_pid)
    os.kill(os.getpid(), signal.SIGKILL)


# --- supervising a child ----------------------------------------------------------


class Supervisor:
    """Runs ``argv`` as a child process, reaps it when it dies and starts it again, with a back-off.

    The first restart waits ``first_delay`` seconds, each quick death after that twice as long, up
    to ``longest_delay``; a child that ran ``healthy_after`` seconds starts the count again.
    """

    def __init__(
        self,
        argv: list[str],
        name: str,
        first_delay: float = 1.0,
        longest_delay: float = 60.0,
        healthy_after: float = 60.0,
    ):
        self.argv, self.name = argv, name
        self.first_delay, self.longest_delay, self.healthy_after = first_delay, longest_delay, healthy_after
        self.process: subprocess.Popen | None = None
        self.history: list[tuple[float, int]] = []  # (monotonic time, process id) of each child started
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        # The children are started from this thread; it lives as long as the supervision (a child
        # armed with a parent-death signal is killed when the thread that started it ends).
        self._thread = threading.Thread(target=self._supervise, name=f"supervise-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Stop supervising; terminate the child (kill it after ``timeout`` seconds) and reap it."""
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)

    def _supervise(self) -> None:
        delay = self.first_delay
        while not self._stopping.is_set():
            began = time.monotonic()
            code = self._run_once()
            if self._stopping.is_set():
                return
            delay = self.first_delay if time.monotonic() - began >= self.healthy_after else delay
            log.warning("%s stopped (%s); starting it again in %.1f s", self.name, describe_exit(code), delay)
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, self.longest_delay)

    def _run_once(self) -> int | None:
        """Start the child and wait for it (reaping it); None when it could not start."""
        with self._lock:
            if self._stopping.is_set():
                return None
            try:
                self.process = subprocess.Popen(self.argv)
            except OSError:
                log.exception("%s could not start", self.name)
                return None
            self.history.append((time.monotonic(), self.process.pid))
            process = self.process
        return process.wait()


def describe_exit(code: int | None) -> str:
    if code is None:
        return "it could not start"
    if code < 0:
        return (
            f"killed by signal {signal.Signals(-code).name}" if -code in signal.valid_signals() else f"signal {-code}"
        )
    return f"exit status {code}"
