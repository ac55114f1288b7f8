"""Settings: the ini file, environment overrides, plugin declarations, site overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.platform.errors import ConfigurationError, ValidationError

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
SETTING_TYPES = ("str", "text", "int", "bool", "choice", "list")
#: A declaration without a default gets its type's empty value (a choice: its first choice).
EMPTY_VALUES = {"str": "", "text": "", "int": 0, "bool": False, "list": ()}


@dataclass(frozen=True)
class Setting:
    """One setting a plugin declares through ``amphi_settings``.

    ``key`` is relative to the plugin (``signup``); its full ini name is
    ``amphi.<plugin>.<key>``. ``site_editable`` settings may be overridden per
    site; the others (server secrets, paths) only in the ini file.
    """

    key: str
    type: str = "str"
    default: Any = None
    label: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()
    site_editable: bool = True
    secret: bool = False

    def __post_init__(self):
        if self.type not in SETTING_TYPES:
            raise ConfigurationError(f"setting {self.key!r}: unknown type {self.type!r}")
        if self.type == "choice" and not self.choices:
            raise ConfigurationError(f"setting {self.key!r}: a choice needs choices")
        # The default is stored typed, as an ini value is read: a list declared as "360p 720p"
        # must not reach a plugin (or the admin form) as a string of characters.
        default = self.default
        if default is None:
            default = self.choices[0] if self.type == "choice" else EMPTY_VALUES[self.type]
        try:
            typed = self._convert(default)
        except ValidationError as exc:
            raise ConfigurationError(f"setting {self.key!r}: default {default!r}: {exc.errors[self.key]}") from None
        object.__setattr__(self, "default", tuple(typed) if self.type == "list" else typed)

    def coerce(self, value: Any) -> Any:
        """Return ``value`` converted to this setting's type (the default for None), or raise ValidationError."""
        return self._convert(self.default if value is None else value)

    def _convert(self, value: Any) -> Any:
        if self.type == "bool":
            return as_bool(value, self.key)
        if self.type == "int":
            try:
                return int(value)
            except (TypeError, ValueError):
                raise ValidationError({self.key: "a whole number is expected"}) from None
        if self.type == "list":
            return aslist(value)
        value = str(value)
        if self.type == "choice" and value not in self.choices:
            raise ValidationError({self.key: f"one of {', '.join(self.choices)} is expected"})
        return value


@dataclass
class PluginSettings:
    """The settings one plugin declared, by key."""

    plugin: str
    declared: dict[str, Setting] = field(default_factory=dict)

    def full_key(self, key: str) -> str:
        return f"amphi.{self.plugin}.{key}"

    def effective(self, ini: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict:
        """Merge declared defaults, the ini file and a site's overrides, typed."""
        result = {}
        for key, setting in self.declared.items():
            value = ini.get(self.full_key(key))
            if overrides and setting.site_editable and key in overrides:
                value = overrides[key]
            result[key] = setting.coerce(value)
        return result

    def validate_overrides(self, overrides: Mapping[str, Any]) -> dict:
        """Check a site's overrides against the declarations; return them typed."""
        errors, clean = {}, {}
        for key, value in overrides.items():
            setting = self.declared.get(key)
            if setting is None or not setting.site_editable:
                errors[key] = "this setting cannot be set per site"
                continue
            try:
                clean[key] = setting.coerce(value)
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        return clean


def as_bool(value: Any, name: str = "value") -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError({name: "yes or no is expected"})


def aslist(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [part for part in str(value or "").replace(",", " ").split() if part]


# --- the core's own settings ------------------------------------------------

CORE_DEFAULTS = {
    "amphi.var_dir": "var",
    "amphi.database_url": "sqlite:///%(var_dir)s/amphi.sqlite",
    "amphi.queue_url": "sqlite:///%(var_dir)s/huey.sqlite",
    "amphi.session_secret": "",
    "amphi.session_secret_file": "",
    "amphi.session_secure": "false",
    "amphi.session_max_age": "43200",
    "amphi.unknown_host": "default",
    "amphi.default_locale": "en",
    "amphi.plugins.required": "",
    "amphi.plugins.blocked": "",
    "amphi.plugins.default_enabled": "*",
    "amphi.worker.embedded": "false",
    "amphi.uploads.max_size": str(20 * 1024**3),
    "amphi.uploads.user_quota": "0",
    "amphi.uploads.expire_hours": "24",
    "amphi.api.rate_limit": "600",
    "amphi.page_cache.size_mb": "64",  # per process; 0: off (core.pagecache)
    "amphi.page_cache.ttl": "60",
    "amphi.media.url_ttl": "21600",  # 60 to 86400 (core.catalogue.media_urls)
}


def env_name(key: str) -> str:
    """The environment variable that overrides ``amphi.a.b_c``: ``AMPHI_A__B_C``."""
    return "AMPHI_" + key.removeprefix("amphi.").replace(".", "__").upper()


def key_from_env(name: str) -> str:
    return "amphi." + name.removeprefix("AMPHI_").replace("__", ".").lower()


def load_settings(ini: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict:
    """Return the application settings: defaults, then the ini file, then ``AMPHI_*``.

    ``%(var_dir)s`` in a value is replaced by the effective ``amphi.var_dir``.
    """
    environ = os.environ if environ is None else environ
    settings = dict(CORE_DEFAULTS)
    settings.update(ini)
    for name, value in environ.items():
        if name.startswith("AMPHI_") and name not in ("AMPHI_CONFIG",) and not name.startswith("AMPHI_TEST_"):
            settings[key_from_env(name)] = value
    var_dir = settings["amphi.var_dir"]
    for key, value in settings.items():
        if isinstance(value, str) and "%(var_dir)s" in value:
            settings[key] = value.replace("%(var_dir)s", var_dir)
    if settings["amphi.unknown_host"] not in ("default", "404"):
        raise ConfigurationError("amphi.unknown_host must be 'default' or '404'")
    return settings
