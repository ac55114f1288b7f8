"""The CAS 2.0 / 3.0 protocol, client side: login and logout URLs, ticket validation, logout requests.

Ticket validation is a server-to-server GET with a timeout; answers are parsed with
defusedxml (no entity expansion, no external entities). A failure becomes a
:class:`CasError` whose ``code`` says which message the user reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

CAS_NS = "{http://www.yale.edu/tp/cas}"
SAMLP_NS = "{urn:oasis:names:tc:SAML:2.0:protocol}"
VALIDATE_PATHS = {"2": "/serviceValidate", "3": "/p3/serviceValidate"}
MAX_ANSWER = 1 << 20  # a validation answer is a few kB; more is not a CAS server talking


class CasError(Exception):
    """A ticket that did not validate; ``code`` is the CAS code or one of ours (UNREACHABLE, BAD_ANSWER)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class CasIdentity:
    """What a successful validation says: the user and the released attributes (``{name: [values]}``)."""

    user: str
    attributes: dict[str, list[str]] = field(default_factory=dict)


def server_base(server_url: str) -> str:
    return server_url.rstrip("/")


def login_url(server_url: str, service: str, *, renew: bool = False, gateway: bool = False) -> str:
    params = {"service": service}
    if renew:
        params["renew"] = "true"
    elif gateway:  # the specification forbids both at once; renew wins
        params["gateway"] = "true"
    return f"{server_base(server_url)}/login?{urlencode(params)}"


def logout_url(server_url: str, version: str, return_to: str) -> str:
    """The CAS server's /logout; CAS 3 takes ``service`` to come back, CAS 2 ``url``."""
    return f"{server_base(server_url)}/logout?{urlencode({'service' if version == '3' else 'url': return_to})}"


def validate_ticket(
    server_url: str, version: str, service: str, ticket: str, *, renew: bool = False, timeout: float = 10
) -> CasIdentity:
    """Ask the CAS server whether ``ticket`` was issued for ``service``; raise :class:`CasError` if not."""
    params = {"service": service, "ticket": ticket}
    if renew:
        params["renew"] = "true"
    url = server_base(server_url) + VALIDATE_PATHS.get(version, VALIDATE_PATHS["3"])
    try:
        with requests.get(url, params=params, timeout=timeout, allow_redirects=False, stream=True) as answer:
            if answer.status_code != 200:
                raise CasError("BAD_ANSWER", f"HTTP {answer.status_code}")
            body = answer.raw.read(MAX_ANSWER + 1, decode_content=True)
    except requests.RequestException as exc:
        raise CasError("UNREACHABLE", type(exc).__name__) from None
    if len(body) > MAX_ANSWER:
        raise CasError("BAD_ANSWER", "answer too large")
    return parse_validation(body)


def parse_validation(body: bytes) -> CasIdentity:
    """Read a ``cas:serviceResponse`` (CAS 2 or 3) into a :class:`CasIdentity`."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise CasError("BAD_ANSWER", type(exc).__name__) from None
    if root.tag != CAS_NS + "serviceResponse":
        raise CasError("BAD_ANSWER", "not a serviceResponse")
    failure = root.find(CAS_NS + "authenticationFailure")
    if failure is not None:
        raise CasError((failure.get("code") or "UNKNOWN").strip().upper(), (failure.text or "").strip())
    success = root.find(CAS_NS + "authenticationSuccess")
    user = success.findtext(CAS_NS + "user") if success is not None else None
    if not user or not user.strip():
        raise CasError("BAD_ANSWER", "no user")
    return CasIdentity(user.strip(), read_attributes(success.find(CAS_NS + "attributes")))


def read_attributes(element) -> dict[str, list[str]]:
    """``<cas:attributes>`` children as ``{local name: [values]}`` (a repeated element is a multi-valued one)."""
    attributes: dict[str, list[str]] = {}
    for child in element if element is not None else []:
        name = child.tag.rsplit("}", 1)[-1]
        value = (child.text or "").strip()
        if value:
            attributes.setdefault(name, []).append(value)
    return attributes


def logout_request_ticket(body: str) -> str | None:
    """The service ticket (``samlp:SessionIndex``) a CAS single-logout request names, or None."""
    if not body or len(body) > 64 * 1024:
        return None
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None
    if root.tag != SAMLP_NS + "LogoutRequest":
        return None
    ticket = (root.findtext(SAMLP_NS + "SessionIndex") or "").strip()
    return ticket or None
