"""The attribute mapping setting: which CAS attributes give each Amphi attribute."""

from __future__ import annotations

from collections.abc import Mapping


def parse_map(text: str) -> dict[str, list[str]]:
    """``"email = mail email"`` lines as ``{"email": ["mail", "email"]}``; blank and # lines ignored."""
    mapping: dict[str, list[str]] = {}
    for line in (text or "").splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        amphi_name, sources = (part.strip() for part in line.split("=", 1))
        if amphi_name and sources:
            mapping[amphi_name.lower()] = sources.replace(",", " ").split()
    return mapping


def map_attributes(map_text: str, released: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Amphi attributes from what the CAS server released: for each, the first source that has values.

    Source names match case-insensitively (servers differ: ``mail``, ``Mail``). Released
    attributes the mapping does not name pass under their own (lower-case) names, so the
    site's identity rules may test them too.
    """
    by_name = {name.lower(): values for name, values in released.items()}
    result = {name: list(values) for name, values in by_name.items() if name != "username"}
    for amphi_name, sources in parse_map(map_text).items():
        for source in sources:
            if by_name.get(source.lower()):
                result[amphi_name] = list(by_name[source.lower()])
                break
    return result
