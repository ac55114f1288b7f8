"""The plugin host: discovery through entry points, the contract check, per-site relays."""

from __future__ import annotations

import contextlib
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
from core.platform.errors import PluginError
from core.platform.i18n import _
from core.platform.settings import PluginSettings, Setting, setting

log = logging.getLogger(__name__)

AMPHI_DISTRIBUTION = "amphi"
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
    #: The plugins this one needs loaded and enabled beside it (its ``AMPHI_REQUIRES``).
    requires: tuple[str, ...] = ()
    #: What the site administration shows: a human name and one sentence (:func:`describe_plugin`).
    title: str = ""
    description: str = ""

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
        self._relays: dict[frozenset[str], SiteHooks] = {}
        self.required: set[str] = set()
        self._hookspecs: set[int] = set()

    # --- discovery --------------------------------------------------------

    def load_entry_points(self, required: Iterable[str] = (), blocked: Iterable[str] = ()) -> None:
        """Load every plugin of the ``amphi.plugins`` group; report and skip broken ones.

        Every plugin's own hookspecs (``AMPHI_HOOKSPECS``) are added before any plugin is
        registered: a plugin may implement hooks that another one defines. A plugin whose
        ``AMPHI_REQUIRES`` are not all loaded is refused.
        """
        required, blocked = set(required), set(blocked)
        self.required |= required
        imported = []
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name in self.infos:
                continue
            info = PluginInfo(name=ep.name, module=ep.value, distribution=_dist_name(ep), version=_dist_version(ep))
            if ep.name in blocked:
                info.status = "blocked"
                self.infos[ep.name] = info
                continue
            try:
                plugin = ep.load()
                self.add_hookspecs(plugin)
                imported.append((plugin, info))
            except Exception as exc:  # a plugin must not take the application down
                self._refuse(info, exc, required)
        available = {info.name for _plugin, info in imported} | set(self.names())
        for plugin, info in imported:
            try:
                check_requirements(info.name, plugin, available)
                self.add(plugin, info)
            except Exception as exc:  # a plugin must not take the application down
                self._refuse(info, exc, required)
        self._refuse_unmet_requirements(required)

    def add_hookspecs(self, plugin: Any) -> None:
        """Add the hooks a plugin defines (its ``AMPHI_HOOKSPECS``, a module or class) to the contract, once."""
        specs = getattr(plugin, "AMPHI_HOOKSPECS", None)
        if specs is not None and id(specs) not in self._hookspecs:
            self.pm.add_hookspecs(specs)
            self._hookspecs.add(id(specs))

    def add(self, plugin: Any, info: PluginInfo | None = None) -> PluginInfo:
        """Check a plugin against the contract and register it under ``info.name``."""
        if info is None:
            name = getattr(plugin, "NAME", None) or getattr(plugin, "__name__", "").rsplit(".", 1)[-1]
            info = PluginInfo(name=name, module=getattr(plugin, "__name__", repr(plugin)))
        check_compatible(info.name, plugin)
        self.add_hookspecs(plugin)
        info.plugin = plugin
        info.status, info.error = "loaded", ""
        info.requires = tuple(getattr(plugin, "AMPHI_REQUIRES", ()))
        info.title, info.description = describe_plugin(plugin, info)
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

    def _refuse_unmet_requirements(self, required: set[str]) -> None:
        """Take out the loaded plugins whose requirements were refused after them (until none is left)."""
        while True:
            names = set(self.names())
            unmet = [info for info in self.loaded if not set(info.requires) <= names]
            if not unmet:
                return
            for info in unmet:
                self._refuse(info, unmet_requirement(info.name, set(info.requires) - names), required)

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

    def unmet_requirements(self, enabled: Iterable[str]) -> dict[str, list[str]]:
        """``{plugin: [required plugins left out]}`` for the plugins of ``enabled`` that need others."""
        enabled = set(enabled)
        return {
            info.name: sorted(set(info.requires) - enabled)
            for info in self.loaded
            if info.name in enabled and not set(info.requires) <= enabled
        }

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
        names = frozenset(enabled)
        relay = self._relays.get(names)
        if relay is None:  # cached per plugin set; add() and remove() clear the cache
            removed = {info.plugin for info in self.loaded if info.name not in names}
            relay = self._relays[names] = SiteHooks(self.pm, removed)
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


# --- calling per-site hooks safely ---------------------------------------------


