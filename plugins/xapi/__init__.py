"""xAPI: learning records of what viewers do with videos (the xAPI Video Profile), sent to the site's LRS.

The player reports play, pause, seek... (``amphi_player_events``); this plugin turns them into
statements (initialized, played, paused, seeked, completed, interacted, terminated) kept in an outbox
table, and a periodic task sends them in batches to the Learning Record Store the site admin set,
retried with back-off. Off until the site admin switches it on; see ``docs/xapi.md``.
"""

from core import hookimpl
from core.plugin_api import NavItem, Setting, _
from plugins.xapi import delivery, hookspecs, models  # noqa: F401  (the tables; the delivery's periodic task)
from plugins.xapi.recording import record_events

NAME = "xapi"
AMPHI_TITLE = _("Learning records (xAPI)")
AMPHI_DESCRIPTION = _("Sends what viewers do with videos to a Learning Record Store (xAPI Video Profile).")
AMPHI_HOOKS = ">=2.4,<3"  # amphi_player_events came with 2.4
AMPHI_HOOKSPECS = hookspecs


def includeme(config):
    config.add_route("xapi.admin", "/admin/xapi")
    config.scan("plugins.xapi.views")


@hookimpl
def amphi_settings():
    return [
        Setting("send", "bool", False, label=_("Send learning records to the LRS")),
        Setting(
            "endpoint",
            "str",
            "",
            label=_("LRS endpoint"),
            help=_("The LRS's xAPI address, e.g. https://lrs.univ.fr/xAPI/ (statements are sent to …/statements)."),
        ),
        Setting("key", "str", "", label=_("LRS key"), help=_("The user name of the LRS's basic authentication.")),
        Setting("secret", "str", "", label=_("LRS secret"), secret=True),
        Setting(
            "actor",
            "choice",
            "pseudonym",
            choices=("pseudonym", "account"),
            label=_("Learner identity"),
            help=_(
                "pseudonym: an identifier the LRS cannot link to the account (the same for a person on this site); "
                "account: the username."
            ),
        ),
        Setting(
            "anonymous",
            "bool",
            False,
            label=_("Record viewers who are not signed in"),
            help=_("Each viewing then gets its own pseudonymous identifier."),
        ),
        Setting(
            "completion_threshold",
            "float",
            0.9,
            label=_("Completion threshold"),
            help=_("The share of a video (0 to 1) a viewer must really play, seeks excluded, for it to be completed."),
        ),
        Setting("timeout", "int", 10, site_editable=False, label=_("Timeout of a request to the LRS (seconds).")),
    ]


@hookimpl
def amphi_player_events(request, video, session, events, played):
    return record_events(request, video, session, events, played)


@hookimpl
def amphi_nav_items(request):
    user = request.user
    if user is not None and user.is_admin and request.plugin_settings(NAME)["endpoint"]:
        return [NavItem(request.translate("Learning records"), request.route_url("xapi.admin"), order=960)]
    return []
