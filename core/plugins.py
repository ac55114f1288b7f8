"""The plugin host: discovery through entry points, the contract check, per-site relays."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from core import HOOKS_VERSION, hookspecs
from core.errors import PluginError
from core.i18n import _
from core.settings import PluginSettings, Setting, setting

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "amphi.plugins"


#: How the site admins read a plugin's status.
PLUGIN_STATUS_LABELS = {
    "loaded": _("Loaded"),
    "failed": _("Failed to load"),
    "incompatible": _("Incompatible with this version"),
    "blocked": _("Blocked by the server's settings"),
}


@dataclass
class PluginInfo:
    """What the host knows of one installed plugin."""

    name: str
    module: str = ""
    version: str = ""
    distribution: str = ""
    status: str = "loaded"  # loaded, failed, incompatible, blocked
    error: str = ""
    plugin: Any = None
    settings: PluginSettings | None = None
    routes: set[str] = field(default_factory=set)

    @property
    def loaded(self) -> bool:
        return self.status == "loaded"

    def hooks(self, pm: pluggy.PluginManager) -> list[str]:
        """Names of the hooks this plugin implements."""
        if not self.loaded:
            return []
        return sorted(caller.name for caller in pm.get_hookcallers(self.plugin) or [])


class PluginHost:
    """One per application, kept on the registry as ``registry.plugins``."""

    def __init__(self, pm: pluggy.PluginManager):
        self.pm = pm
        self.infos: dict[str, PluginInfo] = {}
        self._relays: dict[tuple, SiteHooks] = {}
        self.required: set[str] = set()

    # --- discovery --------------------------------------------------------

    def load_entry_points(self, required: Iterable[str] = (), blocked: Iterable[str] = ()) -> None:
        """Load every plugin of the ``amphi.plugins`` group; report and skip broken ones."""
        required, blocked = set(required), set(blocked)
        self.required |= required
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name in self.infos:
                continue
            info = PluginInfo(name=ep.name, module=ep.value, distribution=_dist_name(ep), version=_dist_version(ep))
            if ep.name in blocked:
                info.status = "blocked"
                self.infos[ep.name] = info
                continue
            try:
                self.add(ep.load(), info)
            except Exception as exc:  # a plugin must not take the application down
                self._refuse(info, exc, required)

    def add(self, plugin: Any, info: PluginInfo | None = None) -> PluginInfo:
        """Check a plugin against the contract and register it under ``info.name``."""
        if info is None:
            name = getattr(plugin, "NAME", None) or getattr(plugin, "__name__", "").rsplit(".", 1)[-1]
            info = PluginInfo(name=name, module=getattr(plugin, "__name__", repr(plugin)))
        check_compatible(info.name, plugin)
        info.plugin = plugin
        info.status, info.error = "loaded", ""
        try:
            self.pm.register(plugin, name=info.name)
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            if self.pm.is_registered(plugin):
                self.pm.unregister(plugin)
            raise PluginError(f"plugin {info.name!r} does not fit the hook contract: {exc}") from None
        info.settings = self._declared_settings(info.name, plugin)
        self.infos[info.name] = info
        self._relays.clear()
        return info

    def remove(self, name: str) -> None:
        info = self.infos.pop(name, None)
        if info is not None and info.plugin is not None:
            self.pm.unregister(info.plugin)
        self._relays.clear()

    def refuse(self, info: PluginInfo, exc: Exception) -> None:
        """Take a loaded plugin out (its configuration failed), or raise if it is required."""
        self._refuse(info, exc, self.required)
        self._relays.clear()

    def _refuse(self, info: PluginInfo, exc: Exception, required: set[str]) -> None:
        info.status = "incompatible" if isinstance(exc, PluginError) else "failed"
        info.error = str(exc) if isinstance(exc, PluginError) else _short_traceback(exc)
        self.infos[info.name] = info
        if info.plugin is not None and self.pm.is_registered(info.plugin):
            self.pm.unregister(info.plugin)
        message = f"plugin {info.name!r} ({info.module}) was not loaded: {info.error}"
        if info.name in required:
            raise PluginError(message + " — it is listed in amphi.plugins.required") from exc
        log.error(message)

    def _declared_settings(self, name: str, plugin: Any) -> PluginSettings:
        declared = PluginSettings(plugin=name)
        function = getattr(plugin, "amphi_settings", None)
        for declaration in (function() if function else None) or []:
            if not isinstance(declaration, Setting):
                raise PluginError(f"plugin {name!r}: amphi_settings must return Setting objects")
            declared.declared[declaration.key] = declaration
        return declared

    # --- queries ----------------------------------------------------------

    @property
    def loaded(self) -> list[PluginInfo]:
        return [info for info in self.infos.values() if info.loaded]

    def names(self) -> list[str]:
        return sorted(info.name for info in self.loaded)

    def owner_of_route(self, route_name: str) -> str | None:
        for info in self.loaded:
            if route_name in info.routes:
                return info.name
        return None

    # --- per-site relays --------------------------------------------------

    def implementers(self, hook_name: str) -> set[str]:
        """Names of the loaded plugins that implement ``hook_name``."""
        return {info.name for info in self.loaded if hook_name in info.hooks(self.pm)}

    def for_plugins(self, enabled: Iterable[str]) -> SiteHooks:
        """The hook relay that calls only the given plugins (and non-plugin impls)."""
        enabled = frozenset(enabled)
        relay = self._relays.get(enabled)
        if relay is None:  # cached per plugin set; add() and remove() clear the cache
            removed = {info.plugin for info in self.loaded if info.name not in enabled}
            relay = self._relays[enabled] = SiteHooks(self.pm, removed)
        return relay


class SiteHooks:
    """``request.hooks``: pluggy's hook relay restricted to a site's plugins."""

    def __init__(self, pm: pluggy.PluginManager, removed: set):
        self._pm = pm
        self._removed = removed
        self._callers: dict[str, Any] = {}

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        caller = self._callers.get(name)
        if caller is None:
            caller = self._pm.subset_hook_caller(name, remove_plugins=self._removed)
            self._callers[name] = caller
        return caller


def make_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("amphi")
    pm.add_hookspecs(hookspecs)
    return pm


def make_plugin_host(settings: dict) -> PluginHost:
    host = PluginHost(make_plugin_manager())
    host.load_entry_points(
        required=setting(settings, "amphi.plugins.required"),
        blocked=setting(settings, "amphi.plugins.blocked"),
    )
    return host


def installed_settings(settings: dict | None = None) -> dict[str, PluginSettings]:
    """What every installed plugin that loads declares, by plugin name (for the settings reference)."""
    host = make_plugin_host(dict(settings or {}))
    return {info.name: info.settings for info in host.loaded if info.settings is not None and info.settings.declared}


def check_compatible(name: str, plugin: Any) -> None:
    """Refuse a plugin whose ``AMPHI_HOOKS`` range excludes :data:`core.HOOKS_VERSION`.

    A plugin without ``AMPHI_HOOKS`` is assumed to follow the current major version.
    """
    wanted = getattr(plugin, "AMPHI_HOOKS", None)
    if wanted is None:
        return
    try:
        spec = SpecifierSet(wanted)
    except InvalidSpecifier:
        raise PluginError(f"plugin {name!r} declares an invalid AMPHI_HOOKS range {wanted!r}") from None
    if Version(HOOKS_VERSION) not in spec:
        raise PluginError(
            f"plugin {name!r} supports hook contract {wanted}, this Amphi provides {HOOKS_VERSION}"
        )


def _dist_name(ep: metadata.EntryPoint) -> str:
    return ep.dist.name if ep.dist else ""


def _dist_version(ep: metadata.EntryPoint) -> str:
    return ep.dist.version if ep.dist else ""


def _short_traceback(exc: Exception) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"

