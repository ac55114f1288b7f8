"""Assembling the WSGI application: settings, plugin host, core parts, then plugins."""

from __future__ import annotations

import logging
import os
import secrets

from pyramid.config import Configurator
from pyramid.events import ContextFound, NewResponse
from pyramid.httpexceptions import HTTPNotFound

from core.platform.plugins import PluginHost, make_plugin_host
from core.platform.private import tighten, write_private
from core.platform.settings import load_settings, setting

log = logging.getLogger(__name__)
#: The core's packages that configure themselves, in the order their routes and tweens are added
#: (the layers of their imports are ``[tool.importlinter]`` in ``pyproject.toml``).
CORE_PARTS = (
    "core.platform",
    "core.access",
    "core.pipeline",
    "core.notify",
    "core.ingest",
    "core.web",
    "core.pagecache",
    "core.ops",
)


def main(global_config, **settings):
    """Return the Amphi WSGI application (the ``paste.app_factory`` entry point)."""
    return make_app(global_config, settings)


def make_app(global_config: dict | None, ini_settings: dict, plugin_host: PluginHost | None = None):
    """Build the application; ``plugin_host`` lets tests bring their own plugins."""
    settings = load_settings(ini_settings)
    settings.setdefault("amphi.config_file", (global_config or {}).get("__file__", ""))
    secret_file = setting(settings, "amphi.session_secret_file")
    if not setting(settings, "amphi.session_secret") and secret_file:
        settings["amphi.session_secret"] = session_secret_from_file(secret_file)
    host = plugin_host or make_plugin_host(settings)

    settings.setdefault("jinja2.newstyle", "true")
    settings.setdefault("jinja2.i18n.domain", "amphi")
    settings.setdefault("jinja2.filters", "clock = core.web.cards:duration_clock")  # {{ video.duration | clock }}: 0:20
    config = Configurator(settings=settings)
    config.registry.plugins = host
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".html")
    config.add_jinja2_search_path("core:templates", name=".html")
    for part in CORE_PARTS:
        config.include(part)
    config.add_subscriber(refuse_disabled_plugin_routes, ContextFound)
    config.add_subscriber(security_headers, NewResponse)
    config.commit()
    include_plugins(config, host)
    return config.make_wsgi_app()


def include_plugins(config: Configurator, host: PluginHost) -> None:
    """Let each plugin configure itself, remembering which routes it added.

    A plugin whose configuration fails is reported and left out, with what it had
    registered so far, unless it is required (then the application does not start).
    """
    for info in host.loaded:
        before = _route_names(config)
        pending = len(config.action_state.actions)
        try:
            configure = getattr(info.plugin, "includeme", None)
            if configure is not None:
                config.include(configure)
            config.commit()
        except Exception as exc:  # noqa: BLE001 — a plugin must not take the application down
            del config.action_state.actions[pending:]
            host.refuse(info, exc)
            continue
        info.routes = _route_names(config) - before


def _route_names(config: Configurator) -> set[str]:
    return {route.name for route in config.get_routes_mapper().get_routes()}


def refuse_disabled_plugin_routes(event) -> None:
    """A plugin's routes answer 404 on sites that did not enable it."""
    request = event.request
    route = getattr(request, "matched_route", None)
    if route is None:
        return
    owner = request.registry.plugins.owner_of_route(route.name)
    if owner is not None and not request.site.has_plugin(owner):
        raise HTTPNotFound()


def session_secret_from_file(path: str) -> str:
    """Read (or create once, mode 0600) the secret file of a one-machine installation."""
    if not os.path.exists(path):
        draft = f"{path}.{secrets.token_hex(8)}.new"
        write_private(draft, secrets.token_hex(32))
        try:
            os.link(draft, path)  # atomic: processes starting at once all read the first one's secret
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    tighten(path)
    with open(path) as handle:
        return handle.read().strip()


def security_headers(event) -> None:
    """Pages may only be framed by the site itself (the embed page says otherwise for itself)."""
    headers = event.response.headers
    headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
