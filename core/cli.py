"""The ``amphi`` command. Errors are one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import gc
import linecache
import os
import signal
import sys
from contextlib import contextmanager
from typing import cast

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from core.platform.errors import AmphiError, ConfigurationError
from core.platform.private import write_private
from core.platform.processes import Supervisor, die_with_parent
from core.platform.settings import setting

DEFAULT_CONFIG = "etc/amphi.ini"


def config_path(args) -> str:
    path = args.config or os.environ.get("AMPHI_CONFIG") or DEFAULT_CONFIG
    if not os.path.exists(path):
        raise ConfigurationError(f"configuration file {path} not found (use -c or AMPHI_CONFIG)")
    return os.path.abspath(path)


@contextmanager
def app_env(args):
    """Bootstrap the whole app from the ini file; yield a request inside a transaction."""
    from pyramid.paster import bootstrap, setup_logging

    path = config_path(args)
    setup_logging(path)
    with bootstrap(path) as env:
        request = env["request"]
        with request.tm:
            yield request


def find_site_or_fail(request, slug: str):
    from core.models import Site

    site = request.dbsession.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        raise AmphiError(f"no site named {slug!r} (see: amphi site list)")
    request.site = site
    return site


# --- commands ----------------------------------------------------------------


def cmd_init(args) -> None:
    """Create var/, the database, the default site and a superuser (idempotent)."""
    from core.access.security import random_password
    from core.access.users import create_user, find_user
    from core.models import Site
    from core.platform.sites import create_site

    cmd_db_upgrade(args)
    with app_env(args) as request:
        site = request.dbsession.scalar(select(Site).where(Site.is_default.is_(True)))
        if site is None:
            domains = ["localhost", "127.0.0.1"] + list(args.domain or [])
            site = create_site(request.dbsession, request.registry, "default", args.name, domains, is_default=True)
            print(f"created site 'default' ({', '.join(d.domain for d in site.domains)})")
        request.site = site
        credentials_file = os.path.join(setting(request.registry.settings, "amphi.var_dir"), "admin-credentials.txt")
        if find_user(request.dbsession, site.id, args.admin) is None:
            password = args.admin_password or random_password()
            create_user(request, args.admin, display_name="Administrator", role="superuser", password=password)
            write_private(credentials_file, f"username: {args.admin}\npassword: {password}\n")
            print(f"created superuser {args.admin!r}; credentials in {credentials_file}")


def cmd_db_upgrade(args) -> None:
    from pyramid.paster import get_appsettings

    import core.pagecache.generation  # noqa: F401  (a migration's writes bump the content generation: pages cached elsewhere go stale)
    from core.platform.db import make_engine
    from core.platform.migrate import upgrade
    from core.platform.plugins import make_plugin_host
    from core.platform.settings import load_settings

    settings = load_settings(get_appsettings(config_path(args)))
    engine = make_engine(setting(settings, "amphi.database_url"))
    upgrade(engine, make_plugin_host(settings))
    print("database is up to date")


def cmd_db_check(args) -> None:
    from core.platform.migrate import model_differences, pending_heads

    with app_env(args) as request:
        engine = request.registry["db_engine"]
        pending = pending_heads(engine, request.registry.plugins)
        if pending:
            raise AmphiError(f"migrations not applied: {', '.join(sorted(pending))}; run amphi db upgrade")
        differences = model_differences(engine)
        if differences:
            raise AmphiError(f"models and migrations differ: {differences}")
        print("database matches the models")


def cmd_serve(args) -> None:
    from pyramid.paster import get_app, setup_logging

    from core.platform.server import few_malloc_arenas

    path = config_path(args)
    setup_logging(path)
    few_malloc_arenas()
    workers = max(1, args.workers or os.cpu_count() or 1)
    prepare_metrics(path, workers)
    app = get_app(path)
    # The source lines Pyramid's configuration read to say where each directive was made (a MiB or two).
    linecache.clearcache()
    # What the application loaded stays for good: the collector need not walk it again and again
    # (its full passes paused requests for tens of milliseconds), and forked workers share it.
    gc.freeze()
    settings = app.registry.settings
    options = server_options(path, args)
    worker = embedded_worker(path) if setting(settings, "amphi.worker.embedded") else None
    extra = plugin_processes(app.registry, path)
    threads = int(options["threads"])
    print(
        f"Amphi is running at http://{args.host}:{args.port}/"
        f" ({workers} process{'es' if workers > 1 else ''}, {threads} thread{'s' if threads > 1 else ''} each)",
        flush=True,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so the worker below is stopped too
    supervised = [*([worker] if worker is not None else []), *extra]
    try:
        if workers == 1:
            from core.platform.server import serve

            for process in supervised:
                process.start()
            serve(app, **options)
        else:
            serve_processes(app, options, workers, supervised)
    finally:
        for process in supervised:
            process.stop()


def prepare_metrics(path: str, workers: int) -> None:
    """Several processes count requests in files they share (before prometheus_client is imported)."""
    from pyramid.paster import get_appsettings

    from core.ops.metrics_dir import prepare_processes
    from core.platform.settings import load_settings

    prepare_processes(load_settings(get_appsettings(path)), workers)


def cmd_doctor(args) -> None:
    """Check the configuration; one line per check; exit status 1 when a problem was found."""
    from pyramid.paster import get_app, get_appsettings

    from core.ops.checks import Outcome, run_check
    from core.ops.doctor import application_checks, report, settings_checks
    from core.platform.settings import load_settings

    path = config_path(args)
    try:
        settings = load_settings(get_appsettings(path))
    except ConfigurationError as exc:
        outcomes = [Outcome("settings", exc.message)]
    else:
        outcomes = [run_check(check) for check in settings_checks(settings)]
        try:
            app = get_app(path)
        except Exception as exc:  # noqa: BLE001 — what stops the start is the finding
            message = exc.message if isinstance(exc, AmphiError) else f"{type(exc).__name__}: {exc}"
            outcomes.append(Outcome("application", f"the application does not start: {message}"))
        else:
            outcomes += application_checks(app.registry, args.nginx_config)
            app.registry["db_engine"].dispose()
    print(report(outcomes), flush=True)
    problems = sum(not outcome.ok for outcome in outcomes)
    if problems:
        raise AmphiError(f"{problems} problem{'s' if problems > 1 else ''} found")
    print("no problem found")


def plugin_processes(registry, path: str) -> list[Supervisor]:
    """The processes plugins ask ``amphi serve`` to supervise (``amphi_serve_processes``)."""
    hook = registry.plugins.pm.hook.amphi_serve_processes
    named = [item for answer in hook(registry=registry, config_path=path) for item in answer or ()]
    return [Supervisor(list(argv), name) for name, argv in named]


def embedded_worker(path: str):
    """``amphi worker`` supervised by this process: restarted when it dies, killed when this process dies."""
    argv = [sys.executable, "-m", "core.cli", "-c", path, "worker", "--parent-pid", str(os.getpid())]
    return Supervisor(argv, "the embedded worker")


def serve_processes(app, options: dict, workers: int, supervised: list[Supervisor] | None = None) -> None:
    """Serve from ``workers`` forked processes (Python runs one thread at a time per process: more
    processes use more cores). Each has its own database connections; what a process keeps in
    memory (API rate counts, caches) is its own.

    Each process listens on a socket of its own bound with ``SO_REUSEPORT`` (:func:`listening_sockets`),
    so the kernel spreads new connections evenly between them; on a shared socket one busy process
    could accept every keep-alive connection while the others idled. The embedded ``worker``'s
    supervisor and the plugins' processes (``supervised``) start once they are forked (a thread and fork
    do not mix)."""
    from core.platform.server import serve

    host, port = options.pop("host"), int(options.pop("port"))
    listeners = listening_sockets(host, port, workers, int(options.get("backlog", 1024)))
    children: list[int] = []
    parent = os.getpid()
    # A SIGTERM while forking (a slow start) waits until every child is known, then stops them all.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        for number in range(workers):
            pid = os.fork()
            if pid == 0:  # a child: fresh connections, default signals, serve until terminated or orphaned
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
                die_with_parent(parent)
                app.registry["db_engine"].dispose(close=False)
                mine = listeners[number % len(listeners)]
                for other in listeners:  # a socket nobody accepts on would keep the connections the kernel gives
                    if other is not mine:
                        other.close()
                try:
                    serve(app, sockets=[mine], **options)
                finally:
                    os._exit(0)
            children.append(pid)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        for listener in listeners:
            listener.close()
        for process in supervised or ():
            process.start()
        for pid in children:
            os.waitpid(pid, 0)
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def listening_sockets(host: str, port: int, count: int, backlog: int) -> list:
    """``count`` sockets listening on ``host:port`` with ``SO_REUSEPORT`` (one per process), or one
    shared socket where the system has no ``SO_REUSEPORT``. Bound here, before any process is forked,
    so that a port in use is one clear error."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if count == 1 or not hasattr(socket, "SO_REUSEPORT"):
        return [socket.create_server((host, port), family=family, backlog=backlog)]
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sockets.append(socket.create_server((host, port), family=family, backlog=backlog, reuse_port=True))
    except OSError:
        for made in sockets:
            made.close()
        # SO_REUSEPORT refused (a kernel without it): one shared socket; a port in use fails here too
        return [socket.create_server((host, port), family=family, backlog=backlog)]
    return sockets


