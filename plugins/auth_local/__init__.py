"""Local accounts: username and password, optional self sign-up, rate-limited failures."""

from core import hookimpl
from core.plugin_api import LoginMethod, NavItem, Setting, _
from plugins.auth_local.passwords import set_password

NAME = "auth_local"
AMPHI_TITLE = _("Local accounts")
AMPHI_DESCRIPTION = _("Usernames and passwords kept by Amphi, with optional self sign-up.")
AMPHI_HOOKS = ">=1.0,<3"


def includeme(config):
    config.add_route("auth_local.login", "/auth/local/login")
    config.add_route("auth_local.signup", "/auth/local/signup")
    config.add_route("auth_local.password", "/auth/local/password")
    config.scan("plugins.auth_local.views")


@hookimpl
def amphi_settings():
    return [
        Setting(
            "signup",
            "bool",
            False,
            label=_("Allow self sign-up"),
            help=_("Anyone reaching the site may create an account (role: user)."),
        ),
        Setting("min_password_length", "int", 10, label=_("Minimum password length")),
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
    return [
        LoginMethod(
            name=NAME,
            title=request.translate("Local account"),
            url=request.route_url("auth_local.login"),
            form_template="plugins.auth_local:templates/login_form.html",
            order=10,
        )
    ]


@hookimpl
def amphi_set_password(request, user, password):
    set_password(request, user, password)
    return True


@hookimpl
def amphi_nav_items(request):
    if request.user is None and request.plugin_settings(NAME)["signup"]:
        return [NavItem(request.translate("Create an account"), request.route_url("auth_local.signup"), order=900)]
    if request.user is not None and request.session.get("auth.method") == NAME:
        return [NavItem(request.translate("Change my password"), request.route_url("auth_local.password"), order=900)]
    return []
