"""Operations (issue 19): /healthz, /readyz, /metrics, request ids in logs and jobs, ``amphi doctor``."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import tarfile
import threading
import time
import urllib.request
from datetime import timedelta

import pytest

from core import hookimpl
from core.models import Job, MediaFile, Site, utcnow
from core.ops import doctor
from core.ops.checks import Check, GaugeReading, plugin_checks, run_check
from core.ops.logs import JsonFormatter
from core.ops.metrics import encode_speed_gauge, jobs_gauge, storage_gauge
from core.platform.context import request_id
from core.platform.db import make_engine
from core.platform.tasks import REQUEST_ID_ARGUMENT, _send_if_committed, enqueue_after_commit, huey
from core.testing import run_amphi, serving, temporary_database, write_ini

log = logging.getLogger("tests.operations")


class OpsPlugin:
    """A plugin with a readiness check, a doctor check and a gauge; ``broken`` makes both checks fail."""

    broken = False

    @hookimpl
    def amphi_readiness_checks(self, registry):
        return [Check("index", lambda: "the index server at 10.0.0.9 is down" if self.broken else None)]

    @hookimpl
    def amphi_doctor_checks(self, registry):
        return [Check("index", lambda: "the index server at 10.0.0.9 refuses us" if self.broken else None)]

    @hookimpl
    def amphi_metrics(self, registry):
        return [GaugeReading("amphi_ops_widgets", "Widgets.", 3, {"colour": "blue"})]

    @hookimpl
    def amphi_nav_items(self, request):
        log.info("navigation asked for")
        return []


@pytest.fixture
def ops_plugin(register_plugin):
    plugin = OpsPlugin()
    register_plugin(plugin, "ops_test")
    return plugin


@pytest.fixture
def metrics_on(app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.metrics.enabled", "true")
    monkeypatch.setitem(app.registry, "amphi.metrics.enabled", True)


def test_healthz_and_readyz_name_what_failed(
    committed_site, app, testapp, ops_plugin, metrics_on, tmp_path, monkeypatch
):
    assert testapp.get("/healthz").json == {"status": "ok"}
    ready = testapp.get("/readyz").json
    slug = testapp.app.registry["dbsession_factory"]().get(Site, committed_site[0]).slug
    assert ready["status"] == "ok" and ready["failed"] == []
    assert {"database", "queue", f"storage: {slug}", "ops_test: index"} <= set(ready["checks"])

    ops_plugin.broken = True
    (tmp_path / "a-file").write_text("")  # a storage root below a file is never a folder
    monkeypatch.setitem(app.registry.settings, "amphi.storage_local.root", str(tmp_path / "a-file" / "media"))
    failing = testapp.get("/readyz", status=503).json  # a client outside allowed_networks: names only
    assert {f"storage: {slug}", "ops_test: index"} <= set(failing["failed"]) and "database" not in failing["failed"]
    assert failing["checks"]["ops_test: index"] == "failed"
    detailed = testapp.get("/readyz", status=503, extra_environ={"REMOTE_ADDR": "127.0.0.1"}).json
    assert detailed["checks"]["ops_test: index"] == "the index server at 10.0.0.9 is down"
    assert "is missing" in detailed["checks"][f"storage: {slug}"]


def test_metrics_are_protected_and_count_routes_jobs_storage_and_plugins(
    app, testapp, site, make_user, make_video, dbsession, ops_plugin, monkeypatch
):
    testapp.get("/metrics", status=404)  # off by default
    monkeypatch.setitem(app.registry, "amphi.metrics.enabled", True)
    monkeypatch.setitem(app.registry.settings, "amphi.metrics.enabled", "true")
    testapp.get("/metrics", status=404)  # 192.0.2.10 is not in 127.0.0.0/8
    local = {"REMOTE_ADDR": "127.0.0.1"}
    testapp.get("/healthz", extra_environ=local)
    text = testapp.get("/metrics", extra_environ=local).text
    assert re.search(r'amphi_http_requests_total\{method="GET",route="ops.healthz",status="200"\} \d', text)
    assert 'amphi_http_request_duration_seconds_bucket{le="0.005",route="ops.healthz"}' in text
    assert 'amphi_ops_widgets{colour="blue"} 3.0' in text
    monkeypatch.setitem(app.registry.settings, "amphi.metrics.token", "scrape-token")
    testapp.get("/metrics", extra_environ=local, status=404)
    testapp.get("/metrics", extra_environ=local, headers={"Authorization": "Bearer scrape-token"})

    # the figures read from the database (here the test's own transaction)
    owner = make_user(site, "metrics-owner")
    video = make_video(site, owner, duration=100.0)
    now = utcnow()
    video.jobs.append(Job(kind="encode", state="done", started_at=now - timedelta(seconds=50), finished_at=now))
    video.jobs.append(Job(kind="transcribe", state="queued"))
    video.files.append(MediaFile(kind="source", key=f"sites/{site.id}/videos/1/source", size=1234))
    dbsession.flush()
    jobs = {tuple(s.labels.values()): s.value for s in jobs_gauge(dbsession).samples}
    assert jobs[("transcribe", "queued")] >= 1
    speed = {s.labels["kind"]: s.value for s in encode_speed_gauge(dbsession).samples}
    assert speed["encode"] == pytest.approx(0.5, rel=0.05)
    sizes = {s.labels["site"]: s.value for s in storage_gauge(dbsession).samples}
    assert sizes[site.slug] == 1234


def test_request_id_on_every_log_line_and_carried_into_queued_tasks(ops_plugin, testapp, make_request, site, caplog):
    caplog.set_level(logging.INFO)
    response = testapp.get("/", headers={"X-Request-Id": "req-from-nginx-1"})
    assert response.headers["X-Request-Id"] == "req-from-nginx-1"
    mine = [r for r in caplog.records if r.getMessage() == "navigation asked for"]
    assert mine and all(r.request_id == "req-from-nginx-1" for r in mine)
    assert re.fullmatch(
        r"[0-9a-f]{32}", testapp.get("/healthz", headers={"X-Request-Id": "bad id!"}).headers["X-Request-Id"]
    )

    # a task queued by a request carries its id (after the commit)...
    token = request_id.set("req-queueing")
    try:
        request = make_request(site)
        enqueue_after_commit(request, probe_task, 41)
        _hook, args, kws = list(request.tm.get().getAfterCommitHooks())[-1]
        assert args == (probe_task, 41) and kws == {"rid": "req-queueing"}
    finally:
        request_id.reset(token)
    # ...through huey's message, to a worker thread that knows nothing of the request
    message = huey.serialize_task(probe_task.s(41, **{REQUEST_ID_ARGUMENT: "req-queueing"}))
    seen = []
    worker = threading.Thread(target=lambda: seen.append(huey.execute(huey.deserialize_task(message))))
    worker.start()
    worker.join()
    assert seen == [42]  # the task got its own arguments only
    ran = [r for r in caplog.records if r.getMessage() == "probe task ran"]
    assert ran[-1].request_id == "req-queueing"
    caplog.clear()
    _send_if_committed(True, probe_task, 1, rid="req-inline")  # memory:// runs it here, inline
    assert caplog.records[-1].request_id == "req-inline" and request_id.get() == ""

    line = json.loads(JsonFormatter().format(ran[-1]))
    assert line["request_id"] == "req-queueing" and line["message"] == "probe task ran" and line["level"] == "INFO"


@huey.task()
def probe_task(number: int) -> int:
    log.info("probe task ran")
    return number + 1


def test_doctor_says_what_is_wrong(app, make_site, dbsession, ops_plugin, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "ffmpeg is not installed or not on the PATH" in run_check(doctor.program_check("ffmpeg")).problem
    monkeypatch.undo()
    assert run_check(doctor.program_check("ffprobe")).detail  # its version
    assert doctor.secret_problem({"amphi.session_secret": ""}).startswith("no session secret")
    assert "an example value" in doctor.secret_problem({"amphi.session_secret": "change-me"})
    assert "has 8 characters" in doctor.secret_problem({"amphi.session_secret": "a1b2c3d4"})
    assert doctor.secret_problem({"amphi.session_secret": "0123456789abcdef" * 4}) is None
    https = {"amphi.base_url": "https://video.example.edu", "amphi.session_secure": "false"}
    assert "set amphi.session_secure = true" in doctor.cookie_problem(https)
    assert "nobody could stay signed in" in doctor.cookie_problem({"amphi.session_secure": "true"})
    closed = make_engine("postgresql://amphi:pw@127.0.0.1:1/amphi")
    problem = doctor.database_problem(closed)
    assert problem.startswith("cannot reach the database postgresql+psycopg://amphi:***@127.0.0.1:1/amphi")
    fresh = make_engine(f"sqlite:///{tmp_path}/empty.sqlite")
    assert "migrations not applied (branches: " in doctor.migrations_problem(fresh, app.registry.plugins)
    assert "core" in doctor.migrations_problem(fresh, app.registry.plugins)
    assert doctor.migrations_problem(app.registry["db_engine"], app.registry.plugins) is None
    redis_down = doctor.queue_problem({"amphi.queue_url": "redis://127.0.0.1:1/0"}).problem
    assert redis_down.startswith("cannot reach Redis at redis://127.0.0.1:1/0 (amphi.queue_url)")
    assert doctor.queue_problem({"amphi.queue_url": "redis://127.0.0.1:6379/0"}).ok

    site = make_site("doctor", plugins=["storage_local"])
    assert doctor.storage_problem(app.registry, site).ok
    (tmp_path / "a-file").write_text("")
    monkeypatch.setitem(app.registry.settings, "amphi.storage_local.root", str(tmp_path / "a-file" / "media"))
    assert (
        "site 'doctor': cannot write to its storage (LocalStorage)"
        in doctor.storage_problem(app.registry, site).problem
    )
    monkeypatch.setitem(app.registry.settings, "amphi.storage_local.root", str(tmp_path / "media"))

    monkeypatch.setitem(app.registry.settings, "amphi.storage_local.accel_prefix", "/protected/")
    nginx = tmp_path / "amphi.conf"
    nginx.write_text("server {\n location /media/ {\n  internal; # comment\n  alias /var/lib/amphi/media/;\n }\n}\n")
    wrong = doctor.accel_problem(app.registry, [site], str(nginx)).problem
    assert f"site 'doctor' sends media to /protected/ but {nginx} has no internal location /protected/" in wrong
    assert "(its internal locations: /media/)" in wrong
    nginx.write_text("server { location /protected/ { internal; alias /m/; } location / { proxy_pass http://a; } }")
    assert doctor.accel_problem(app.registry, [site], str(nginx)).ok
    assert "not checked" in doctor.accel_problem(app.registry, [site], None).detail

    ops_plugin.broken = True
    checks = plugin_checks(app.registry, "amphi_doctor_checks")
    outcomes = [run_check(check) for check in checks if check.name == "ops_test: index"]
    assert outcomes[0].problem == "the index server at 10.0.0.9 refuses us"
    assert "PROBLEM  ops_test: index: the index server" in doctor.report(outcomes)


@pytest.fixture(scope="module")
def production_like(tmp_path_factory):
    """``amphi serve --workers 2`` with metrics, JSON logs and access lines, on a migrated database."""
    folder = tmp_path_factory.mktemp("ops")
    with temporary_database(folder) as url:
        ini = write_ini(
            folder,
            url,
            **{"amphi.metrics.enabled": "true", "amphi.logs.format": "json", "amphi.logs.access": "true"},
        )
        logging_sections = open("etc/production.ini").read().split("[loggers]", 1)[1]
        ini.write_text(ini.read_text() + "\n[loggers]" + logging_sections)
        run_amphi(ini, "init", "--admin-password", "ops admin password")
        with serving(ini, folder, workers=2) as base:
            yield base, ini, folder


def get(url: str, **headers) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def test_two_processes_count_together_and_log_json(production_like):
    base, ini, folder = production_like
    processes = set()
    for number in range(24):  # a new connection each: the kernel spreads them between the two processes
        status, headers, _ = get(base + "/healthz", **{"X-Request-Id": f"probe-{number}"})
        assert status == 200 and headers["X-Request-Id"] == f"probe-{number}"
        processes.add(headers["X-Amphi-Process"])
    status, _, body = get(base + "/readyz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    _, _, metrics = get(base + "/metrics")
    counted = re.search(rb'amphi_http_requests_total\{method="GET",route="ops.healthz",status="200"\} (\d+)', metrics)
    assert counted and int(float(counted.group(1))) == 24, metrics[:2000]
    assert b"amphi_jobs" in metrics and b'amphi_storage_bytes{site="default"}' in metrics
    assert len(processes) == 2, processes  # so the 24 were counted by both processes, added up
    lines = [json.loads(line) for line in (folder / "server.log").read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "core.access_log" and line["path"] == "/healthz"]
    assert {line["request_id"] for line in access} == {f"probe-{n}" for n in range(24)}


def test_doctor_command(production_like, tmp_path):
    _base, ini, _folder = production_like
    bad = tmp_path / "bad.ini"
    bad.write_text(
        ini.read_text()
        .replace("amphi.queue_url = sqlite:", "amphi.queue_url = redis://127.0.0.1:1/0\n# was: sqlite:")
        .replace("[app:main]\n", "[app:main]\namphi.base_url = https://video.example.edu\n")
    )
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", "-c", str(bad), "doctor"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "PROBLEM  queue: cannot reach Redis at redis://127.0.0.1:1/0" in result.stdout
    assert "PROBLEM  session cookie: amphi.base_url is https://" in result.stdout
    for passed in ("ffmpeg", "ffprobe", "session secret", "database", "migrations", "storage: default"):
        assert f"ok       {passed}" in result.stdout, result.stdout
    assert "2 problems found" in result.stderr


def test_site_export_and_import_commands(production_like, tmp_path):
    """The commands' wiring (the round trip itself: test_site_export.py): an export, then an import
    refused because the site's host names are taken here, leaving nothing behind."""
    _base, ini, _folder = production_like
    archive = tmp_path / "default.tar"
    run_amphi(ini, "site", "export", "default", str(archive), "--media")
    with tarfile.open(archive) as tar:
        assert json.load(tar.extractfile("manifest.json"))["tables"]["users"] == 1
    argv = [sys.executable, "-m", "core.cli", "-c", str(ini), "site", "import", str(archive), "--slug", "copy"]
    again = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1, again.stderr
    assert "the domain localhost belongs to another site here: import with --domain NEW" in again.stderr


