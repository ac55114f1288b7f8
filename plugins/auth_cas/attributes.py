"""The attribute mapping setting: which CAS attributes give each Amphi attribute."""

from __future__ import annotations

from collections.abc import Mapping

from core.plugin_api import parse_attribute_map


def map_attributes(map_text: str, released: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Amphi attributes from what the CAS server released: for each, the first source that has values.

    Source names match case-insensitively (servers differ: ``mail``, ``Mail``). Released
    attributes the mapping does not name pass under their own (lower-case) names, so the
    site's identity rules may test them too.
    """
    by_name = {name.lower(): values for name, values in released.items()}
    result = {name: list(values) for name, values in by_name.items() if name != "username"}
    for amphi_name, sources in parse_attribute_map(map_text).items():
        for source in sources:
            if by_name.get(source.lower()):
                result[amphi_name] = list(by_name[source.lower()])
                break
    return result
