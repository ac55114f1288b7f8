"""OpenID Connect sign-in (the oic library): one button per provider the site trusts, single logout when offered."""

import logging

from core import hookimpl
from core.plugin_api import LoginMethod, Setting, ValidationError, _
from plugins.auth_oidc.config import ProvidersSetting, SecretsSetting, site_providers

NAME = "auth_oidc"
AMPHI_TITLE = _("OpenID Connect sign-in")
AMPHI_DESCRIPTION = _("One sign-in button per identity provider the site trusts.")
AMPHI_HOOKS = ">=1.1,<3"
log = logging.getLogger(__name__)
SESSION_FLOW = "auth_oidc.flow"
SESSION_LOGOUT = "auth_oidc.logout"


def includeme(config):
    config.add_route("auth_oidc.login", "/auth/oidc/{provider}/login")
    config.add_route("auth_oidc.callback", "/auth/oidc/{provider}/callback")
    config.scan("plugins.auth_oidc.views")


@hookimpl
def amphi_settings():
    return [
        ProvidersSetting(
            "providers",
            "text",
            "",
            label=_("OpenID Connect providers"),
            help=_(
                "One block per provider: a [name] line, then title, issuer and client_id, and optionally "
                "scopes, username_claim, display_name_claim, email_claim, groups_claim, affiliation_claim "
                "and single_logout (yes or no), one key = value per line."
            ),
        ),
        SecretsSetting(
            "client_secrets",
            "str",
            "",
            secret=True,
            label=_("Client secrets"),
            help=_(
                "name=secret for each provider, separated by spaces. Never shown; left empty, the "
                "stored secrets are kept."
            ),
        ),
        Setting(
            "ca_file",
            "str",
            "",
            site_editable=False,
            label=_("Certificate authorities file"),
            help=_(
                "A PEM file of the authorities that sign the providers' TLS certificates, "
                "when they are not in the system's store."
            ),
        ),
        Setting(
            "create_users",
            "bool",
            True,
            label=_("Create accounts at first sign-in"),
            help=_("Otherwise only people who already have an account on this site may sign in."),
        ),
    ]


def providers(request) -> dict:
    """The request's site's providers; a faulty configuration (ini) offers none rather than failing pages."""
    try:
        return site_providers(request.plugin_settings(NAME))
    except ValidationError as exc:
        log.error("auth_oidc settings of site %s are not valid, no provider offered: %s", request.site.slug, exc.errors)
        return {}


@hookimpl
def amphi_login_methods(request):
    return [
        LoginMethod(
            name=f"{NAME}-{provider.name}",
            title=provider.title,
            url=request.route_url("auth_oidc.login", provider=provider.name),
            order=20 + index,
        )
        for index, provider in enumerate(providers(request).values())
    ]


@hookimpl
def amphi_user_signed_out(request, user):
    from plugins.auth_oidc.client import logout_url

    kept = request.session.get(SESSION_LOGOUT)
    if request.session.get("auth.method") != NAME or not kept:
        return None
    provider = providers(request).get(kept["provider"])
    if provider is None or not provider.single_logout:
        return None
    return logout_url(provider, kept["id_token"], request.route_url("home"))
