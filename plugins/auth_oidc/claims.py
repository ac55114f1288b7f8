"""A provider's claims, named as Amphi's attributes by the provider's mapping."""

from __future__ import annotations

from plugins.auth_oidc.config import Provider


def claim_values(claims: dict, name: str) -> list[str]:
    """A claim as a list of strings (a string, a number or a list of them; dotted names reach inside objects)."""
    value = claims
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None or isinstance(value, dict):
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    return [str(v) for v in values if v is not None and not isinstance(v, (dict, list))]


def attributes_from_claims(provider: Provider, claims: dict) -> dict[str, list[str]]:
    """Amphi's attributes: the mapped ones, the username falling back to ``sub``, every other claim kept too."""
    attributes = {
        name: claim_values(claims, name)
        for name in claims
        if name not in ("aud", "exp", "iat", "nonce", "at_hash", "c_hash", "auth_time", "azp")
    }
    for attribute, claim in provider.claims.items():
        attributes[attribute] = claim_values(claims, claim)
    if not attributes["username"]:
        attributes["username"] = claim_values(claims, "sub")
    attributes["oidc_provider"] = [provider.name]
    return {name: values for name, values in attributes.items() if values}
