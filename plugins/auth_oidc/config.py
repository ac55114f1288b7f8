"""The site's OpenID Connect providers, read from the ``providers`` and ``client_secrets`` settings.

``providers`` holds one ini-style block per provider::

    [univ]
    title = University account
    issuer = https://idp.univ.example
    client_id = amphi-video

Only ``title``, ``issuer`` and ``client_id`` are required; the other keys
(:data:`OPTIONAL_KEYS`) have defaults. Client secrets live apart, in the secret
setting ``client_secrets`` (``univ=s3cret other=t0p``), so the providers'
text can be shown on the site-admin page.
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.plugin_api import Setting, ValidationError

PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
REQUIRED_KEYS = ("title", "issuer", "client_id")
OPTIONAL_KEYS = {
    "scopes": "openid profile email",
    "username_claim": "preferred_username",
    "display_name_claim": "name",
    "email_claim": "email",
    "groups_claim": "groups",
    "affiliation_claim": "eduperson_affiliation",
    "single_logout": "yes",
}


@dataclass(frozen=True)
class Provider:
    """One OpenID Connect provider a site trusts."""

    name: str
    title: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    claims: dict  # Amphi attribute -> claim name
    single_logout: bool
    ca_file: str = ""


def parse_providers(text: str) -> dict[str, dict[str, str]]:
    """``{name: {key: value}}`` from the ``providers`` text, or ValidationError naming the fault."""
    parser = configparser.ConfigParser(interpolation=None, default_section="\0none")
    parser.optionxform = str.lower
    try:
        parser.read_string(text or "")
    except configparser.Error as exc:
        raise ValidationError(
            {"providers": f"Not readable as [name] blocks of key = value lines: {exc.message}"}
        ) from None
    blocks = {}
    for name in parser.sections():
        block = {key: value.strip() for key, value in parser.items(name)}
        check_block(name, block)
        blocks[name] = block
    return blocks


def check_block(name: str, block: dict[str, str]) -> None:
    def fail(message):
        raise ValidationError({"providers": f"Provider [{name}]: {message}"})

    if not PROVIDER_NAME.match(name):
        fail("the name must be 1 to 40 lower-case letters, digits, - or _.")
    unknown = sorted(set(block) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        fail(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(REQUIRED_KEYS + tuple(OPTIONAL_KEYS))}.")
    missing = [key for key in REQUIRED_KEYS if not block.get(key)]
    if missing:
        fail(f"{', '.join(missing)} missing.")
    issuer = urlsplit(block["issuer"])
    if issuer.scheme != "https" or not issuer.netloc or issuer.query or issuer.fragment:
        fail("the issuer must be an https:// URL without ?query or #fragment.")
    if "openid" not in block.get("scopes", OPTIONAL_KEYS["scopes"]).split():
        fail("the scopes must include openid.")
    if block.get("single_logout", "yes").lower() not in ("yes", "no"):
        fail("single_logout must be yes or no.")


def parse_secrets(text: str) -> dict[str, str]:
    """``{name: secret}`` from ``name=secret`` words separated by spaces or new lines."""
    secrets = {}
    for word in (text or "").split():
        name, sep, secret = word.partition("=")
        if not sep or not PROVIDER_NAME.match(name) or not secret:
            raise ValidationError(
                {
                    "client_secrets": "Expected name=secret pairs separated by spaces "
                    "(the name of a [provider] block, then its client secret)."
                }
            )
        secrets[name] = secret
    return secrets


class ProvidersSetting(Setting):
    """The ``providers`` text, checked when a site admin saves it."""

    def coerce(self, value):
        text = super().coerce(value)
        parse_providers(text)
        return text


class SecretsSetting(Setting):
    """The ``client_secrets`` pairs, checked when saved."""

    def coerce(self, value):
        text = super().coerce(value)
        parse_secrets(text)
        return text


def site_providers(settings: dict) -> dict[str, Provider]:
    """The providers of a site's effective settings, by name."""
    secrets = parse_secrets(settings["client_secrets"])
    providers = {}
    for name, block in parse_providers(settings["providers"]).items():
        values = {**OPTIONAL_KEYS, **block}
        claims = {
            attribute: values[f"{attribute}_claim"]
            for attribute in ("username", "display_name", "email", "groups", "affiliation")
        }
        providers[name] = Provider(
            name=name,
            title=values["title"],
            issuer=values["issuer"].rstrip("/"),
            client_id=values["client_id"],
            client_secret=secrets.get(name, ""),
            scopes=tuple(values["scopes"].split()),
            claims=claims,
            single_logout=values["single_logout"].lower() == "yes",
            ca_file=settings["ca_file"],
        )
    return providers
