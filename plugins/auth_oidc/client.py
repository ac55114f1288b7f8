"""Talking to a provider with the ``oic`` library: discovery, authorization request, callback, logout URL."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlencode

from jwkest import JWKESTException
from oic import rndstr
from oic.exception import PyoidcError
from oic.oauth2.message import ErrorResponse
from oic.oic import Client
from oic.oic.message import AuthorizationResponse, ProviderConfigurationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from oic.utils.settings import OicClientSettings

from core.plugin_api import _
from plugins.auth_oidc.config import Provider

DISCOVERY_TTL = 600  # seconds a provider's discovery document is reused
HTTP_TIMEOUT = 10

_discovered: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


#: Why an identity token was refused, by the exception oic or pyjwkest raised.
TOKEN_FAULTS = {
    "BadSignature": _("it is not signed by a key the provider publishes"),
    "NoSuitableSigningKeys": _("it is not signed by a key the provider publishes"),
    "NotForMe": _("it was issued for another application (audience)"),
    "EXPError": _("it has expired"),
    "IATError": _("it was issued too long ago"),
    "IssuerMismatch": _("it comes from another issuer"),
    "issuer != iss": _("it comes from another issuer"),
    "not intended for me": _("it was issued for another application (audience)"),
    "Passed best before date": _("it has expired"),
    "nonce mismatch": _("it answers another sign-in (nonce)"),
}


def token_fault(exc: Exception):
    """Why oic refused a token, in words a person can read (its class, or its message)."""
    return TOKEN_FAULTS.get(type(exc).__name__) or TOKEN_FAULTS.get(str(exc), type(exc).__name__)


class SignInFailed(Exception):
    """The provider's answer cannot sign anybody in; ``str(exc)`` says why, for the user."""


def client_settings(provider: Provider) -> OicClientSettings:
    """Timeouts, and the certificate authorities to trust (``ca_file``), else the system's."""
    return OicClientSettings(timeout=HTTP_TIMEOUT, verify_ssl=provider.ca_file or True)


def discovery(provider: Provider) -> ProviderConfigurationResponse:
    """The provider's discovery document, fetched at most every :data:`DISCOVERY_TTL` seconds."""
    issuer = provider.issuer
    with _lock:
        cached = _discovered.get(issuer)
    if cached and cached[0] > time.monotonic():
        return ProviderConfigurationResponse(**cached[1])
    client = Client(settings=client_settings(provider))
    try:
        pcr = client.provider_config(issuer, keys=False)
    except (PyoidcError, OSError) as exc:
        raise SignInFailed(
            _("The identity provider could not be reached (${error}).", mapping={"error": type(exc).__name__})
        ) from None
    with _lock:
        _discovered[issuer] = (time.monotonic() + DISCOVERY_TTL, pcr.to_dict())
    return pcr


def make_client(provider: Provider, redirect_uri: str) -> Client:
    """An oic client for ``provider``: its endpoints and keys, our registration."""
    client = Client(client_authn_method=CLIENT_AUTHN_METHOD, settings=client_settings(provider))
    client.handle_provider_config(discovery(provider), provider.issuer)
    client.store_registration_info(
        RegistrationResponse(
            client_id=provider.client_id, client_secret=provider.client_secret, redirect_uris=[redirect_uri]
        )
    )
    client.redirect_uris = [redirect_uri]
    return client


def authorization_url(provider: Provider, redirect_uri: str) -> tuple[str, dict]:
    """The provider's URL to send the browser to, and the flow to keep (state, nonce, PKCE verifier)."""
    client = make_client(provider, redirect_uri)
    flow = {"provider": provider.name, "state": rndstr(32), "nonce": rndstr(32), "started": int(time.time())}
    challenge, flow["verifier"] = client.add_code_challenge()
    request_args = {
        "response_type": "code",
        "scope": " ".join(provider.scopes),
        "state": flow["state"],
        "nonce": flow["nonce"],
        "redirect_uri": redirect_uri,
        **challenge,
    }
    request = client.construct_AuthorizationRequest(request_args=request_args)
    return request.request(client.authorization_endpoint), flow


