"""LTI Dynamic Registration (IMS LTI Dynamic Registration 1.0): a platform's administrator pastes one
address from Amphi's site administration; the platform opens it with ``openid_configuration`` and
``registration_token``; Amphi reads the platform's configuration, registers itself at the platform's
``registration_endpoint`` and records the platform with the client and deployment ids it was given.

The address is usable once (claimed with a conditional UPDATE before anything is sent, released if the
platform refuses), and nothing is held open while the platform answers.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import update

from core.models import utcnow
from core.plugin_api import _, commit_now
from plugin_moodle.admin import registration_token_hash, tool_addresses
from plugin_moodle.launch import LtiBadRequest, moodle_settings, refuse
from plugin_moodle.models import LtiPlatform, LtiRegistrationLink

log = logging.getLogger(__name__)

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")


class RegistrationFailed(Exception):
    pass


def claim_link(request, token: str) -> int | None:
    """Take the registration address for this registration (one caller wins); its id, or None."""
    statement = (
        update(LtiRegistrationLink)
        .where(
            LtiRegistrationLink.site_id == request.site.id,
            LtiRegistrationLink.token_hash == registration_token_hash(token),
            LtiRegistrationLink.used_at.is_(None),
            LtiRegistrationLink.expires_at > utcnow(),
        )
        .values(used_at=utcnow())
        .returning(LtiRegistrationLink.id)
    )
    return request.dbsession.execute(statement).scalar()


def tool_registration(request) -> dict:
    """The client registration Amphi asks for (OpenID Connect Dynamic Client Registration + LTI's claim)."""
    urls = tool_addresses(request)
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login_url"],
        "redirect_uris": [urls["launch_url"]],
        "client_name": request.site.name,
        "jwks_uri": urls["keyset_url"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(request.host_url).netloc,
            "target_link_uri": urls["launch_url"],
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest", "target_link_uri": urls["deep_link_url"], "label": request.site.name},
            ],
            "description": request.site.name,
        },
    }


def platform_configuration(url: str, token: str, timeout: float) -> dict:
    """The platform's OpenID configuration, checked: its issuer must be the address's own origin."""
    answer = requests.get(url, headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=timeout)
    answer.raise_for_status()
    config = answer.json()
    missing = [name for name in REQUIRED if not isinstance(config.get(name), str) or not config[name]]
    if missing:
        raise RegistrationFailed(f"the configuration lacks {', '.join(missing)}")
    issuer, where = urlsplit(config["issuer"]), urlsplit(url)
    if (issuer.scheme, issuer.netloc) != (where.scheme, where.netloc):
        raise RegistrationFailed(f"issuer {config['issuer']} is not the configuration's origin {where.netloc}")
    return config


def register_at(request, config: dict, token: str, timeout: float) -> dict:
    answer = requests.post(
        config["registration_endpoint"],
        json=tool_registration(request),
        headers={"Authorization": f"Bearer {token}"} if token else {},
        timeout=timeout,
    )
    answer.raise_for_status()
    client = answer.json()
    if not client.get("client_id"):
        raise RegistrationFailed("the platform returned no client_id")
    return client


@view_config(route_name="moodle.register", request_method="GET")
def register(request):
    """The platform's administrator's window opens this address; Amphi registers and says so."""
    config_url = request.params.get("openid_configuration", "")
    registration_token = request.params.get("registration_token", "")
    if not config_url.startswith(("https://", "http://")):
        refuse(
            request,
            _("Paste this address into the learning platform's tool registration."),
            "no openid_configuration",
            LtiBadRequest,
        )
    link_id = claim_link(request, request.matchdict["token"])
    if link_id is None:
        refuse(
            request,
            _("This registration address is unknown, expired or used already: make a new one."),
            "registration link refused",
        )
    site_name = request.site.name
    timeout = float(moodle_settings(request)["timeout_seconds"])
    commit_now(request)  # the address is taken; nothing waits while the platform answers
    try:
        config = platform_configuration(config_url, registration_token, timeout)
        client = register_at(request, config, registration_token, timeout)
    except (requests.RequestException, ValueError, RegistrationFailed) as exc:
        request.dbsession.execute(
            update(LtiRegistrationLink).where(LtiRegistrationLink.id == link_id).values(used_at=None)
        )
        log.warning("LTI dynamic registration with %s failed: %s", config_url, exc)
        message = request.localizer.translate(
            _("The learning platform refused the registration; try again or register by hand.")
        )
        response = render_to_response(
            "plugin_moodle:templates/registered.html",
            {"ok": False, "message": message, "site_name": site_name},
            request=request,
        )
        response.status = 502
        return response
    deployment = str((client.get(TOOL_CONFIGURATION) or {}).get("deployment_id") or "")
    product = (config.get(PLATFORM_CONFIGURATION) or {}).get("product_family_code") or urlsplit(config["issuer"]).netloc
    platform = LtiPlatform(
        site_id=request.site.id,
        name=f"{product} ({urlsplit(config['issuer']).netloc})"[:100],
        issuer=config["issuer"],
        client_id=str(client["client_id"]),
        deployment_ids=[deployment] if deployment else [],
        auth_url=config["authorization_endpoint"],
        token_url=config["token_endpoint"],
        keyset_url=config["jwks_uri"],
        registered_by="dynamic",
    )
    request.dbsession.add(platform)
    request.dbsession.flush()
    request.dbsession.execute(
        update(LtiRegistrationLink).where(LtiRegistrationLink.id == link_id).values(platform_id=platform.id)
    )
    log.info(
        "LTI dynamic registration: %s as client %s on site %s", config["issuer"], platform.client_id, request.site.id
    )
    message = request.localizer.translate(_("Amphi is registered with this platform. You may close this window."))
    return render_to_response(
        "plugin_moodle:templates/registered.html",
        {"ok": True, "message": message, "site_name": site_name},
        request=request,
    )
