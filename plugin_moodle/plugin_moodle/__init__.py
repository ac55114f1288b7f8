"""Amphi inside Moodle and every LTI 1.3 Advantage platform (Canvas, Blackboard, Brightspace, Sakai).

Amphi is the *tool*: a site admin registers the site's platforms (by hand or through LTI Dynamic
Registration, :mod:`plugin_moodle.registration`) and the site publishes its keyset with rotation
(:mod:`plugin_moodle.keys`). A launch (:mod:`plugin_moodle.launch`, built on pylti1p3 through
:mod:`plugin_moodle.adapter`) finds or creates the person by the platform's issuer and ``sub``, puts them
in their course's group, and sends the frame to the video's embed page with a grant in the URL
(:mod:`plugin_moodle.grants`), so the video plays in browsers that block third-party cookies. A teacher's
deep-linking launch picks videos (:mod:`plugin_moodle.deep_linking`) or uploads a new one there
(:mod:`plugin_moodle.chooser_upload`).
"""

import os

from pyramid.events import NewResponse

from core import hookimpl
from core.plugin_api import NavItem, Setting, _
from plugin_moodle import models  # noqa: F401  (tables in the shared metadata)

NAME = "moodle"
AMPHI_TITLE = _("Moodle and LTI 1.3")
AMPHI_DESCRIPTION = _(
    "Amphi as an LTI 1.3 Advantage tool: videos added to Moodle courses (or any LTI platform's) and "
    "played there, signed-in-only videos included, even where the browser blocks third-party cookies."
)
AMPHI_HOOKS = ">=2.4,<3"
#: amphi_permits only ever grants (a course's teachers edit its videos).
AMPHI_PERMITS_NEVER_DENIES = True
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")


def includeme(config):
    config.add_route("moodle.jwks", "/lti/jwks.json")
    config.add_route("moodle.login", "/lti/login")
    config.add_route("moodle.launch", "/lti/launch")
    config.add_route("moodle.register", "/lti/register/{token}")
    config.add_route("moodle.deep_link", "/lti/deep-link")
    config.add_route("moodle.deep_link.upload", "/lti/deep-link/upload")
    config.add_route("moodle.platforms", "/admin/lti")
    config.add_route("moodle.platform.new", "/admin/lti/new")
    config.add_route("moodle.platform", "/admin/lti/{platform_id:\\d+}")
    config.add_route("moodle.platform.delete", "/admin/lti/{platform_id:\\d+}/delete")
    config.add_route("moodle.keys.rotate", "/admin/lti/keys/rotate")
    config.add_route("moodle.key.retire", "/admin/lti/keys/{key_id:\\d+}/retire")
    config.add_route("moodle.registration.new", "/admin/lti/registration-links")
    config.add_translation_dirs(LOCALE_DIR)
    config.scan("plugin_moodle.launch")
    config.scan("plugin_moodle.admin")
    config.scan("plugin_moodle.registration")
    config.scan("plugin_moodle.deep_linking")
    config.scan("plugin_moodle.chooser_upload")
    config.add_subscriber(framed_by_platforms, NewResponse)
    from plugin_moodle import tasks  # noqa: F401  (periodic tasks registered on import)


#: Pages a platform shows in its frame (their errors too): any site may frame them.
FRAMED_ROUTES = frozenset(
    {"moodle.login", "moodle.launch", "moodle.register", "moodle.deep_link", "moodle.deep_link.upload"}
)


def framed_by_platforms(event) -> None:
    route = getattr(event.request, "matched_route", None)
    if route is not None and route.name in FRAMED_ROUTES:
        event.response.headers["Content-Security-Policy"] = "frame-ancestors *"


@hookimpl
def amphi_settings():
    return [
        Setting(
            "link_by_email",
            "bool",
            False,
            label=_("Link a launch to the existing account that has the same e-mail address"),
            help=_("Only when the platform's e-mail addresses are verified: else a new account is made per person."),
        ),
        Setting(
            "link_by_claim",
            "str",
            "",
            label=_("Link a launch to the institutional account named by this launch claim"),
            help=_(
                "Empty: never. Else the claim whose value is the username your institution's sign-in "
                "(CAS, Shibboleth, OpenID Connect) gives, e.g. "
                "https://purl.imsglobal.org/spec/lti/claim/lis#person_sourcedid or "
                "https://purl.imsglobal.org/spec/lti/claim/custom#username (a claim, # and its field). "
                "Only for platforms that take it from the same directory."
            ),
        ),
        Setting(
            "grant_minutes",
            "int",
            240,
            label=_("Minutes a launched video may play in the learning platform's frame"),
        ),
        Setting("timeout_seconds", "int", 10, site_editable=False, label=_("Seconds to wait for a platform's answer")),
    ]


@hookimpl
def amphi_url_grant(request, token):
    from plugin_moodle.grants import read_grant

    return read_grant(request, token)


@hookimpl
def amphi_permits(request, video, permission):
    """A course's teachers (launched with a teaching role) edit the videos limited to the course's group."""
    if permission != "edit" or request.user is None or video.access != "groups":
        return None
    from plugin_moodle.launch import teaches_video

    return True if teaches_video(request, video) else None


@hookimpl
def amphi_watch_progress(request, video, seconds_watched):
    """Time a viewer played: the share watched of a graded resource link grows (sent after the commit)."""
    from plugin_moodle.services import watched

    watched(request, video, seconds_watched)


@hookimpl(optionalhook=True)
def amphi_xapi_context(request, video):
    """The course the viewer came from (the ``xapi`` plugin's hook; absent where it is not installed)."""
    from plugin_moodle.learning_records import xapi_context

    return xapi_context(request, video)


@hookimpl
def amphi_nav_items(request):
    """ "LTI platforms" for the site's admins."""
    if request.user is None or not request.user.is_admin:
        return []
    return [NavItem(request.translate("LTI platforms (Moodle)"), request.route_url("moodle.platforms"), order=870)]