def routed_storages(folder, name: str):
    """The main queue and the per-kind queues of huey's SQLite storage at ``folder`` (as configure_queue makes them)."""
    from huey.storage import SqliteStorage

    from core.platform.tasks import RoutedStorage

    path = str(folder / "huey.sqlite")
    return RoutedStorage(
        SqliteStorage(name, filename=path), lambda kind: SqliteStorage(f"{name}.{kind}", filename=path), huey.serializer
    )


def test_each_job_kind_has_its_queue(app, tmp_path):
    from core.cli import served_kinds
    from core.pipeline import run_job
    from core.platform.errors import ConfigurationError
    from core.platform.tasks import routing

    web = routed_storages(tmp_path, "amphi")
    for task in (run_job.s(1, **routing("encode")), run_job.s(2, **routing("transcribe")), probe_task.s(3)):
        web.enqueue(huey.serialize_task(task))
    gpu, small = routed_storages(tmp_path, "amphi"), routed_storages(tmp_path, "amphi")
    gpu.serve(["encode"], main=False)
    small.serve(["transcribe"], main=True)
    assert gpu.queue_size() == 1 and small.queue_size() == 2
    assert huey.deserialize_task(gpu.dequeue()).args == (1,) and gpu.dequeue() is None
    taken = sorted(huey.deserialize_task(small.dequeue()).args for _ in range(2))
    assert taken == [(2,), (3,)] and small.dequeue() is None

    assert served_kinds(app.registry, None) == (sorted(served_kinds(app.registry, None)[0]), True)
    assert {"encode", "compose", "transcribe"} <= set(served_kinds(app.registry, None)[0])
    assert served_kinds(app.registry, "transcribe, tasks") == (["transcribe"], True)
    with pytest.raises(ConfigurationError, match="--kinds: no plugin loaded here runs 'ocr' jobs"):
        served_kinds(app.registry, "encode,ocr")