def server_options(path: str, args) -> dict:
    """waitress options: the ini's [server:main] (trusted proxies...), then the command line."""
    from plaster import get_settings

    from core.platform.settings import load_settings

    options = {k: v for k, v in get_settings(path, "server:main").items() if k not in ("use", "listen")}
    # Large socket reads: uploads arrive in 64 MiB tus chunks (waitress reads 8 KiB by default).
    options.setdefault("recv_bytes", str(1 << 20))
    options.setdefault("clear_untrusted_proxy_headers", "true")
    # waitress refuses bodies over 1 GiB by default; a tus client may send a whole file in one PATCH.
    max_upload = setting(load_settings(get_settings(path, "app:main")), "amphi.uploads.max_size")
    options.setdefault("max_request_body_size", str(max_upload + (1 << 20)))
    options.update(host=args.host, port=args.port)
    if args.threads is not None:
        options["threads"] = args.threads
    # 4 threads per process: measured with bench/pages.py (2 processes, 16 connections, 1,000 videos, SQLite),
    # cached home / video / signed-in home: 2 threads 2,117 / 383 / 209 req/s, 4: 3,950 / 825 / 1,054, 8: 3,027 / 490 / 468.
    options.setdefault("threads", "4")
    return options


def cmd_worker(args) -> None:
    from huey.consumer import Consumer
    from pyramid.paster import bootstrap, setup_logging

    from core.pipeline import start_sweeper
    from core.platform.tasks import huey

    path = config_path(args)
    if args.parent_pid:
        die_with_parent(args.parent_pid)  # before the slow start: a server killed meanwhile leaves no worker
    setup_logging(path)
    with bootstrap(path) as env:  # imports every plugin, so all their tasks are registered
        if huey.immediate:
            raise ConfigurationError("amphi.queue_url is memory://: there is no queue to consume")
        kinds, other_tasks = served_kinds(env["registry"], args.kinds)
        huey.storage.serve(kinds, main=other_tasks)
        if args.encoder:  # this worker's encoder, whatever the ini says (a GPU host: --encoder nvenc)
            env["registry"].settings["amphi.worker.encoder"] = args.encoder
        encoder = setting(env["registry"].settings, "amphi.worker.encoder")
        print(
            f"amphi worker: {', '.join(kinds) or 'no'} jobs{' and the other tasks' if other_tasks else ''},"
            f" {args.workers} at a time, encoder {encoder}",
            flush=True,
        )
        # periodic tasks and the job sweeper run in the workers that run the other tasks
        stop = start_sweeper(env["registry"]) if other_tasks else None
        try:
            Consumer(huey, workers=args.workers, worker_type="thread", periodic=other_tasks, max_delay=1.0).run()
        finally:
            if stop is not None:
                stop.set()


