"""Talking to an LDAP directory: settings, pooled service connections, user look-up and bind.

Nothing here knows about requests or the database: :class:`DirectoryConfig` is built from
a site's settings, and every failure to reach or use the directory is a
:class:`DirectoryUnavailable` carrying a message for the site admin.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # python-ldap (~6 MB) is imported by the functions that talk to a directory
    import ldap

log = logging.getLogger(__name__)

#: Amphi names that ``amphi_user_attributes`` returns when the mapping names them.
#: A group filter left empty on a site means this one (the declared default).
DEFAULT_GROUP_FILTER = "(member={dn})"
DEFAULT_MAPPING = "display_name = displayName\nemail = mail\naffiliation = eduPersonAffiliation\ngroups = memberOf"
#: Idle service connections kept per configuration and process.
POOL_SIZE = 4


class DirectoryUnavailable(Exception):
    """The directory could not be reached or answered with an error (message for the admin)."""


class DirectoryMisconfigured(DirectoryUnavailable):
    """The site's LDAP settings cannot work (message for the admin)."""


def parse_mapping(text: str) -> dict[str, str]:
    """``{amphi_name: ldap_attribute}`` from lines ``name = attribute`` (# comments allowed)."""
    mapping = {}
    for number, raw in enumerate((text or "").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, attribute = (part.strip() for part in line.partition("="))
        if not sep or not name or not attribute or " " in attribute or " " in name:
            raise DirectoryMisconfigured(f"attribute mapping, line {number}: expected 'name = ldapAttribute'")
        mapping[name.lower()] = attribute
    return mapping


@dataclass(frozen=True)
class DirectoryConfig:
    """What one site's settings say about its directory (hashable: it keys the pool)."""

    uris: tuple[str, ...]
    start_tls: bool = False
    ca_file: str = ""
    bind_dn: str = ""
    bind_password: str = ""
    user_base: str = ""
    user_filter: str = "(uid={username})"
    mapping: tuple[tuple[str, str], ...] = ()
    group_base: str = ""
    group_filter: str = DEFAULT_GROUP_FILTER
    connect_timeout: int = 5
    operation_timeout: int = 10

    @classmethod
    def from_settings(cls, settings: Mapping) -> DirectoryConfig | None:
        """The configuration, or None when no server is set (the plugin then stays idle)."""
        uris = tuple(u for u in settings["server_uris"] if u)
        if not uris:
            return None
        bad = [u for u in uris if not u.lower().startswith(("ldap://", "ldaps://", "ldapi://"))]
        if bad:
            raise DirectoryMisconfigured(f"server URI {bad[0]!r} must start with ldap://, ldaps:// or ldapi://")
        if "{username}" not in settings["user_filter"]:
            raise DirectoryMisconfigured("the user filter must contain {username}")
        return cls(
            uris=uris,
            start_tls=settings["start_tls"],
            ca_file=settings["ca_file"],
            bind_dn=settings["bind_dn"],
            bind_password=settings["bind_password"],
            user_base=settings["user_base"],
            user_filter=settings["user_filter"],
            mapping=tuple(parse_mapping(settings["attribute_mapping"]).items()),
            group_base=settings["group_base"],
            group_filter=settings["group_filter"] or DEFAULT_GROUP_FILTER,
            connect_timeout=max(1, settings["connect_timeout"]),
            operation_timeout=max(1, settings["operation_timeout"]),
        )

    def user_search_filter(self, username: str) -> str:
        from ldap.filter import escape_filter_chars

        return self.user_filter.replace("{username}", escape_filter_chars(username))


def describe(exc: ldap.LDAPError) -> str:
    """A one-line account of an LDAP error (python-ldap passes a dict with desc/info)."""
    detail = exc.args[0] if exc.args else {}
    if isinstance(detail, dict):
        text = detail.get("desc", type(exc).__name__)
        if detail.get("info"):
            text += f" ({detail['info']})"
        return text
    return str(exc) or type(exc).__name__


def connect(config: DirectoryConfig):
    """A new connection with the timeouts and TLS options set, StartTLS done, not yet bound.

    Raises DirectoryUnavailable when StartTLS fails, ldap.LDAPError otherwise.
    """
    import ldap

    conn = ldap.initialize(" ".join(config.uris))
    conn.set_option(ldap.OPT_PROTOCOL_VERSION, 3)
    conn.set_option(ldap.OPT_REFERRALS, 0)
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, config.connect_timeout)
    conn.set_option(ldap.OPT_TIMEOUT, config.operation_timeout)
    if config.ca_file:
        conn.set_option(ldap.OPT_X_TLS_CACERTFILE, config.ca_file)
    conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
    if config.start_tls:
        try:
            conn.start_tls_s()
        except ldap.SERVER_DOWN as exc:
            raise DirectoryUnavailable(f"cannot connect to {' '.join(config.uris)}: {describe(exc)}") from None
        except ldap.LDAPError as exc:
            raise DirectoryUnavailable(
                f"StartTLS with {' '.join(config.uris)} failed ({describe(exc)}): is the server's certificate "
                "trusted (CA file) and issued for this host name?"
            ) from None
    return conn


def close(conn) -> None:
    import ldap

    try:
        conn.unbind_s()
    except ldap.LDAPError:
        pass


