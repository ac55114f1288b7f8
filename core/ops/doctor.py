"""``amphi doctor``: check a configuration and say in words what is wrong.

Checks, in order: the programs (ffmpeg, ffprobe and their versions), the session secret, the session
cookie behind HTTPS, the database (reachable, every branch's migrations applied), the task queue
(Redis reachable, or the SQLite queue's folder writable), each site's storage (a file written, read
back and deleted), nginx's internal media location against each storage's accel prefix (with
``--nginx-config``), the plugins that failed to load, and what plugins add (``amphi_doctor_checks``).
Each check's outcome is one line; any problem makes the command exit with status 1.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select, text

from core.models import Site
from core.ops.checks import Check, Outcome, plugin_checks, run_check
from core.pipeline.storage import get_storage, site_prefix
from core.platform.migrate import alembic_config, pending_heads
from core.platform.settings import setting

#: Values of the session secret seen in examples and how-tos: never a secret.
KNOWN_SECRETS = frozenset({"", "change-me", "changeme", "secret", "test", "amphi", "please-change-me", "xxx"})
MIN_SECRET_LENGTH = 32


def program_check(name: str) -> Check:
    def run() -> Outcome:
        path = shutil.which(name)
        if path is None:
            return Outcome(
                name,
                f"{name} is not installed or not on the PATH: videos cannot be processed (Debian: apt-get install ffmpeg)",
            )
        try:
            first = subprocess.run([path, "-version"], capture_output=True, text=True, timeout=15).stdout.splitlines()
        except (OSError, subprocess.SubprocessError) as exc:
            return Outcome(name, f"{path} does not run: {exc}")
        found = re.match(rf"{re.escape(name)} version (\S+)", first[0] if first else "")
        if found is None:
            return Outcome(name, f"{path} -version does not say which version it is: is it really {name}?")
        return Outcome(name, None, f"{found.group(1)} ({path})")

    return Check(name, run)


def secret_problem(settings) -> str | None:
    secret = setting(settings, "amphi.session_secret")
    if not secret and setting(settings, "amphi.session_secret_file"):
        return None  # a one-machine installation: made once, random, 0600
    if not secret:
        return "no session secret: set AMPHI_SESSION_SECRET (e.g. the output of: openssl rand -hex 32)"
    if secret.lower() in KNOWN_SECRETS:
        return f"the session secret is {secret!r}, an example value: anyone could forge sessions; set a random one"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"the session secret has {len(secret)} characters: use at least {MIN_SECRET_LENGTH} random ones"
    return None


def cookie_problem(settings) -> str | None:
    https = setting(settings, "amphi.base_url").startswith("https://")
    secure = setting(settings, "amphi.session_secure")
    if https and not secure:
        return (
            "amphi.base_url is https:// but amphi.session_secure is false: the session cookie would also travel "
            "over plain HTTP; set amphi.session_secure = true"
        )
    if secure and not https:
        return (
            "amphi.session_secure is true but amphi.base_url is not https://: browsers would keep the session "
            "cookie from plain-HTTP pages and nobody could stay signed in; serve over HTTPS and say so in amphi.base_url"
        )
    return None


def safe_url(url: str) -> str:
    """``url`` without its password (for messages)."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def database_problem(engine) -> str | None:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 — the message is the finding
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"cannot reach the database {safe_url(str(engine.url.render_as_string(hide_password=True)))}: {reason}"
    return None


def migrations_problem(engine, plugin_host) -> str | None:
    from alembic.script import ScriptDirectory  # alembic loads only where migrations are looked at

    pending = pending_heads(engine, plugin_host)
    if not pending:
        return None
    script = ScriptDirectory.from_config(alembic_config(engine, plugin_host))
    branches = sorted(", ".join(sorted(script.get_revision(head).branch_labels)) or head for head in pending)
    return f"migrations not applied (branches: {'; '.join(branches)}): run amphi db upgrade"


def queue_problem(settings) -> Outcome:
    url = setting(settings, "amphi.queue_url")
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
        except redis.RedisError as exc:
            return Outcome(
                "queue",
                f"cannot reach Redis at {safe_url(url)} (amphi.queue_url): {str(exc).rstrip('.')}; is redis-server running?",
            )
        return Outcome("queue", None, f"Redis at {safe_url(url)}")
    if scheme == "sqlite":
        folder = os.path.dirname(os.path.abspath(url.split("///", 1)[-1])) or "."
        if not os.access(folder if os.path.isdir(folder) else os.path.dirname(folder), os.W_OK):
            return Outcome("queue", f"the SQLite queue's folder {folder} is not writable (amphi.queue_url)")
        return Outcome("queue", None, "SQLite (one machine only: workers on other hosts need Redis)")
    if scheme == "memory":
        return Outcome("queue", None, "memory:// (tasks run inside the web process: for tests only)")
    return Outcome("queue", f"amphi.queue_url {url!r}: unsupported (sqlite, redis or memory)")


