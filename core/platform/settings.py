"""Settings: declared once (name, type, default, doc, per site or not), read through one accessor.

The core declares its own settings here (:data:`CORE_SETTINGS`); a plugin declares its own
through ``amphi_settings``. Values come from the declarations' defaults, then the ini file,
then ``AMPHI_*`` environment variables, then (for a plugin's site-editable settings) a site's
overrides. Code reads a core setting with :func:`setting` and a plugin's with
``request.plugin_settings(NAME)[key]``; both refuse a name nobody declared.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.platform.errors import ConfigurationError, ValidationError

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
#: A declaration without a default gets its type's empty value (a choice: its first choice).
EMPTY_VALUES = {"str": "", "text": "", "int": 0, "float": 0.0, "seconds": 0.0, "bool": False, "list": ()}
SETTING_TYPES = (*EMPTY_VALUES, "choice")


class UndeclaredSetting(ConfigurationError):
    """Code read a setting that no declaration names (a typo, or a declaration forgotten)."""


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


def as_int(value: Any, name: str = "value") -> int:
    if isinstance(value, bool):
        raise ValidationError({name: "a whole number is expected"})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({name: "a whole number is expected"}) from None


def as_float(value: Any, name: str = "value") -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationError({name: "a number is expected"}) from None


def as_seconds(value: Any, name: str = "value") -> float:
    seconds = as_float(value, name)
    if seconds < 0:
        raise ValidationError({name: "a number of seconds, 0 or more, is expected"})
    return seconds


#: The converter of each setting type: (value, setting name) -> typed value.
CONVERTERS: dict[str, Callable[[Any, str], Any]] = {
    "str": lambda value, name: str(value),
    "text": lambda value, name: str(value),
    "int": as_int,
    "float": as_float,
    "seconds": as_seconds,
    "bool": as_bool,
    "list": lambda value, name: aslist(value),
}


@dataclass(frozen=True)
class Setting:
    """One declared setting: its type's converter, default, one-line doc (``label``) and scope.

    For a plugin, ``key`` is relative to the plugin (``signup``); its full ini name is
    ``amphi.<plugin>.<key>``. ``site_editable`` settings may be overridden per site; the
    others (server secrets, paths) only in the ini file or the environment.
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
        if self.type != "choice":
            return CONVERTERS[self.type](value, self.key)
        value = str(value)
        if value not in self.choices:
            raise ValidationError({self.key: f"one of {', '.join(self.choices)} is expected"})
        return value


class EffectiveSettings(dict):
    """A plugin's typed settings on a site (a dict); reading an undeclared key raises :class:`UndeclaredSetting`."""

    def __init__(self, plugin: str, values: Mapping[str, Any] | None = None):
        super().__init__(values or {})
        self.plugin = plugin

    def __missing__(self, key: str):
        raise UndeclaredSetting(f"amphi.{self.plugin}.{key} is read but {self.plugin} does not declare it")

    def get(self, key: str, default: Any = None) -> Any:
        """The declared value (a fallback is refused: the declaration holds the default)."""
        if default is not None:
            raise TypeError("a setting's default belongs in its declaration, not at the call site")
        return self[key]


