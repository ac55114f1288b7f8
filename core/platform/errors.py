"""The AmphiError family: defined once, turned into responses by exception views."""

from __future__ import annotations


class AmphiError(Exception):
    """Base of every error Amphi reports to a user or an API client."""

    status = 400
    code = "error"

    def __init__(self, message: str = "", info: dict | None = None):
        super().__init__(message or (self.__class__.__doc__ or self.__class__.__name__).strip().splitlines()[0])
        self.message = str(self.args[0])
        self.info = info or {}


class ConfigurationError(AmphiError):
    """The configuration is wrong; the message names the setting."""

    status = 500
    code = "configuration-error"


class PluginError(ConfigurationError):
    """A plugin could not be loaded."""

    code = "plugin-error"


class ValidationError(AmphiError):
    """Some fields are not valid."""

    status = 400
    code = "invalid"

    def __init__(self, errors: dict[str, str], message: str = ""):
        self.errors = dict(errors)
        english = "; ".join(f"{k}: {in_english(v)}" for k, v in self.errors.items())
        super().__init__(message or english, info={"fields": self.errors})


def in_english(message) -> str:
    """A message as the code wrote it, its ``${names}`` filled in (for logs and the command line)."""
    return message.interpolate() if hasattr(message, "interpolate") else str(message)


class SearchUnavailable(AmphiError):
    """Search is not available on this site (no search plugin enabled, or its server does not answer)."""

    status = 503
    code = "search-unavailable"


class TooManyAttempts(AmphiError):
    """Too many attempts; try again later."""

    status = 429
    code = "rate-limited"
