"""pylti1p3 for Pyramid: its Request, cookie, session, redirect, OIDC login and message launch
abstractions over a Pyramid request (as its Django and Flask adapters do), and the tool configuration
read from the site's registered platforms.

No cookie is involved. A launch runs in the platform's iframe, where a browser that blocks third-party
cookies would drop the OIDC ``state`` cookie: the state and the nonce are kept server-side instead
(:class:`DatabaseValues`, in the ``moodle_values`` table, with their expiry), and each is used once (the
launch claims them with a conditional DELETE, so a replayed launch fails on every process).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import requests
from pylti1p3.cookie import CookieService
from pylti1p3.deployment import Deployment
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.redirect import Redirect
from pylti1p3.registration import Registration
from pylti1p3.request import Request
from pylti1p3.session import SessionService
from pylti1p3.tool_config.abstract import ToolConfAbstract
from pyramid.httpexceptions import HTTPFound
from pyramid.response import Response
from sqlalchemy import delete, select

from core.models import utcnow
from plugin_moodle.keys import signing_key
from plugin_moodle.models import LtiPlatform, LtiValue

log = logging.getLogger(__name__)

#: How long a login's state and nonce wait for their launch.
LOGIN_LIFETIME = 10 * 60
#: How long a nonce waits for its launch, and a validated launch stays readable (a teacher choosing videos).
LAUNCH_DATA_LIFETIME = 3600
KEYSET_CACHE_SECONDS = 300
_keysets: dict[str, tuple[float, dict]] = {}


class PyramidRequest(Request):
    """A Pyramid request as pylti1p3 reads it (GET or POST parameters; no session: see the module)."""

    def __init__(self, request):
        self._request = request

    @property
    def session(self):
        return {}

    def is_secure(self) -> bool:
        return self._request.scheme == "https"

    def get_param(self, key: str):
        return self._request.params.get(key)


class DatabaseValues(LaunchDataStorage):
    """pylti1p3's launch data storage on the ``moodle_values`` table, with expiry."""

    def __init__(self, dbsession, site_id: int):
        super().__init__()
        self.dbsession = dbsession
        self._prefix = f"lti1p3-{site_id}-"

    def get_session_cookie_name(self):
        return None  # no cookie at all: a frame may not keep one

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str):
        row = self.dbsession.get(LtiValue, self._prepare_key(key))
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    def set_value(self, key: str, value, exp: int | None = None) -> None:
        key = self._prepare_key(key)
        expires = utcnow() + timedelta(seconds=exp or LOGIN_LIFETIME)
        row = self.dbsession.get(LtiValue, key)
        if row is None:
            self.dbsession.add(LtiValue(key=key, value=value, expires_at=expires))
        else:
            row.value, row.expires_at = value, expires
        self.dbsession.flush()

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None

    def claim(self, key: str) -> bool:
        """Use a value once: delete it if it is there and alive; True for the one caller that did."""
        statement = delete(LtiValue).where(LtiValue.key == self._prepare_key(key), LtiValue.expires_at > utcnow())
        return self.dbsession.execute(statement).rowcount == 1


def sweep_values(dbsession) -> int:
    """Delete the expired launch values; return how many."""
    return dbsession.execute(delete(LtiValue).where(LtiValue.expires_at <= utcnow())).rowcount


class ServerSideCookies(CookieService):
    """The values pylti1p3 would put in a cookie (the OIDC state), kept in :class:`DatabaseValues`."""

    def __init__(self, values: DatabaseValues):
        self.values = values

    def get_cookie(self, name: str):
        return self.values.get_value("cookie-" + name)

    def set_cookie(self, name: str, value, exp: int | None = 3600):
        self.values.set_value("cookie-" + name, value, exp or LOGIN_LIFETIME)


class PyramidRedirect(Redirect):
    def __init__(self, location: str):
        self._location = location

    def do_redirect(self):
        return HTTPFound(location=self._location)

    def do_js_redirect(self):
        return self.do_redirect()

    def set_redirect_url(self, location: str):
        self._location = location

    def get_redirect_url(self) -> str:
        return self._location