def collect(request, hook: str, expect: type | tuple[type, ...] = object, **kwargs) -> list:
    """Each answer the site's plugins give to the contribution hook ``hook``, in pluggy's call order.

    Every plugin is called on its own with ``request`` and ``kwargs``; ``None`` answers are left out.
    A plugin that raises, or answers something other than ``expect``, is logged and skipped: a
    contribution never breaks a page. An answer expected as a collection (``Iterable``) is read at
    once, so a generator's error is the plugin's too; a text is not a collection of its letters.
    """
    answers = []
    collection = expect is Iterable
    for impl in _call_order(request, hook):
        try:
            answer = impl.function(*_arguments(impl, request, kwargs))
            if collection and isinstance(answer, Iterable) and not isinstance(answer, str | bytes):
                answer = list(answer)
        except Exception:
            log.exception("plugin %s failed in %s", impl.plugin_name, hook)
            continue
        if answer is None:
            continue
        if not isinstance(answer, expect) or (collection and isinstance(answer, str | bytes)):
            log.error(
                "plugin %s: %s must return %s, not %s",
                impl.plugin_name,
                hook,
                _type_names(expect),
                type(answer).__name__,
            )
            continue
        answers.append(answer)
    return answers


def fire(request, hook: str, **kwargs) -> None:
    """Tell the site's plugins of the event ``hook``: every implementation is called, one that raises
    is logged and skipped, and the caller never sees the error.

    Events run inside the caller's transaction; a plugin that talks to another system queues a
    task after the commit (:func:`core.platform.tasks.enqueue_after_commit`). On PostgreSQL each
    implementation runs in a savepoint: a plugin's failed statement is rolled back alone instead of
    aborting the caller's transaction (SQLite's failed statement does not abort it).
    """
    session = _postgresql_session(request)
    for impl in _call_order(request, hook):
        # Opened before the call: it flushes the caller's own changes, whose errors are the caller's.
        savepoint = session.begin_nested() if session is not None else None
        try:
            impl.function(*_arguments(impl, request, kwargs))
        except Exception:
            log.exception("plugin %s failed in %s", impl.plugin_name, hook)
            if savepoint is not None:
                savepoint.rollback()
            continue
        if savepoint is not None:
            savepoint.commit()


def _postgresql_session(request):
    session = getattr(request, "dbsession", None)
    if session is None or session.get_bind().dialect.name != "postgresql":
        return None
    return session


def _call_order(request, hook: str) -> list:
    """The plain implementations of ``hook`` enabled on the request's site, in the order pluggy calls them."""
    impls = reversed(getattr(request.hooks, hook).get_hookimpls())
    return [impl for impl in impls if not (impl.hookwrapper or impl.wrapper)]


def _arguments(impl, request, kwargs: dict) -> list:
    # As pluggy does: an implementation may take fewer arguments than its hook offers.
    offered = {"request": request, **kwargs}
    return [offered[name] for name in impl.argnames]


def _type_names(expect) -> str:
    types = expect if isinstance(expect, tuple) else (expect,)
    return " or ".join(t.__name__ for t in types)


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
    """Refuse a plugin whose ``AMPHI_HOOKS`` range excludes :data:`core.hookspecs.HOOKS_VERSION`.

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
        raise PluginError(f"plugin {name!r} supports hook contract {wanted}, this Amphi provides {HOOKS_VERSION}")


def check_requirements(name: str, plugin: Any, available: set[str]) -> None:
    """Refuse a plugin whose ``AMPHI_REQUIRES`` (names of other plugins) are not all ``available``."""
    missing = set(getattr(plugin, "AMPHI_REQUIRES", ())) - available
    if missing:
        raise unmet_requirement(name, missing)


def unmet_requirement(name: str, missing: Iterable[str]) -> PluginError:
    return PluginError(f"plugin {name!r} requires {', '.join(sorted(missing))}, which is not loaded")


def describe_plugin(plugin: Any, info: PluginInfo) -> tuple[str, str]:
    """A plugin's human name and description, for people.

    A plugin declares them as ``AMPHI_TITLE`` and ``AMPHI_DESCRIPTION`` (translation strings, so the
    page shows them in the reader's language). Otherwise they come from its distribution's
    metadata (``Name``, ``Summary``) when it is installed on its own, else from its module
    docstring's first paragraph (``"Title: description."``), else from its entry-point name.
    """
    title, description = getattr(plugin, "AMPHI_TITLE", ""), getattr(plugin, "AMPHI_DESCRIPTION", "")
    doc = " ".join((getattr(plugin, "__doc__", None) or "").strip().split("\n\n")[0].split())
    head, sep, rest = doc.partition(": ")
    if not description and info.distribution and info.distribution != AMPHI_DISTRIBUTION:
        with contextlib.suppress(metadata.PackageNotFoundError):
            description = metadata.metadata(info.distribution)["Summary"] or ""
    if not description:
        description = rest[:1].upper() + rest[1:] if sep and len(head) <= 40 else doc
    if not title:
        title = head if sep and len(head) <= 40 else info.name.replace("_", " ").capitalize()
    return title, description


def _dist_name(ep: metadata.EntryPoint) -> str:
    return ep.dist.name if ep.dist else ""


def _dist_version(ep: metadata.EntryPoint) -> str:
    return ep.dist.version if ep.dist else ""


def _short_traceback(exc: Exception) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {last[0].filename}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"