class ServicePool:
    """Bound service connections kept per configuration, so look-ups do not reconnect each time."""

    def __init__(self, size: int = POOL_SIZE):
        self.size = size
        self._idle: dict[DirectoryConfig, list] = {}
        self._lock = threading.Lock()

    def _take(self, config: DirectoryConfig):
        with self._lock:
            idle = self._idle.get(config)
            if idle:
                return idle.pop()
        conn = connect(config)
        conn.simple_bind_s(config.bind_dn, config.bind_password)
        return conn

    def _give_back(self, config: DirectoryConfig, conn) -> None:
        with self._lock:
            idle = self._idle.setdefault(config, [])
            if len(idle) < self.size:
                idle.append(conn)
                return
        close(conn)

    def clear(self) -> None:
        """Close every idle connection (tests, configuration changes)."""
        with self._lock:
            conns = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for conn in conns:
            close(conn)

    def run(self, config: DirectoryConfig, operation):
        """``operation(conn)`` on a service connection; a dropped connection is replaced once."""
        import ldap

        for attempt in (1, 2):
            try:
                conn = self._take(config)
            except ldap.INVALID_CREDENTIALS:
                raise DirectoryMisconfigured(
                    "the directory refused the service account (bind DN or password)"
                ) from None
            except ldap.LDAPError as exc:
                raise DirectoryUnavailable(f"cannot connect to {' '.join(config.uris)}: {describe(exc)}") from None
            try:
                result = operation(conn)
            except (ldap.SERVER_DOWN, ldap.CONNECT_ERROR) as exc:
                # A pooled connection the server closed: drop it and try once with a new one.
                log.info("LDAP connection lost (%s), reconnecting", describe(exc))
                close(conn)
                if attempt == 2:
                    raise DirectoryUnavailable(f"the directory went away: {describe(exc)}") from None
                continue
            except ldap.TIMEOUT:
                close(conn)  # an answer may still come on it: never reuse it
                raise DirectoryUnavailable(
                    f"the directory did not answer within {config.operation_timeout} s"
                ) from None
            except ldap.LDAPError as exc:
                self._give_back(config, conn)
                raise DirectoryUnavailable(f"the directory answered with an error: {describe(exc)}") from None
            self._give_back(config, conn)
            return result
        raise AssertionError("unreachable")


POOL = ServicePool()


@dataclass(frozen=True)
class Entry:
    dn: str
    attributes: dict[str, list[bytes]]


def find_user(config: DirectoryConfig, username: str) -> Entry | None:
    """The directory entry of ``username`` (exactly one match), or None."""
    import ldap

    wanted = sorted({attribute for _name, attribute in config.mapping})

    def search(conn):
        try:
            return conn.search_ext_s(
                config.user_base,
                ldap.SCOPE_SUBTREE,
                config.user_search_filter(username),
                wanted or ["1.1"],
                timeout=config.operation_timeout,
                sizelimit=2,
            )
        except ldap.SIZELIMIT_EXCEEDED:
            return []  # more than two matches: ambiguous, nobody

    results = POOL.run(config, search)
    entries = [Entry(dn, attrs) for dn, attrs in results if dn]  # referrals come without a DN
    return entries[0] if len(entries) == 1 else None


def group_dns(config: DirectoryConfig, dn: str) -> list[str]:
    """DNs of the groups listing ``dn`` as a member (for directories without memberOf)."""
    import ldap
    from ldap.filter import escape_filter_chars

    if not config.group_base:
        return []
    query = config.group_filter.replace("{dn}", escape_filter_chars(dn))

    def search(conn):
        return conn.search_ext_s(
            config.group_base, ldap.SCOPE_SUBTREE, query, ["1.1"], timeout=config.operation_timeout
        )

    return [group for group, _attrs in POOL.run(config, search) if group]


def user_attributes(config: DirectoryConfig, entry: Entry) -> dict[str, list[str]]:
    """The entry's attributes in Amphi's names (``groups`` completed by the group search)."""
    lowered = {name.lower(): values for name, values in entry.attributes.items()}
    result: dict[str, list[str]] = {}
    for name, attribute in config.mapping:
        values = [v.decode("utf-8", "replace") for v in lowered.get(attribute.lower(), [])]
        if values:
            result[name] = values
    extra_groups = group_dns(config, entry.dn)
    if extra_groups:
        result["groups"] = result.get("groups", []) + [g for g in extra_groups if g not in result.get("groups", [])]
    return result


def check_password(config: DirectoryConfig, dn: str, password: str) -> bool:
    """Whether binding as ``dn`` with ``password`` succeeds (on a connection of its own).

    An empty password is refused here: LDAP treats it as an anonymous bind, which "succeeds".
    """
    import ldap

    if not password:
        return False
    try:
        conn = connect(config)
    except ldap.LDAPError as exc:
        raise DirectoryUnavailable(f"cannot connect to {' '.join(config.uris)}: {describe(exc)}") from None
    try:
        conn.simple_bind_s(dn, password)
        return True
    except (ldap.INVALID_CREDENTIALS, ldap.UNWILLING_TO_PERFORM, ldap.INAPPROPRIATE_AUTH):
        return False
    except ldap.TIMEOUT:
        raise DirectoryUnavailable(f"the directory did not answer within {config.operation_timeout} s") from None
    except ldap.LDAPError as exc:
        raise DirectoryUnavailable(f"binding as the user failed: {describe(exc)}") from None
    finally:
        close(conn)


def service_check(config: DirectoryConfig) -> None:
    """Bind with the service account and read the user search base; raises DirectoryUnavailable."""
    import ldap

    def probe(conn):
        return conn.search_ext_s(
            config.user_base, ldap.SCOPE_BASE, "(objectClass=*)", ["1.1"], timeout=config.operation_timeout
        )

    POOL.run(config, probe)