def storage_problem(registry, site: Site) -> Outcome:
    """Write a small file to the site's storage, read its size back, delete it."""
    name = f"storage: {site.slug}"
    try:
        storage = get_storage(registry, site)
    except Exception as exc:  # noqa: BLE001
        return Outcome(name, f"site {site.slug!r} has no usable storage: {exc}")
    key = f"{site_prefix(site.id)}/doctor-{uuid.uuid4().hex}"
    try:
        storage.save(key, io.BytesIO(b"amphi doctor"))
        if storage.size(key) != 12:
            return Outcome(name, f"site {site.slug!r}: its storage kept a file of the wrong size")
        storage.delete(key)
    except Exception as exc:  # noqa: BLE001
        return Outcome(name, f"site {site.slug!r}: cannot write to its storage ({type(storage).__name__}): {exc}")
    return Outcome(name, None, f"{type(storage).__name__}, writable")


def internal_locations(config_text: str) -> list[str]:
    """The prefixes of nginx's ``location`` blocks that say ``internal;`` (nested blocks included)."""
    text = re.sub(r"#[^\n]*", "", config_text)
    found = []
    for match in re.finditer(r"location\s+(?:(=|\^~)\s*)?([^\s{]+)\s*\{", text):
        depth, index = 1, match.end()
        while depth and index < len(text):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        block = text[match.end() : index]
        own = re.sub(r"\{[^{}]*\}", "", block)  # what nested blocks say is theirs
        if re.search(r"(^|[;\s])internal\s*;", own):
            found.append(match.group(2))
    return found


def accel_problem(registry, sites: list[Site], nginx_config: str | None) -> Outcome:
    """Each storage's X-Accel-Redirect prefix is an internal location of nginx's configuration."""
    name = "nginx accel prefix"
    prefixes = {}
    for site in sites:
        try:
            accel = get_storage(registry, site).accel_path(f"{site_prefix(site.id)}/doctor")
        except Exception:  # noqa: BLE001 — the storage check reports it
            continue
        if accel:
            prefixes[site.slug] = accel[: -len(f"{site_prefix(site.id)}/doctor")]
    if not prefixes:
        return Outcome(name, None, "no storage answers X-Accel-Redirect: the application sends media itself")
    if not nginx_config:
        return Outcome(
            name, None, f"not checked (give --nginx-config): prefixes {', '.join(sorted(set(prefixes.values())))}"
        )
    try:
        with open(nginx_config) as handle:
            internal = internal_locations(handle.read())
    except OSError as exc:
        return Outcome(name, f"cannot read the nginx configuration {nginx_config}: {exc.strerror}")
    wrong = [
        f"site {slug!r} sends media to {prefix} but {nginx_config} has no internal location {prefix}"
        for slug, prefix in sorted(prefixes.items())
        if not any(prefix.startswith(location) for location in internal)
    ]
    if wrong:
        listed = ", ".join(internal) or "none"
        return Outcome(name, "; ".join(wrong) + f" (its internal locations: {listed}): media would answer 404")
    return Outcome(name, None, f"{', '.join(sorted(set(prefixes.values())))} internal in {nginx_config}")


def plugin_load_problems(plugin_host) -> list[Outcome]:
    return [
        Outcome(f"plugin {info.name}", f"the {info.name} plugin did not load: {info.error}")
        for info in sorted(plugin_host.infos.values(), key=lambda i: i.name)
        if info.error
    ]


def settings_checks(settings) -> list[Check]:
    """What the settings alone tell (no application needed)."""
    return [
        program_check("ffmpeg"),
        program_check("ffprobe"),
        Check("session secret", lambda: secret_problem(settings)),
        Check("session cookie", lambda: cookie_problem(settings)),
        Check("queue", lambda: queue_problem(settings)),
    ]


def application_checks(registry, nginx_config: str | None) -> list[Outcome]:
    """What needs the configured application: the database, the sites' storage, nginx, the plugins."""
    engine, host = registry["db_engine"], registry.plugins
    problem = database_problem(engine)
    if problem:
        return [Outcome("database", problem)]
    outcomes = [
        Outcome("database", None, engine.dialect.name),
        run_check(Check("migrations", lambda: migrations_problem(engine, host))),
    ]
    session = registry["dbsession_factory"]()
    try:
        sites = session.scalars(select(Site).order_by(Site.slug)).all()
        for site in sites:
            session.expunge(site)
    except Exception as exc:  # noqa: BLE001 — an unmigrated database has no sites table
        return [*outcomes, Outcome("sites", f"cannot read the sites: {str(getattr(exc, 'orig', exc)).strip()}")]
    finally:
        session.close()
    outcomes += [storage_problem(registry, site) for site in sites]
    outcomes.append(accel_problem(registry, list(sites), nginx_config))
    outcomes += plugin_load_problems(host)
    return outcomes + [run_check(check) for check in plugin_checks(registry, "amphi_doctor_checks")]


def report(outcomes: list[Outcome]) -> str:
    """One line per outcome: ``ok`` or ``PROBLEM``, the check's name, what was found."""
    lines = []
    for outcome in outcomes:
        if outcome.ok:
            lines.append(f"ok       {outcome.name}" + (f": {outcome.detail}" if outcome.detail else ""))
        else:
            lines.append(f"PROBLEM  {outcome.name}: {outcome.problem}")
    return "\n".join(lines)
