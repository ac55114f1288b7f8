"""core.platform.processes with real processes: worker identities, dying with a parent, supervising with a back-off."""

import os
import signal
import subprocess
import sys
import time

from core.platform.processes import Supervisor, describe_exit, process_start, worker_identity, worker_is_gone


def process_state(pid: int) -> str:
    """The state letter of ``pid`` (R, S, Z...), or "" when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_worker_is_gone_once_its_process_has_ended():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    identity = worker_identity(child.pid)
    assert not worker_is_gone(identity) and not worker_is_gone(worker_identity())
    child.kill()
    child.wait()
    assert worker_is_gone(identity)


def test_a_reused_process_id_is_not_the_same_worker():
    host, pid, start, namespace = worker_identity().split(":")
    assert worker_is_gone(f"{host}:{pid}:{int(start) - 1}:{namespace}")  # same number, other start time


def test_what_cannot_be_told_is_never_called_gone():
    host, pid, start, namespace = worker_identity().split(":")
    assert not worker_is_gone(f"another-host:99999999:{start}:{namespace}")  # another machine
    assert not worker_is_gone(f"{host}:99999999:{start}:{int(namespace) + 1}")  # another container
    assert not worker_is_gone(f"{host}:99999999")  # written by an older version
    assert not worker_is_gone("") and not worker_is_gone("dead:1")


def test_a_child_armed_with_die_with_parent_dies_with_a_killed_parent():
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import os, subprocess, sys, time\n"
                "child = subprocess.Popen([sys.executable, '-c', 'import sys, time; from core.platform.processes import die_with_parent;"
                " die_with_parent(int(sys.argv[1])); time.sleep(60)', str(os.getpid())])\n"
                "print(child.pid, flush=True)\n"
                "time.sleep(60)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    child = int(parent.stdout.readline())
    assert wait_until(lambda: process_state(child) in ("S", "R"), 10)
    time.sleep(1)  # armed
    parent.kill()
    parent.wait()
    assert wait_until(lambda: process_state(child) in ("", "Z"), 5)


def gaps(history):
    return [round(b - a, 2) for (a, _), (b, _) in zip(history, history[1:], strict=False)]


def test_a_child_that_keeps_dying_is_restarted_with_a_growing_delay_and_reaped():
    supervisor = Supervisor(["true"], "a test child", first_delay=0.1, longest_delay=0.4, healthy_after=10)
    supervisor.start()
    time.sleep(1.6)
    supervisor.stop()
    delays = gaps(supervisor.history)
    assert len(delays) >= 4, delays
    assert 0.1 <= delays[0] < 0.2 and 0.2 <= delays[1] < 0.3 and all(0.4 <= d < 0.5 for d in delays[2:]), delays
    assert all(process_state(pid) == "" for _, pid in supervisor.history)  # each one reaped: no zombie


def test_a_child_that_ran_long_enough_is_restarted_after_the_first_delay():
    supervisor = Supervisor(["sleep", "0.3"], "a test child", first_delay=0.1, longest_delay=5, healthy_after=0.2)
    supervisor.start()
    time.sleep(1.8)
    supervisor.stop()
    delays = gaps(supervisor.history)
    assert len(delays) >= 3 and max(delays) < 0.6, delays  # growing, they would be 0.4, 0.5, 0.7, 1.1


def test_stopping_terminates_the_child_and_restarts_nothing():
    supervisor = Supervisor(["sleep", "30"], "a test child", first_delay=0.1)
    supervisor.start()
    assert wait_until(lambda: supervisor.history, 5)
    ((_, pid),) = supervisor.history
    supervisor.stop()
    time.sleep(0.3)
    assert process_state(pid) == "" and len(supervisor.history) == 1
    assert process_start(pid) == 0


def test_exits_are_described_for_the_log():
    assert describe_exit(-signal.SIGKILL) == "killed by signal SIGKILL"
    assert describe_exit(3) == "exit status 3" and describe_exit(None) == "it could not start"