def complete(provider: Provider, redirect_uri: str, query_string: str, flow: dict) -> tuple[dict, str]:
    """Check the provider's answer and redeem the code: ``(claims, id_token_jwt)`` or SignInFailed."""
    client = make_client(provider, redirect_uri)
    try:
        answer = client.parse_response(AuthorizationResponse, info=query_string, sformat="urlencoded")
    except PyoidcError as exc:
        raise SignInFailed(
            _("The identity provider's answer is not valid (${error}).", mapping={"error": type(exc).__name__})
        ) from None
    if isinstance(answer, ErrorResponse):
        detail = answer.get("error_description") or answer.get("error")
        raise SignInFailed(_("The identity provider refused the sign-in: ${detail}.", mapping={"detail": detail}))
    if answer.get("state") != flow["state"] or "code" not in answer:
        raise SignInFailed(_("This answer does not belong to the sign-in started here (state). Please start again."))
    try:
        tokens = client.do_access_token_request(
            state=flow["state"],
            authn_method="client_secret_basic",
            request_args={"code": answer["code"], "redirect_uri": redirect_uri, "code_verifier": flow["verifier"]},
        )
    except (PyoidcError, JWKESTException, OSError, ValueError) as exc:
        raise SignInFailed(
            _("The identity token was refused: ${reason}.", mapping={"reason": token_fault(exc)})
        ) from None
    if isinstance(tokens, ErrorResponse) or "id_token" not in tokens:
        raise SignInFailed(_("The identity provider gave no identity token."))
    id_token = tokens["id_token"]
    check_id_token(client, id_token, flow)
    claims = dict(id_token.to_dict())
    claims.update(userinfo(client, tokens, claims["sub"]))
    return claims, tokens["id_token_jwt"]


def check_id_token(client: Client, id_token, flow: dict) -> None:
    """iss, aud, exp and nonce, beyond the signature the token response's parsing checked."""
    if id_token.jws_header.get("alg", "none") == "none":
        raise SignInFailed(_("The identity token was refused: ${reason}.", mapping={"reason": _("it is not signed")}))
    try:
        client.verify_id_token(id_token, {"nonce": flow["nonce"]})
    except PyoidcError as exc:
        raise SignInFailed(
            _("The identity token was refused: ${reason}.", mapping={"reason": token_fault(exc)})
        ) from None
    if id_token.get("nonce") != flow["nonce"]:
        raise SignInFailed(
            _("The identity token was refused: ${reason}.", mapping={"reason": TOKEN_FAULTS["nonce mismatch"]})
        )


def userinfo(client: Client, tokens, sub: str) -> dict:
    """The userinfo endpoint's claims (when offered), for the same subject only."""
    if not getattr(client, "userinfo_endpoint", None) or "access_token" not in tokens:
        return {}
    try:
        info = client.do_user_info_request(token=tokens["access_token"], method="GET")
    except (PyoidcError, JWKESTException, OSError, ValueError) as exc:
        raise SignInFailed(
            _(
                "The identity provider's user information could not be read (${error}).",
                mapping={"error": type(exc).__name__},
            )
        ) from None
    if isinstance(info, ErrorResponse):
        raise SignInFailed(_("The identity provider refused its user information."))
    if info.get("sub") != sub:
        raise SignInFailed(_("The user information is about somebody else (sub)."))
    return info.to_dict()


def logout_url(provider: Provider, id_token_jwt: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session URL for this sign-in, when the provider offers one."""
    try:
        endpoint = discovery(provider).get("end_session_endpoint")
    except SignInFailed:
        return None
    if not endpoint:
        return None
    query = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": provider.client_id}
    if id_token_jwt:
        query["id_token_hint"] = id_token_jwt
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(query)