@dataclass
class PluginSettings:
    """The settings one plugin (or the core, ``plugin="core"``) declared, by key."""

    plugin: str
    declared: dict[str, Setting] = field(default_factory=dict)

    @classmethod
    def of(cls, plugin: str, settings: Iterable[Setting]) -> PluginSettings:
        return cls(plugin, {setting.key: setting for setting in settings})

    def full_key(self, key: str) -> str:
        return f"amphi.{key}" if self.plugin == CORE else f"amphi.{self.plugin}.{key}"

    def effective(self, ini: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> EffectiveSettings:
        """Merge declared defaults, the ini file and a site's overrides, typed."""
        result = EffectiveSettings(self.plugin)
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


# --- the core's own settings ------------------------------------------------

CORE = "core"
#: Every setting of the core, under ``amphi.<key>``; none may be overridden per site.
CORE_SETTINGS = PluginSettings.of(
    CORE,
    [
        Setting(
            "var_dir",
            "str",
            "var",
            site_editable=False,
            label="Folder of the embedded default's data; %(var_dir)s in another value is replaced by it.",
        ),
        Setting(
            "database_url",
            "str",
            "sqlite:///%(var_dir)s/amphi.sqlite",
            site_editable=False,
            label="SQLAlchemy URL of the database; postgresql+psycopg://... in production.",
        ),
        Setting(
            "queue_url",
            "str",
            "sqlite:///%(var_dir)s/huey.sqlite",
            site_editable=False,
            label="Task queue: sqlite:///path, redis://host:6379/0, or memory:// (run tasks inline).",
        ),
        Setting(
            "base_url",
            "str",
            "http://localhost",
            site_editable=False,
            label="Address of the application in work done outside a request (tasks, workers).",
        ),
        Setting(
            "session_secret",
            "str",
            "",
            site_editable=False,
            secret=True,
            label="The one secret: a key per purpose is derived from it (cookies, media URLs, nonces...).",
            help="Required in production; Amphi refuses to start without it (or a secret file).",
        ),
        Setting(
            "session_secret_file",
            "str",
            "",
            site_editable=False,
            label="File holding the secret, created once (mode 0600) when no secret is set.",
        ),
        Setting("session_secure", "bool", False, site_editable=False, label="Send the session cookie only over HTTPS."),
        Setting(
            "session_max_age",
            "int",
            43200,
            site_editable=False,
            label="Seconds after which an idle session is over (its record is purged within the hour).",
        ),
        Setting(
            "unknown_host",
            "choice",
            "default",
            choices=("default", "404"),
            site_editable=False,
            label="What a Host no site claims gets: the default site, or 404.",
        ),
        Setting(
            "default_locale",
            "str",
            "en",
            site_editable=False,
            label="Language used when neither the user nor the browser says.",
        ),
        Setting(
            "plugins.required", "list", "", site_editable=False, label="Plugins without which Amphi refuses to start."
        ),
        Setting("plugins.blocked", "list", "", site_editable=False, label="Plugins never loaded, even if installed."),
        Setting(
            "plugins.default_enabled",
            "list",
            "*",
            site_editable=False,
            label="Plugins enabled on a new site (*: every installed plugin).",
        ),
        Setting(
            "worker.embedded",
            "bool",
            False,
            site_editable=False,
            label="amphi serve also runs a queue consumer and restarts it if it dies.",
        ),
        Setting(
            "worker.encoder",
            "choice",
            "auto",
            choices=("auto", "cpu", "nvenc"),
            site_editable=False,
            label="Video encoder of this worker: auto (the encoder plugin's settings), cpu, or nvenc (the CPU where NVENC does not run).",
        ),
        Setting(
            "uploads.max_size",
            "int",
            20 * 1024**3,
            site_editable=False,
            label="Largest upload accepted (bytes); a site admin may lower it for the site.",
        ),
        Setting(
            "uploads.user_quota",
            "int",
            0,
            site_editable=False,
            label="Bytes a user may store, originals and uploads in progress (0: no quota); a site may set its own.",
        ),
        Setting(
            "uploads.expire_hours",
            "int",
            24,
            site_editable=False,
            label="Hours after which an unfinished upload is forgotten.",
        ),
        Setting(
            "api.rate_limit",
            "int",
            600,
            site_editable=False,
            label="Calls a minute to /api/v1/ per token, user or address, in each process (0: no limit).",
        ),
        Setting(
            "page_cache.size_mb",
            "float",
            64,
            site_editable=False,
            label="Memory per process for pages served again to anonymous visitors (0: no cache).",
        ),
        Setting("page_cache.ttl", "seconds", 60, site_editable=False, label="Seconds a cached page lives at most."),
        Setting(
            "page_cache.signed_in",
            "bool",
            True,
            site_editable=False,
            label="Share cached pages between signed-in visitors with the same access (roles, groups).",
        ),
        Setting(
            "media.url_ttl",
            "int",
            21600,
            site_editable=False,
            label="Lifetime of signed media URLs in seconds (rounded up to the hour), from 60 to 86400.",
        ),
        Setting("jobs.per_site", "int", 2, site_editable=False, label="Jobs of one site running at once."),
        Setting("jobs.heartbeat_seconds", "seconds", 5, site_editable=False, label="How often a running job beats."),
        Setting(
            "jobs.stale_after",
            "seconds",
            60,
            site_editable=False,
            label="Seconds of silence after which a running job is requeued.",
        ),
        Setting(
            "jobs.sweep_seconds",
            "seconds",
            60,
            site_editable=False,
            label="How often the workers that run the other tasks look for jobs whose worker stopped.",
        ),
        Setting(
            "jobs.max_attempts",
            "int",
            3,
            site_editable=False,
            label="Attempts on unexpected errors (bad media is not retried).",
        ),
        Setting(
            "jobs.retry_delay",
            "seconds",
            30,
            site_editable=False,
            label="First retry delay in seconds, doubled at each attempt.",
        ),
        Setting(
            "metrics.enabled",
            "bool",
            False,
            site_editable=False,
            label="Serve Prometheus metrics at /metrics (to the clients the two settings below allow).",
        ),
        Setting(
            "metrics.token",
            "str",
            "",
            site_editable=False,
            secret=True,
            label="When set, /metrics (and /readyz's reasons) need the header Authorization: Bearer <token>.",
        ),
        Setting(
            "metrics.allowed_networks",
            "list",
            "127.0.0.0/8 ::1",
            site_editable=False,
            label="Addresses or networks allowed to read /metrics (empty: any, then a token is required).",
        ),
        Setting(
            "logs.format",
            "choice",
            "text",
            choices=("text", "json"),
            site_editable=False,
            label="text: the ini file's format; json: one JSON object per line, with the request id.",
        ),
        Setting(
            "logs.access",
            "bool",
            False,
            site_editable=False,
            label="Log one line per request (method, path, status, milliseconds, request id).",
        ),
        Setting(
            "mail.backend",
            "choice",
            "folder",
            choices=("folder", "smtp"),
            site_editable=False,
            label="How e-mails leave: written as .eml files to amphi.mail.folder, or sent to an SMTP server.",
        ),
        Setting(
            "mail.folder",
            "str",
            "%(var_dir)s/mail",
            site_editable=False,
            label="Folder of the e-mails (the folder backend's, and those SMTP refused for good).",
        ),
        Setting("mail.from", "str", "amphi@localhost", site_editable=False, label="Sender of the e-mails."),
        Setting("mail.smtp_host", "str", "localhost", site_editable=False, label="SMTP server."),
        Setting("mail.smtp_port", "int", 25, site_editable=False, label="SMTP port (587 with STARTTLS, 465 with SSL)."),
        Setting("mail.smtp_user", "str", "", site_editable=False, label="SMTP user (empty: no login)."),
        Setting("mail.smtp_password", "str", "", site_editable=False, secret=True, label="SMTP password."),
        Setting(
            "mail.smtp_starttls", "bool", False, site_editable=False, label="Upgrade the SMTP connection with STARTTLS."
        ),
        Setting(
            "mail.smtp_ssl", "bool", False, site_editable=False, label="Connect to the SMTP server over TLS (SMTPS)."
        ),
        Setting("mail.smtp_timeout", "seconds", 30, site_editable=False, label="Seconds to wait for the SMTP server."),
        Setting(
            "mail.attempts",
            "int",
            6,
            site_editable=False,
            label="Attempts to send an e-mail before it is kept in the mail folder's failed/ (first retry after a minute, doubled each time).",
        ),
    ],
)
CORE_NAMES = {CORE_SETTINGS.full_key(key): declared for key, declared in CORE_SETTINGS.declared.items()}
CORE_DEFAULTS = {name: declared.default for name, declared in CORE_NAMES.items()}


def setting(settings: Mapping[str, Any], name: str) -> Any:
    """The typed value of the core setting ``name`` (``amphi.session_max_age``) in ``settings``.

    ``settings`` is the application's (``registry.settings``) or any mapping of ini names to
    values; a missing name gets its declared default. Raises :class:`UndeclaredSetting` for a
    name :data:`CORE_SETTINGS` does not declare, and ConfigurationError, naming the setting,
    for a value of the wrong type.
    """
    declared = CORE_NAMES.get(name)
    if declared is None:
        raise UndeclaredSetting(
            f"{name} is read but the core does not declare it (core.platform.settings.CORE_SETTINGS)"
        )
    try:
        return declared.coerce(settings.get(name))
    except ValidationError as exc:
        raise ConfigurationError(f"{name}: {exc.errors[declared.key]}, not {settings.get(name)!r}") from None


def env_name(key: str) -> str:
    """The environment variable that overrides ``amphi.a.b_c``: ``AMPHI_A__B_C``."""
    return "AMPHI_" + key.removeprefix("amphi.").replace(".", "__").upper()


def key_from_env(name: str) -> str:
    return "amphi." + name.removeprefix("AMPHI_").replace("__", ".").lower()


def load_settings(ini: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict:
    """Return the application settings: defaults, then the ini file, then ``AMPHI_*``.

    ``%(var_dir)s`` in a value is replaced by the effective ``amphi.var_dir``. A core setting
    whose value does not fit its type stops the start, naming the setting.
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
    for name in CORE_NAMES:
        setting(settings, name)
    return settings


# --- the reference, generated from the declarations ---------------------------


@dataclass(frozen=True)
class SettingDoc:
    """One line of the settings reference."""

    name: str
    environment: str
    type: str
    default: str
    per_site: bool
    doc: str


def plain_text(message: Any) -> str:
    """A declaration's label or help as English text (a translation string's ``${names}`` filled)."""
    interpolate = getattr(message, "interpolate", None)
    return str(interpolate() if interpolate else message or "")


def one_doc(label: str, help: str) -> str:
    """The label, then the help (a label is a phrase without a full stop: one is added)."""
    if not help:
        return label
    return f"{label} {help}" if label.endswith((".", "!", "?", ":")) else f"{label}. {help}"


def default_text(declared: Setting) -> str:
    if declared.default in ("", ()):
        return ""
    if declared.type == "list":
        return " ".join(declared.default)
    if declared.type == "bool":
        return "true" if declared.default else "false"
    if isinstance(declared.default, float) and declared.default.is_integer():
        return str(int(declared.default))
    return str(declared.default)


def type_text(declared: Setting) -> str:
    return f"choice: {', '.join(declared.choices)}" if declared.type == "choice" else declared.type


def settings_reference(plugins: Mapping[str, PluginSettings]) -> Iterator[tuple[str, list[SettingDoc]]]:
    """The settings reference: ``(group, lines)`` for the core, then each plugin by name.

    ``plugins`` maps a plugin's name to its declarations (``PluginInfo.settings``); a plugin
    that declares nothing has no group.
    """
    groups = [CORE_SETTINGS, *(plugins[name] for name in sorted(plugins) if plugins[name] is not None)]
    for group in groups:
        if not group.declared:
            continue
        lines = []
        for key, declared in group.declared.items():
            name = group.full_key(key)
            doc = one_doc(plain_text(declared.label), plain_text(declared.help))
            lines.append(
                SettingDoc(
                    name, env_name(name), type_text(declared), default_text(declared), declared.site_editable, doc
                )
            )
        yield group.plugin, lines
