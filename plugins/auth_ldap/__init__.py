"""LDAP: look users up after any sign-in (profile, affiliation, groups), and optionally sign in by LDAP bind."""

from core import hookimpl
from core.plugin_api import LoginMethod, NavItem, Setting, _
from plugins.auth_ldap import models  # noqa: F401  (the status table, for migrations)
from plugins.auth_ldap.directory import DEFAULT_GROUP_FILTER, DEFAULT_MAPPING

NAME = "auth_ldap"
AMPHI_TITLE = _("LDAP directory")
AMPHI_DESCRIPTION = _(
    "Looks users up in the directory after any sign-in (profile, affiliation, groups); may also sign in with the LDAP password."
)
AMPHI_HOOKS = ">=1.1,<3"


def includeme(config):
    config.add_route("auth_ldap.login", "/auth/ldap/login")
    config.add_route("auth_ldap.status", "/admin/ldap")
    config.scan("plugins.auth_ldap.views")


@hookimpl
def amphi_settings():
    return [
        Setting(
            "server_uris",
            "list",
            [],
            label=_("Directory servers"),
            help=_(
                "One or more URIs tried in turn, e.g. ldap://ldap1.univ.fr ldap://ldap2.univ.fr. "
                "Empty: the plugin does nothing on this site."
            ),
        ),
        Setting(
            "start_tls",
            "bool",
            False,
            label=_("Use StartTLS"),
            help=_("Encrypt ldap:// connections; the server's certificate must be trusted."),
        ),
        Setting(
            "ca_file",
            "str",
            "",
            label=_("CA certificate file"),
            site_editable=False,
            help=_("PEM file of the authorities trusted for the directory's certificate (server only)."),
        ),
        Setting(
            "bind_dn",
            "str",
            "",
            label=_("Service account DN"),
            help=_("Used for look-ups, e.g. cn=amphi,ou=services,dc=univ,dc=fr. Empty: anonymous."),
        ),
        Setting("bind_password", "str", "", label=_("Service account password"), secret=True),
        Setting("user_base", "str", "", label=_("User search base"), help=_("e.g. ou=people,dc=univ,dc=fr")),
        Setting(
            "user_filter",
            "str",
            "(uid={username})",
            label=_("User search filter"),
            help=_("{username} is replaced by the escaped username."),
        ),
        Setting(
            "attribute_mapping",
            "text",
            DEFAULT_MAPPING,
            label=_("Attribute mapping"),
            help=_(
                "One line per Amphi attribute: amphi_name = ldapAttribute (display_name, email, "
                "affiliation, groups, or any name the identity rules test)."
            ),
        ),
        Setting(
            "group_base",
            "str",
            "",
            label=_("Group search base"),
            help=_("For directories without memberOf: groups found here are added to the user's groups."),
        ),
        Setting(
            "group_filter",
            "str",
            DEFAULT_GROUP_FILTER,
            label=_("Group search filter"),
            help=_("{dn} is replaced by the escaped DN of the user."),
        ),
        Setting("connect_timeout", "int", 5, label=_("Connection timeout (seconds)")),
        Setting("operation_timeout", "int", 10, label=_("Operation timeout (seconds)")),
        Setting(
            "lookup_on_sign_in",
            "bool",
            True,
            label=_("Look users up after every sign-in"),
            help=_("Whatever method signed them in, complete their profile and groups from the directory."),
        ),
        Setting(
            "password_form",
            "bool",
            False,
            label=_("Offer a directory username and password form"),
            help=_("Users sign in with their directory password (checked by binding as them)."),
        ),
        Setting(
            "create_users",
            "bool",
            False,
            label=_("Create users at their first sign-in"),
            help=_("Otherwise only accounts that already exist on this site may sign in with the form."),
        ),
        Setting(
            "max_failures",
            "int",
            5,
            label=_("Failed sign-ins allowed per account"),
            help=_("After this many failures in the window, the account's sign-in is paused."),
        ),
        Setting("failure_window", "int", 900, label=_("Failure window (seconds)")),
    ]


@hookimpl
def amphi_login_methods(request):
    settings = request.plugin_settings(NAME)
    if not settings["password_form"] or not settings["server_uris"]:
        return []
    return [
        LoginMethod(
            name=NAME,
            title=request.translate("University account (directory)"),
            url=request.route_url("auth_ldap.login"),
            form_template="plugins.auth_ldap:templates/login_form.html",
            order=20,
        )
    ]


@hookimpl
def amphi_user_attributes(request, user, attributes):
    from plugins.auth_ldap.lookup import attributes_after_sign_in

    return attributes_after_sign_in(request, user)


@hookimpl
def amphi_nav_items(request):
    user = request.user
    if user is not None and user.is_admin and request.plugin_settings(NAME)["server_uris"]:
        return [NavItem(request.translate("Directory status"), request.route_url("auth_ldap.status"), order=950)]
    return []
