"""The programs one capture runs: Xvfb (a virtual display), PulseAudio (a private null sink), Chromium.

Each capture owns a :class:`Children`: every program it starts runs in its own process group, with its
standard error in the capture's folder (quoted when it fails), with ``AMPHI_CAPTURE=<folder>`` in its
environment (so a leftover can be found), and under ``setpriv --pdeathsig KILL``: if the thread that
started it ends without cleaning up (the worker was killed), the kernel kills it.
:meth:`Children.stop_all` stops them in reverse order, then their whole groups (Chromium's helpers),
then any process that still carries the capture's marker (Chromium's crash handlers).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

#: Programs, overridable for hosts that install them elsewhere.
XVFB = os.environ.get("AMPHI_CAPTURE_XVFB", "Xvfb")
PULSEAUDIO = os.environ.get("AMPHI_CAPTURE_PULSEAUDIO", "pulseaudio")
CHROMIUM = os.environ.get("AMPHI_CAPTURE_CHROMIUM", "/usr/bin/chromium")
#: The null sink Chromium plays into; ffmpeg records its monitor.
SINK = "amphi"
SAMPLE_RATE = 48000


#: Lines of standard error that say nothing about a failure: Chromium's complaints that there is no
#: D-Bus (none is needed) and a test in Debian's wrapper script that trips on some /dev/shm mounts;
#: PulseAudio's about running as root or without a cookie.
_NOISE = re.compile(r"dbus|unexpected operator|not intended to be run as root|cookie", re.I)


class ChildError(Exception):
    """A program of the capture failed to start or stopped; the message says which and why."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log: Path
    #: Text never quoted from the log (an RTMP stream key), replaced by "…".
    secret: str | None = None

    def running(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 5, limit: int = 1000) -> str:
        """The last lines the program wrote on its standard error, without the usual noise."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        kept = [line for line in text.splitlines() if line.strip() and not _NOISE.search(line)]
        tail = "\n".join(kept[-lines:])[-limit:]
        return tail.replace(self.secret, "…") if self.secret else tail

    def describe_exit(self) -> str:
        code = self.process.returncode
        how = f"was killed by signal {-code}" if code is not None and code < 0 else f"exited with status {code}"
        tail = self.log_tail()
        return f"{self.name} {how}" + (f": {tail}" if tail else "")


class Children:
    """The processes of one capture, whose files live under ``folder``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.children: list[Child] = []
        self.env = dict(os.environ, AMPHI_CAPTURE=str(folder), HOME=str(folder / "home"))
        (folder / "home").mkdir()
        (folder / "logs").mkdir()

    def spawn(
        self, name: str, argv: list[str], *, env: dict | None = None, secret: str | None = None, **popen
    ) -> Child:
        log = self.folder / "logs" / f"{name.lower()}.log"
        if shutil.which("setpriv"):
            argv = ["setpriv", "--pdeathsig", "KILL", "--", *argv]
        with open(log, "wb") as stderr:
            try:
                process = subprocess.Popen(
                    argv,
                    env={**self.env, **(env or {})},
                    stderr=stderr,
                    stdout=popen.pop("stdout", subprocess.DEVNULL),
                    stdin=popen.pop("stdin", subprocess.DEVNULL),
                    start_new_session=True,
                    cwd=self.folder,
                    **popen,
                )
            except OSError as error:
                raise ChildError(f"{name} could not be started ({error})") from error
        child = Child(name, process, log, secret)
        self.children.append(child)
        return child

    def check(self) -> None:
        """Raise :class:`ChildError` when one of the programs has stopped."""
        for child in self.children:
            if not child.running():
                raise ChildError(child.describe_exit())

    def stop_all(self) -> None:
        for child in reversed(self.children):
            stop(child.process, signal.SIGTERM, timeout=5)
        self.children.clear()
        kill_strays(self.folder)


