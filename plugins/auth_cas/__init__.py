"""CAS sign-in (protocol 2.0 and 3.0): login redirect, ticket validation, CAS 3 attributes, single logout."""

from core import hookimpl
from core.plugin_api import SESSION_METHOD, LoginMethod, Setting, _
from plugins.auth_cas import models  # noqa: F401  (the ticket table belongs to the metadata)
from plugins.auth_cas.protocol import logout_url

NAME = "auth_cas"
AMPHI_TITLE = _("CAS sign-in")
AMPHI_DESCRIPTION = _("Sign in with the institution's CAS server (CAS 2.0 and 3.0), with single logout.")
AMPHI_HOOKS = ">=1.1,<3"

DEFAULT_ATTRIBUTE_MAP = (
    "display_name = displayName cn\nemail = mail\n"
    "affiliation = eduPersonPrimaryAffiliation eduPersonAffiliation\ngroups = memberOf"
)


def includeme(config):
    config.add_route("auth_cas.login", "/auth/cas/login")
    config.add_route("auth_cas.callback", "/auth/cas/callback")
    config.scan("plugins.auth_cas.views")


@hookimpl
def amphi_settings():
    return [
        Setting(
            "server_url",
            "str",
            "",
            label=_("CAS server URL"),
            help=_("The server's base address, e.g. https://cas.example.edu/cas (empty: CAS is off)."),
        ),
        Setting(
            "version",
            "choice",
            "3",
            choices=("2", "3"),
            label=_("CAS protocol version"),
            help=_("3 validates on /p3/serviceValidate and reads attributes; 2 uses /serviceValidate."),
        ),
        Setting(
            "title",
            "str",
            "",
            label=_("Button title"),
            help=_('What the sign-in page shows (empty: "Institutional account (CAS)").'),
        ),
        Setting(
            "attribute_map",
            "text",
            DEFAULT_ATTRIBUTE_MAP,
            label=_("Attribute mapping"),
            help=_("One line per Amphi attribute: amphi_name = CAS attribute names, first found first."),
        ),
        Setting(
            "create_users",
            "bool",
            True,
            label=_("Create users at their first sign-in"),
            help=_("Off: only accounts that already exist on this site may sign in."),
        ),
        Setting(
            "renew",
            "bool",
            False,
            label=_("Always ask for the password (renew)"),
            help=_("The CAS server asks for credentials even if the user has a single sign-on session."),
        ),
        Setting(
            "gateway",
            "bool",
            False,
            label=_("Allow silent sign-in (gateway)"),
            help=_(
                "/auth/cas/login?gateway=1 signs in users who have a CAS session and "
                "comes back without error for the others."
            ),
        ),
        Setting(
            "single_logout",
            "bool",
            True,
            label=_("Single logout"),
            help=_(
                "Signing out also signs out of CAS, and the CAS server's logout requests end the user's sessions here."
            ),
        ),
        Setting("timeout", "int", 10, label=_("Validation timeout (seconds)"), site_editable=False),
        Setting(
            "logout_request_addresses",
            "list",
            [],
            label=_("Addresses allowed to send logout requests"),
            help=_("The CAS server's addresses or networks (CIDR); empty: any address, the ticket being the proof."),
            site_editable=False,
        ),
    ]


def cas_settings(request) -> dict:
    return request.plugin_settings(NAME)


@hookimpl
def amphi_login_methods(request):
    settings = cas_settings(request)
    if not settings["server_url"]:
        return []
    return [
        LoginMethod(
            name=NAME,
            title=settings["title"] or request.translate(_("Institutional account (CAS)")),
            url=request.route_url("auth_cas.login"),
            order=20,
        )
    ]


@hookimpl
def amphi_user_signed_out(request, user):
    """The CAS server's /logout, when this session came from CAS and single logout is on."""
    settings = cas_settings(request)
    if request.session.get(SESSION_METHOD) != NAME or not settings["server_url"] or not settings["single_logout"]:
        return None
    return logout_url(settings["server_url"], settings["version"], request.route_url("home"))