class SiteToolConf(ToolConfAbstract):
    """The registrations of the request's site (several platforms; several clients per issuer)."""

    def __init__(self, request, keysets: dict[int, dict] | None = None):
        super().__init__()
        self.request = request
        self.keysets = keysets or {}

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def platform(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        query = select(LtiPlatform).where(LtiPlatform.site_id == self.request.site.id, LtiPlatform.issuer == iss)
        if client_id:
            query = query.where(LtiPlatform.client_id == client_id)
        rows = list(self.request.dbsession.scalars(query.limit(2)))
        return rows[0] if len(rows) == 1 else None

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = self.platform(iss, client_id)
        return registration_of(self.request, platform, self.keysets.get(platform.id)) if platform else None

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        platform = self.platform(iss, client_id)
        if platform is None or deployment_id not in (platform.deployment_ids or []):
            return None
        return Deployment().set_deployment_id(deployment_id)


class ToolRegistration(Registration):
    """A registration whose tool key is named by the site key's ``kid`` (as the tool's keyset names it)."""

    kid: str | None = None

    def get_kid(self):
        return self.kid


def registration_of(request, platform: LtiPlatform, keyset: dict | None = None) -> Registration:
    key = signing_key(request.dbsession, request.site.id)
    registration = (
        ToolRegistration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_url)
        .set_auth_token_url(platform.token_url)
        .set_key_set_url(platform.keyset_url)
        .set_tool_private_key(key.private_pem)
    )
    registration.kid = key.kid  # what pylti1p3 puts in the header of what the tool signs
    if keyset is not None:
        registration.set_key_set(keyset)
    return registration


def session_service(request) -> tuple[SessionService, DatabaseValues]:
    values = DatabaseValues(request.dbsession, request.site.id)
    service = SessionService(PyramidRequest(request))
    service.set_data_storage(values)
    service.set_launch_data_lifetime(LAUNCH_DATA_LIFETIME)  # nonces and a launch's data (deep linking's chooser)
    values.set_request(PyramidRequest(request))
    return service, values


class PyramidOIDCLogin(OIDCLogin):
    def __init__(self, request, tool_conf):
        service, self.values = session_service(request)
        super().__init__(PyramidRequest(request), tool_conf, service, ServerSideCookies(self.values))

    def _get_request_param(self, key: str):
        return self._request.get_param(key)

    def get_redirect(self, url: str):
        return PyramidRedirect(url)

    def get_response(self, html: str):
        return Response(html)


class PyramidMessageLaunch(MessageLaunch):
    def __init__(self, request, tool_conf):
        service, self.values = session_service(request)
        super().__init__(PyramidRequest(request), tool_conf, service, ServerSideCookies(self.values))

    def _get_request_param(self, key: str):
        return self._request.get_param(key)

    def claim_once(self) -> bool:
        """Use this launch's state and nonce (both must still be there): a second use of the same
        launch, in this process or another, is refused."""
        state = self._get_request_param("state")
        nonce = self._get_jwt_body().get("nonce", "")
        return self.values.claim("cookie-" + state) and self.values.claim(
            self._session_service._get_key("nonce", nonce)
        )


def fetch_keyset(url: str, timeout: float = 10.0) -> dict:
    """A platform's public keyset, kept a few minutes per process (fetched outside any transaction by
    the caller). Raises ``requests.RequestException`` or ``ValueError`` when it cannot be read."""
    cached = _keysets.get(url)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    response = requests.get(url, timeout=timeout)
    response.raise_for_status()
    keyset = response.json()
    if not isinstance(keyset, dict) or not isinstance(keyset.get("keys"), list):
        raise ValueError(f"{url} is not a JSON Web Key Set")
    _keysets[url] = (time.monotonic() + KEYSET_CACHE_SECONDS, keyset)
    return keyset


def forget_keyset(url: str) -> None:
    """Drop a cached keyset (a token signed by a key it lacks: the platform may have rotated)."""
    _keysets.pop(url, None)


def now_utc() -> datetime:
    return datetime.now(UTC)
