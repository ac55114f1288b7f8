"""Shibboleth sign-in behind Apache mod_shib (or an equivalent SP): attributes read from trusted headers."""

from core import hookimpl
from core.plugin_api import SESSION_METHOD, LoginMethod, Setting, _
from plugins.auth_shibboleth.headers import with_param

NAME = "auth_shibboleth"
AMPHI_TITLE = _("Shibboleth sign-in")
AMPHI_DESCRIPTION = _(
    "Sign in through a Shibboleth service provider (Apache mod_shib) and the federation's identity providers."
)
AMPHI_HOOKS = ">=1.1,<3"

DEFAULT_ATTRIBUTE_MAP = (
    "username = REMOTE_USER eppn\ndisplay_name = displayName cn\nemail = mail\n"
    "affiliation = eduPersonPrimaryAffiliation unscoped-affiliation affiliation\n"
    "groups = isMemberOf memberOf"
)


def includeme(config):
    config.add_route("auth_shibboleth.login", "/auth/shibboleth/login")
    config.add_route("auth_shibboleth.callback", "/auth/shibboleth/callback")
    config.scan("plugins.auth_shibboleth.views")


@hookimpl
def amphi_settings():
    return [
        Setting(
            "trusted_proxies",
            "list",
            [],
            label=_("Trusted proxy addresses"),
            site_editable=False,
            help=_(
                "Addresses or networks (CIDR) of the web server running the Shibboleth SP; "
                "headers from any other address are ignored. Empty: Shibboleth is off."
            ),
        ),
        Setting(
            "session_initiator",
            "str",
            "/Shibboleth.sso/Login",
            label=_("Session initiator URL"),
            help=_("Where the SP starts a sign-in; Amphi adds target=<its callback>."),
        ),
        Setting(
            "logout_url",
            "str",
            "/Shibboleth.sso/Logout",
            label=_("Logout URL"),
            help=_("Where sign-out sends the user to end the SP session (empty: none); Amphi adds return=<home page>."),
        ),
        Setting(
            "attribute_map",
            "text",
            DEFAULT_ATTRIBUTE_MAP,
            label=_("Attribute mapping"),
            help=_("One line per Amphi attribute: amphi_name = header or variable names, first found first."),
        ),
        Setting(
            "create_users",
            "bool",
            True,
            label=_("Create users at their first sign-in"),
            help=_("Off: only accounts that already exist on this site may sign in."),
        ),
        Setting(
            "title",
            "str",
            "",
            label=_("Button title"),
            help=_('What the sign-in page shows (empty: "Federated account (Shibboleth)").'),
        ),
    ]


def shib_settings(request) -> dict:
    return request.plugin_settings(NAME)


@hookimpl
def amphi_login_methods(request):
    settings = shib_settings(request)
    if not settings["trusted_proxies"]:
        return []
    return [
        LoginMethod(
            name=NAME,
            title=settings["title"] or request.translate(_("Federated account (Shibboleth)")),
            url=request.route_url("auth_shibboleth.login"),
            order=30,
        )
    ]


@hookimpl
def amphi_user_signed_out(request, user):
    """The SP's logout handler, when this session came from Shibboleth."""
    settings = shib_settings(request)
    if request.session.get(SESSION_METHOD) != NAME or not settings["logout_url"] or not settings["trusted_proxies"]:
        return None
    return with_param(settings["logout_url"], "return", request.route_url("home"))