#: The word of ``amphi worker --kinds`` for the tasks that are no job (mail, indexing, periodic sweeps).
OTHER_TASKS = "tasks"


def served_kinds(registry, given: str | None) -> tuple[list[str], bool]:
    """The job kinds a worker serves and whether it runs the other tasks: every kind and the other
    tasks by default; with ``--kinds``, the kinds named (``tasks``: the other tasks)."""
    from core.pipeline import job_handlers

    known = sorted(job_handlers(registry))
    if not given:
        return known, True
    named = [word.strip() for word in given.split(",") if word.strip()]
    unknown = [word for word in named if word not in known and word != OTHER_TASKS]
    if unknown or not named:
        raise ConfigurationError(
            f"--kinds: no plugin loaded here runs {', '.join(repr(w) for w in unknown) or 'no'} jobs"
            f" (known: {', '.join(known)}; {OTHER_TASKS}: the tasks that are no job)"
        )
    return [word for word in named if word != OTHER_TASKS], OTHER_TASKS in named


def cmd_site_add(args) -> None:
    from core.platform.settings import aslist
    from core.platform.sites import create_site

    with app_env(args) as request:
        plugins = aslist(args.plugins) if args.plugins is not None else None
        site = create_site(
            request.dbsession,
            request.registry,
            args.slug,
            args.name or args.slug,
            args.domain,
            plugins=plugins,
            is_default=args.default,
        )
        print(f"created site {site.slug!r}: {', '.join(site.enabled_plugins) or 'no plugins'}")


