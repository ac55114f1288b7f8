"""What every template sees: the site, the user, the navigation, the CSRF token."""

from __future__ import annotations

from markupsafe import Markup
from pyramid.csrf import get_csrf_token
from pyramid.renderers import render

from core.catalogue.sitepages import footer_links
from core.notify.service import unread_count
from core.pagecache.regions import csrf_marker, sharing
from core.platform.colours import palette_css
from core.platform.i18n import LANGUAGES
from core.platform.sites import site_or_none
from core.platform.ui import nav_items, video_badges
from core.web.cards import card_globals
from core.web.personal import personal_fragment, render_personal


class LazyCsrfToken:
    """The session's CSRF token, made only when a template writes it.

    Making one starts a session (a cookie), and a page that sets a cookie cannot be served
    from the page cache: anonymous pages show no form that needs it. In a page rendered to be
    shared between signed-in visitors it is a marker, replaced by each visitor's own token
    (:mod:`core.pagecache.regions`).
    """

    def __init__(self, request):
        self.request = request

    def __str__(self) -> str:
        if sharing(self.request):
            return str(csrf_marker(self.request))
        return get_csrf_token(self.request)

    __html__ = __str__


class LazyNavItems:
    """The navigation's entries, asked of the plugins only when a template lists them: a personal
    region filled into a page from the cache (the account menu) does not, and costs no hook call."""

    def __init__(self, request):
        self.request, self.items = request, None

    def _made(self) -> list:
        if self.items is None:
            self.items = nav_items(self.request)
        return self.items

    def __iter__(self):
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())

    def __bool__(self) -> bool:
        return bool(self._made())

    def __getitem__(self, index):
        return self._made()[index]


def template_globals(request) -> dict:
    """The same for every template of a request (a page and the panels it renders): made once."""
    made = request.environ.get("amphi.template_globals")
    if made is None:
        made = request.environ["amphi.template_globals"] = _template_globals(request)
    return made


def _template_globals(request) -> dict:
    site = site_or_none(request)
    return {
        "site": site,
        "user": request.user if site is not None else None,
        "nav_items": LazyNavItems(request) if site is not None else [],
        "csrf_token": LazyCsrfToken(request),
        "languages": LANGUAGES,
        "locale": request.locale_name,
        # Listings call it once per page: ``{% set badges = video_badges(videos) %}``.
        # ``{{ personal("account") }}``: a region only this visitor sees (core.web.personal).
        "personal": lambda name, /, **kwargs: render_personal(request, name, **kwargs),
        "footer_links": footer_links(request) if site is not None else [],
        # The site's colour over the theme tokens, readable in both themes (core.platform.colours).
        "site_palette_css": Markup(palette_css(site.theme_color)) if site is not None else "",
        "video_badges": (lambda videos: video_badges(request, videos)) if site is not None else (lambda videos: {}),
        **card_globals(request),  # what _cards.html calls: card images, dates, views
    }


@personal_fragment("account", remember=True)
def account_menu(request) -> str:
    """The header's account menu and language switch.

    Filled into a shared page it is remembered per user, language, address and content generation
    (:mod:`core.pagecache.regions`; the user's name is content: changing it bumps the generation), with a
    marker in place of the CSRF token, which is each session's own; the unread count is a region of its own.
    """
    return render("_account.html", {}, request=request)


@personal_fragment("notifications.unread", remember=True)
def unread_notifications(request) -> str:
    """The unread notifications' count beside "Notifications" in the account menu (remembered: notifications
    bump the personal generation, :data:`core.models.PERSONAL`)."""
    user = request.user if site_or_none(request) is not None else None
    count = unread_count(request, user) if user is not None else 0
    return render("_unread_notifications.html", {"unread_notifications": count}, request=request)