def kill_strays(folder: Path) -> None:
    """Kill what escaped the process groups: Chromium's crash handlers leave its group (they fork twice,
    to init) and do not always exit with it. They carry the capture's marker, or name its folder."""
    marker = f"AMPHI_CAPTURE={folder}\0".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker in environ or str(folder).encode() in command:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 5) -> None:
    """Stop a process and every process left in its group; kill what does not stop within ``timeout``."""
    if process.poll() is None:
        _signal_group(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
    _signal_group(process.pid, signal.SIGKILL)  # helpers whose leader already exited


def start_xvfb(children: Children, width: int, height: int, timeout: float = 15) -> int:
    """Start a virtual display of ``width`` x ``height``; return its number (the first free one, chosen by
    Xvfb itself through ``-displayfd``, so concurrent captures never race for one)."""
    read_end, write_end = os.pipe()
    try:
        child = children.spawn(
            "Xvfb",
            [XVFB, "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
            pass_fds=(write_end,),
        )
        os.close(write_end)
        write_end = -1
        answer = b""
        deadline = time.monotonic() + timeout
        while not answer.endswith(b"\n"):
            ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(read_end, 16) if ready else b""
            if not chunk:
                if child.running():
                    raise ChildError(f"Xvfb chose no display within {timeout:g} s")
                child.process.wait()
                raise ChildError(child.describe_exit())
            answer += chunk
        return int(answer)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)


def start_pulseaudio(children: Children, timeout: float = 15) -> str:
    """Start a PulseAudio daemon of this capture only, with one null sink; return its server address
    (for ``PULSE_SERVER``)."""
    runtime = children.folder / "pulse"
    runtime.mkdir()
    address = runtime / "native"
    child = children.spawn(
        "PulseAudio",
        [PULSEAUDIO, "-n", "--daemonize=no", "--system=no", "--use-pid-file=no", "--exit-idle-time=-1",
         "--disable-shm=yes", "--log-target=stderr", "--log-level=error",
         f"--load=module-native-protocol-unix socket={address} auth-anonymous=1",
         f"--load=module-null-sink sink_name={SINK} rate={SAMPLE_RATE} channels=2"],
        env={"PULSE_RUNTIME_PATH": str(runtime), "PULSE_STATE_PATH": str(runtime), "XDG_RUNTIME_DIR": str(runtime)},
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(address))
                return f"unix:{address}"
            except OSError:
                pass
        if not child.running():
            child.process.wait()
            raise ChildError(child.describe_exit())
        if time.monotonic() > deadline:
            raise ChildError(f"PulseAudio did not open its socket within {timeout:g} s")
        time.sleep(0.02)


def chromium_arguments(profile: Path, width: int, height: int) -> list[str]:
    """A real (not headless) window filling the display, in kiosk mode: no address bar, no first-run
    page, no infobar; media may play without a click; timers of a page nobody looks at are not slowed."""
    arguments = [
        f"--user-data-dir={profile}",
        "--remote-debugging-pipe",
        "--kiosk",
        "--start-fullscreen",
        "--window-position=0,0",
        # Without a window manager Chromium never makes a window exactly the screen's size (it makes it a
        # pixel smaller, leaving a black line in the film); one pixel more is cut off by the display.
        f"--window-size={width + 1},{height + 1}",
        "--autoplay-policy=no-user-gesture-required",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-sync",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-notifications",
        "--disable-translate",
        "--disable-features=Translate,MediaRouter,DialMediaRouteProvider,GlobalMediaControls",
        "--disable-session-crashed-bubble",
        "--hide-crash-restore-bubble",
        "--noerrdialogs",
        "--password-store=basic",
        "--hide-scrollbars",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
        "--disable-dev-shm-usage",
        # The infobar that warns about --no-sandbox would be filmed; --test-type hides it.
        "--test-type",
    ]
    if os.geteuid() == 0:
        arguments.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return [*arguments, "about:blank"]


def start_chromium(children: Children, display: int, pulse_server: str, width: int, height: int, pipe) -> Child:
    """Start Chromium on the display, its sound going to the capture's PulseAudio, driven through ``pipe``
    (a :class:`plugin_bbb.capture_cdp.DevToolsPipe`); the page is blank until navigated."""
    profile = children.folder / "profile"
    profile.mkdir()
    # Chromium wants the pipe's ends as its descriptors 3 and 4; subprocess keeps descriptors by number,
    # so bash renumbers them (from 10 and up, where they cannot collide with 3 and 4) before Chromium starts.
    reads, writes = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in pipe.child_fds)
    try:
        renumber = f'exec 3<&{reads} 4>&{writes} {reads}<&- {writes}>&-; exec "$@"'
        return children.spawn(
            "Chromium",
            ["bash", "-c", renumber, "chromium", CHROMIUM, *chromium_arguments(profile, width, height)],
            env={"DISPLAY": f":{display}", "PULSE_SERVER": pulse_server, "PULSE_SINK": SINK},
            pass_fds=(reads, writes),
        )
    finally:
        os.close(reads)
        os.close(writes)
        pipe.started()