def cmd_site_list(args) -> None:
    from core.models import Site

    with app_env(args) as request:
        for site in request.dbsession.scalars(select(Site).order_by(Site.slug)):
            default = " (default)" if site.is_default else ""
            print(
                f"{site.slug}{default}\t{site.name}\t{' '.join(d.domain for d in site.domains)}"
                f"\tplugins: {', '.join(site.enabled_plugins) or '-'}"
            )


def cmd_site_export(args) -> None:
    """Write a site's rows (and with --media its files) to a tar archive."""
    from core.ops.siteexport import export_site
    from core.pipeline.storage import get_storage

    with app_env(args) as request:
        site = find_site_or_fail(request, args.slug)
        storage = get_storage(request.registry, site) if args.media else None
        engine = request.registry["db_engine"]
    # A snapshot of its own: rows written meanwhile are all in the archive or all out of it.
    level = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    partial = f"{args.archive}.part"
    with engine.connect().execution_options(**level) as connection, connection.begin():
        counts = export_site(connection, args.slug, partial, storage)
    os.replace(partial, args.archive)
    media = counts.pop("media files")
    print(f"{args.slug}: {sum(counts.values())} rows in {len(counts)} tables, {media} media files -> {args.archive}")


def cmd_site_import(args) -> None:
    """Create a site from an archive of ``amphi site export`` (new ids; media copied with --media)."""
    from core.models import Site
    from core.ops.siteexport import import_site
    from core.pipeline.storage import get_storage

    if not os.path.isfile(args.archive):
        raise AmphiError(f"{args.archive}: no such file")
    with app_env(args) as request:
        registry = request.registry

    def storage_of(site_id: int):
        session = registry["dbsession_factory"]()
        try:
            return get_storage(registry, session.get(Site, site_id))
        finally:
            session.close()

    site_id, counts = import_site(
        registry["db_engine"], args.archive, storage_of if args.media else None, args.slug, args.domain
    )
    media = counts.pop("media files")
    print(f"site {site_id} created: {sum(counts.values())} rows in {len(counts)} tables, {media} media files")


def _change_plugins(args, enable: bool) -> None:
    from core.platform.sites import set_enabled_plugins

    with app_env(args) as request:
        site = find_site_or_fail(request, args.slug)
        plugins = set(site.enabled_plugins or [])
        plugins = plugins | {args.plugin} if enable else plugins - {args.plugin}
        set_enabled_plugins(request.registry, site, sorted(plugins))
        print(f"{args.plugin} {'enabled' if enable else 'disabled'} on {site.slug}")


def cmd_user_add(args) -> None:
    from core.access.security import random_password
    from core.access.users import create_user

    with app_env(args) as request:
        find_site_or_fail(request, args.site)
        password = args.password or random_password()
        user = create_user(
            request,
            args.username,
            display_name=args.name or "",
            email=args.email or "",
            role=args.role,
            password=password,
        )
        print(
            f"created {user.role} {user.username!r} on {args.site}"
            + ("" if args.password else f"; password: {password}")
        )


def cmd_video_import(args) -> None:
    """Store a local file as a new video of a site's user and queue its encoding."""
    import uuid

    from core.access.users import find_user
    from core.ingest import ingest_stored_file
    from core.pipeline.storage import upload_key

    if not os.path.isfile(args.file):
        raise AmphiError(f"{args.file}: no such file")
    with app_env(args) as request:
        site = find_site_or_fail(request, args.site)
        owner = find_user(request.dbsession, site.id, args.username)
        if owner is None:
            raise AmphiError(f"no user {args.username!r} on {site.slug}")
        key = upload_key(site.id, uuid.uuid4().hex)
        with open(args.file, "rb") as handle:
            request.storage.save(key, handle)
        video = ingest_stored_file(request, owner, key, os.path.basename(args.file), title=args.title or "")
        request.dbsession.flush()
        print(f"video {video.id} created on {site.slug}; encoding queued")