def test_a_worker_takes_only_its_kinds(production_like):
    """``amphi worker --kinds transcribe`` empties the transcribe queue and leaves the encode queue alone."""
    from core.pipeline import run_job
    from core.platform.tasks import routing

    _base, ini, folder = production_like
    queues = routed_storages(folder / "var", "amphi")
    for job_id, kind in ((900001, "encode"), (900002, "transcribe"), (900003, "transcribe")):
        queues.enqueue(huey.serialize_task(run_job.s(job_id, **routing(kind))))  # no such jobs: claimed by nobody
    with open(folder / "worker.log", "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "-c", str(ini), "worker", "--kinds", "transcribe", "--concurrency", "1"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while queues.queue("transcribe").queue_size() and time.monotonic() < deadline:
                assert worker.poll() is None, (folder / "worker.log").read_text()
                time.sleep(0.2)
            assert queues.queue("transcribe").queue_size() == 0, (folder / "worker.log").read_text()
            assert queues.queue("encode").queue_size() == 1
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    assert "amphi worker: transcribe jobs, 1 at a time" in (folder / "worker.log").read_text()


def test_live_viewers_are_a_gauge(app, site, make_user, dbsession):
    from plugins.live import viewers
    from plugins.live.models import LiveEvent

    start = utcnow()
    on_air = LiveEvent(
        site_id=site.id, title="Thesis", starts_at=start, ends_at=start + timedelta(hours=1), state="on_air"
    )
    later = LiveEvent(site_id=site.id, title="Later", starts_at=start, ends_at=start + timedelta(hours=1))
    dbsession.add_all([on_air, later])
    dbsession.flush()
    store = viewers.store("")  # this process's memory (the test settings' viewer store)
    for viewer in ("viewer-aaaa1", "viewer-bbbb2"):
        store.seen(on_air.id, viewer, viewers.now())
    readings = {(r.name, r.labels["site"]): r.value for r in viewers.viewer_gauges(app.registry, dbsession)}
    assert readings[("amphi_live_viewers", site.slug)] == 2
    assert readings[("amphi_live_events_on_air", site.slug)] == 1
