"""Opencast Studio: record the screen and the camera in the browser; the recording becomes an Amphi video.

Studio uploads through Opencast's ingest API, which the ``opencast_ingest`` plugin speaks
(``/ingest/*``, required beside this one); this plugin says who may call it (the user's session, a
personal access token, or a configured account), answers what Studio asks besides
(``/info/me.json``, the series ``/studio-api/series.json``, ``/lti``), serves a built Studio with
a complete ``settings.toml`` (or says what to type in a Studio hosted elsewhere, and what to
check), publishes what arrives as its settings say (in the channel chosen as its series, in its
language), and adds a "Record" entry to the navigation.
"""

from core import hookimpl
from core.plugin_api import LAYOUTS, NavItem, Setting
from opencast_studio.auth import NAME, challenge, principal_for
from opencast_studio.i18n import LOCALE_DIR, _, translate
from opencast_studio.studio_api import file_recording

AMPHI_HOOKS = ">=1.4,<3"  # the ingest hooks came with 1.4
#: Studio uploads through its ``/ingest/`` endpoints, and its hooks say who may.
AMPHI_REQUIRES = ("opencast_ingest",)


def includeme(config):
    config.add_translation_dirs(LOCALE_DIR)
    config.add_route("opencast_studio.me", "/info/me.json")
    config.add_route("opencast_studio.series", "/studio-api/series.json")
    config.add_route("opencast_studio.lti", "/lti")
    config.add_route("opencast_studio.settings", "/studio/settings.toml")
    config.add_route("opencast_studio.series_before_2023", "/studio/series.json")
    config.add_route("opencast_studio.bare", "/studio")
    config.add_route("opencast_studio.page", "/studio/")
    config.add_route("opencast_studio.asset", "/studio/*subpath")
    config.include("opencast_studio.views")


@hookimpl
def amphi_settings():
    return [
        Setting(
            "studio_folder",
            "str",
            "",
            label=_("Folder of a built Opencast Studio (served at /studio/)"),
            help=_("Leave empty to explain how to use a hosted Studio instead."),
            site_editable=False,
        ),
        Setting(
            "hosted_studio_url",
            "str",
            "https://studio.opencast.org",
            label=_("Hosted Studio address"),
            help=_(
                "Offered when no Studio is served here, with what to type in it; that origin may call the "
                "site (CORS). Empty: none is offered."
            ),
        ),
        Setting(
            "layout",
            "choice",
            "pip-bottom-right",
            choices=LAYOUTS,
            label=_("How a screen and a camera recording are put together"),
        ),
        Setting(
            "access",
            "choice",
            "draft",
            choices=("draft", "signed-in", "public"),
            label=_("Who may watch a new recording"),
            help=_("The owner can change it afterwards, like for any video."),
        ),
        Setting(
            "account_username",
            "str",
            "",
            label=_("Shared account: Amphi user name"),
            help=_("Optional: an uploader account for HTTP Basic or Digest sign-in from a Studio elsewhere."),
        ),
        Setting("account_password", "str", "", label=_("Shared account: password"), site_editable=False, secret=True),
    ]


@hookimpl
def amphi_nav_items(request):
    if not request.has_permission("upload"):
        return []
    return [NavItem(translate(request, _("Record")), request.route_url("opencast_studio.page"), order=25)]


@hookimpl
def amphi_ingest_authenticate(request):
    return principal_for(request)


@hookimpl
def amphi_ingest_challenge(request):
    return challenge(request)


@hookimpl
def amphi_ingest_received(request, principal, mediapackage, video):
    if principal.source != NAME:
        return
    video.access = request.plugin_settings(NAME)["access"]
    file_recording(request, principal.user, mediapackage.metadata_ or {}, video)