def cmd_search_reindex(args) -> None:
    """Rebuild the search index of one site (or of every site) with its enabled search plugins."""
    from core.models import Site
    from core.platform.tasks import worker_request

    with app_env(args) as request:
        if args.site:
            site_ids = [find_site_or_fail(request, args.site).id]
        else:
            site_ids = list(request.dbsession.scalars(select(Site.id).order_by(Site.slug)))
    for site_id in site_ids:
        with worker_request(site_id) as request:
            counts = request.hooks.amphi_search_reindex(request=request)
            if counts:
                print(f"{request.site.slug}: {max(counts)} videos indexed")
            else:
                print(f"{request.site.slug}: no search plugin enabled")


def cmd_plugins(args) -> None:
    from core.models import Site

    with app_env(args) as request:
        host = request.registry.plugins
        sites = request.dbsession.scalars(select(Site).order_by(Site.slug)).all()
        for info in sorted(host.infos.values(), key=lambda i: i.name):
            print(f"{info.name} {info.version or '-'} [{info.status}] ({info.module})")
            if info.error:
                print(f"  error: {info.error}")
            if info.loaded:
                print(f"  hooks: {', '.join(info.hooks(host.pm)) or '-'}")
                enabled = [s.slug for s in sites if s.has_plugin(info.name)]
                print(f"  sites: {', '.join(enabled) or '-'}")


# --- parser ------------------------------------------------------------------


def build_parser(with_plugins: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amphi", description="Amphi, the campus video platform.")
    parser.add_argument("-c", "--config", help=f"ini file (default: $AMPHI_CONFIG or {DEFAULT_CONFIG})")
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="create the database, the default site and a superuser")
    init.add_argument("--name", default="Amphi", help="the default site's name")
    init.add_argument("--domain", action="append", help="another host name of the default site")
    init.add_argument("--admin", default="admin", help="the superuser's username")
    init.add_argument("--admin-password", help="the superuser's password (default: random, printed)")
    init.set_defaults(func=cmd_init)

    serve = sub.add_parser("serve", help="serve the web application with waitress")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=6543)
    serve.add_argument("--threads", type=int, help="default: [server:main] threads, else 4")
    serve.add_argument("--workers", type=int, help="server processes sharing the port (default: one per CPU core)")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run a task-queue consumer")
    worker.add_argument(
        "-w", "--workers", "--concurrency", dest="workers", type=int, default=2, help="jobs run at once (threads)"
    )
    worker.add_argument(
        "--kinds",
        help=f"comma-separated job kinds to serve (encode,transcribe...; {OTHER_TASKS}: mail, indexing, sweeps);"
        " default: every kind and the other tasks",
    )
    worker.add_argument(
        "--encoder",
        choices=("auto", "cpu", "nvenc"),
        help="video encoder of this worker: cpu, nvenc (NVIDIA's hardware encoder; the CPU where it does not run),"
        " auto (default: amphi.worker.encoder, else the encoder plugin's settings)",
    )
    worker.add_argument("--parent-pid", type=int, help="stop when this process ends (amphi serve's embedded worker)")
    worker.set_defaults(func=cmd_worker)

    db = sub.add_parser("db", help="database migrations").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply every migration (core and plugins)").set_defaults(func=cmd_db_upgrade)
    db.add_parser("check", help="check the database matches the models").set_defaults(func=cmd_db_check)

    site = sub.add_parser("site", help="sites (tenants)").add_subparsers(dest="site_command", required=True)
    add = site.add_parser("add", help="create a site")
    add.add_argument("slug")
    add.add_argument("--name")
    add.add_argument("--domain", action="append", required=True, help="a host name (repeat for several)")
    add.add_argument("--plugins", help="comma-separated plugins to enable (default: amphi.plugins.default_enabled)")
    add.add_argument("--default", action="store_true", help="answer unknown host names")
    add.set_defaults(func=cmd_site_add)
    site.add_parser("list", help="list sites").set_defaults(func=cmd_site_list)
    export = site.add_parser("export", help="write a site (its rows, optionally its media) to an archive")
    export.add_argument("slug")
    export.add_argument("archive", help="the tar file to write")
    export.add_argument("--media", action="store_true", help="include the site's stored files")
    export.set_defaults(func=cmd_site_export)
    imp = site.add_parser("import", help="create a site from an archive of amphi site export")
    imp.add_argument("archive")
    imp.add_argument("--slug", help="the new site's slug (default: the archive's)")
    imp.add_argument("--domain", action="append", help="the new site's host names, instead of the archive's")
    imp.add_argument("--media", action="store_true", help="copy the archive's files to the new site's storage")
    imp.set_defaults(func=cmd_site_import)
    for name, enable in (("enable-plugin", True), ("disable-plugin", False)):
        change = site.add_parser(name, help=f"{name.split('-')[0]} a plugin on a site")
        change.add_argument("slug")
        change.add_argument("plugin")
        change.set_defaults(func=lambda args, enable=enable: _change_plugins(args, enable))

    user = sub.add_parser("user", help="users").add_subparsers(dest="user_command", required=True)
    uadd = user.add_parser("add", help="create a user on a site")
    uadd.add_argument("site")
    uadd.add_argument("username")
    uadd.add_argument("--role", default="user", choices=["user", "staff", "site-admin", "superuser"])
    uadd.add_argument("--password", help="default: random, printed")
    uadd.add_argument("--email")
    uadd.add_argument("--name")
    uadd.set_defaults(func=cmd_user_add)

    video = sub.add_parser("video", help="videos").add_subparsers(dest="video_command", required=True)
    vimport = video.add_parser("import", help="import a local file as a video and queue its encoding")
    vimport.add_argument("site")
    vimport.add_argument("username")
    vimport.add_argument("file")
    vimport.add_argument("--title")
    vimport.set_defaults(func=cmd_video_import)

    search = sub.add_parser("search", help="the search index").add_subparsers(dest="search_command", required=True)
    reindex = search.add_parser("reindex", help="rebuild the search index of a site (default: every site)")
    reindex.add_argument("site", nargs="?", help="the site's slug")
    reindex.set_defaults(func=cmd_search_reindex)

    sub.add_parser("plugins", help="installed plugins, their hooks and sites").set_defaults(func=cmd_plugins)

    doctor = sub.add_parser("doctor", help="check the configuration and say what is wrong")
    doctor.add_argument("--nginx-config", help="nginx's configuration file, to check its internal media location")
    doctor.set_defaults(func=cmd_doctor)
    if with_plugins:
        add_plugin_commands(sub)
    return parser


