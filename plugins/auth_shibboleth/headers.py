"""What a Shibboleth service provider (Apache mod_shib or an equivalent) tells us, and when to believe it.

The SP puts the identity provider's attributes in the request (``REMOTE_USER``, ``eppn``,
``displayName``...), as server variables or as headers. Anyone can send such headers,
so they are read only on requests that come straight from a configured proxy address.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import urlencode

from core.plugin_api import address_in, parse_attribute_map

log = logging.getLogger(__name__)

#: mod_shib joins the values of a multi-valued attribute with ``;`` and escapes a ``;`` inside a value as ``\;``.
VALUE_SEPARATOR = re.compile(r"(?<!\\);")


def trusted(address: str | None, networks: list[str]) -> bool:
    """True when ``address`` is inside one of ``networks`` (CIDR); no networks: never."""
    return address_in(address, networks, "auth_shibboleth.trusted_proxies")


def split_values(raw: str) -> list[str]:
    """``"a;b\\;c"`` → ``["a", "b;c"]``; empty values dropped."""
    values = (part.replace("\\;", ";").strip() for part in VALUE_SEPARATOR.split(raw or ""))
    return [value for value in values if value]


def read_attribute(environ: Mapping[str, str], name: str) -> list[str]:
    """Values of attribute ``name``: the request header, else the server variable of that name."""
    header = "HTTP_" + name.upper().replace("-", "_")
    raw = environ.get(header) or environ.get(name) or ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    elif not raw.isascii():
        try:  # WSGI hands headers over as latin-1; the SP sends UTF-8
            raw = raw.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
    return split_values(raw)


def mapped_attributes(environ: Mapping[str, str], map_text: str) -> dict[str, list[str]]:
    """Amphi attributes from the SP's attributes: for each, the first source name that has values."""
    result = {}
    for amphi_name, sources in parse_attribute_map(map_text).items():
        for source in sources:
            values = read_attribute(environ, source)
            if values:
                result[amphi_name] = values
                break
    return result


def with_param(url: str, name: str, value: str) -> str:
    """``url`` with ``name=value`` added to its query."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode({name: value})}"