def add_plugin_commands(sub) -> None:
    """``amphi <plugin> <command>`` for the commands installed plugins declare (``amphi_cli_commands``)."""
    from core.platform.plugins import make_plugin_host

    host = make_plugin_host({})
    groups: dict[str, argparse._SubParsersAction] = {}
    for impl in host.pm.hook.amphi_cli_commands.get_hookimpls():
        name = impl.plugin_name
        if name in sub.choices and name not in groups:
            continue  # a plugin may not take a core command's name
        commands = cast(list, impl.function() or [])
        for command in commands:
            if name not in groups:
                group = sub.add_parser(name, help=f"commands of the {name} plugin")
                groups[name] = group.add_subparsers(dest=f"{name}_command", required=True)
            parser = groups[name].add_parser(command.name, help=command.help)
            if command.arguments is not None:
                command.arguments(parser)
            parser.set_defaults(
                func=lambda args, plugin=name, command=command: run_plugin_command(plugin, command, args)
            )


def run_plugin_command(plugin: str, command, args) -> None:
    with app_env(args) as request:
        info = request.registry.plugins.infos.get(plugin)
        if info is None or not info.loaded:
            raise AmphiError(f"the {plugin} plugin is not loaded in this configuration (see: amphi plugins)")
        command.run(request, args)


#: The core's commands: any other first word is looked for among the plugins' commands.
CORE_COMMANDS = frozenset({"init", "serve", "worker", "db", "site", "user", "video", "search", "plugins", "doctor"})


def main(argv: list[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    words = [w for i, w in enumerate(given) if not w.startswith("-") and given[i - 1 : i] not in (["-c"], ["--config"])]
    # Loading every plugin costs time: only for a command that is not the core's (or for help).
    with_plugins = not words or words[0] not in CORE_COMMANDS
    args = build_parser(with_plugins=with_plugins).parse_args(argv)
    try:
        args.func(args)
    except AmphiError as exc:
        print(f"amphi: error: {exc.message}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"amphi: database error: {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
