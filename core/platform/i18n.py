"""French and English: the user's choice, then Accept-Language, then the default."""

from __future__ import annotations

import os

from pyramid.httpexceptions import HTTPNotFound
from pyramid.i18n import ITranslationDirectories, Localizer, TranslationString, TranslationStringFactory, make_localizer

from core.platform.settings import setting

_ = TranslationStringFactory("amphi")

LOCALE_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "locale")  # core/locale
LANGUAGES = {"en": "English", "fr": "Français"}
SESSION_LOCALE = "i18n.locale"  # kept across sign-in and sign-out (core.access.security.fresh_session)


def negotiate_locale(request) -> str:
    """Pyramid locale negotiator.

    Order: an explicit ``?_LOCALE_=fr``, the language stored in the session
    (chosen with the language switch), the signed-in user's preference, the
    browser's Accept-Language, then ``amphi.default_locale``.
    """
    explicit = requested_locale(request)
    if explicit is not None:
        return explicit
    chosen = request.session.get(SESSION_LOCALE)
    if chosen in LANGUAGES:
        return chosen
    try:
        user = request.user
    except HTTPNotFound:  # no site answers this host: no user either
        user = None
    if user is not None and user.locale in LANGUAGES:
        return user.locale
    return browser_locale(request)


def requested_locale(request) -> str | None:
    """The language asked for in the URL (``?_LOCALE_=fr`` on a GET), if it is one of ours."""
    explicit = request.GET.get("_LOCALE_") if request.method == "GET" else None
    return explicit if explicit in LANGUAGES else None


def browser_locale(request) -> str:
    """The browser's preferred language among ours (Accept-Language), else ``amphi.default_locale``."""
    default = setting(request.registry.settings, "amphi.default_locale")
    return request.accept_language.lookup(list(LANGUAGES), default=default)


def translate(request, message, **mapping) -> str:
    """Translate a message id (or a :class:`Plural`) in the request's language (``mapping`` fills ``${names}``).

    An empty message stays empty (gettext would answer the catalogue's header)."""
    if not message:
        return ""
    if isinstance(message, Plural):
        return request.localizer.translate(message, mapping=mapping or None)
    return request.localizer.translate(_(message, mapping=mapping or None))


def translate_errors(request, errors: dict) -> dict:
    """A form's ``{field: message}`` in the request's language."""
    return {field: request.localizer.translate(message) for field, message in (errors or {}).items()}


class Plural(TranslationString):
    """A message with a count, translated later (a ``ValidationError``'s text...): the localizer picks
    its singular or plural form for ``n`` then, in the reader's language. Made by :func:`plural`."""

    __slots__ = ("plural", "n")

    def __new__(cls, singular: str, plural: str, n: int, mapping: dict | None = None):
        self = TranslationString.__new__(cls, singular, domain="amphi", mapping=mapping)
        self.plural, self.n = plural, n
        return self

    def __reduce__(self):  # copies and pickles keep the count
        return Plural, (str(self), self.plural, self.n, self.mapping)

    def interpolate(self, translated=None):
        """Untranslated: the English singular or plural for ``n``."""
        english = translated or (str(self) if self.n == 1 else self.plural)
        return TranslationString(english, mapping=self.mapping).interpolate()


def plural(singular: str, plural_text: str, n: int, /, **mapping) -> Plural:
    """The lazy :func:`ngettext`, for messages made where no request is at hand (``${names}`` from ``mapping``).

    The extraction knows it as ``plural`` (``-k plural:1,2`` in scripts/i18n.sh)."""
    return Plural(singular, plural_text, n, mapping or None)


class AmphiLocalizer(Localizer):
    """Pyramid's localizer, which also translates :class:`Plural` messages."""

    def translate(self, tstring, domain=None, mapping=None):
        if isinstance(tstring, Plural):
            return self.pluralize(
                str(tstring), tstring.plural, tstring.n, domain=tstring.domain, mapping=mapping or tstring.mapping
            )
        return super().translate(tstring, domain=domain, mapping=mapping)


def request_localizer(request) -> AmphiLocalizer:
    """``request.localizer``: the localizer of the request's language."""
    return localizer_for(request.registry, request.locale_name)


def localizer_for(registry, locale: str) -> AmphiLocalizer:
    """One :class:`AmphiLocalizer` per language (an e-mail to a user in theirs...), made at its first use."""
    localizers = registry.setdefault("amphi.localizers", {})
    if locale not in localizers:
        made = make_localizer(locale, registry.queryUtility(ITranslationDirectories, default=[]))
        localizers[locale] = AmphiLocalizer(made.locale_name, made.translations)
    return localizers[locale]


def ngettext(request, singular: str, plural: str, n: int, /, **mapping) -> str:
    """The singular or the plural message for ``n``, in the request's language (``request.ngettext``).

    ``mapping`` fills ``${names}``; French says "1 vidéo", "0 vidéo", "2 vidéos" (the catalogue's
    plural rule), so a count is never put into a message that is not chosen this way.
    """
    return request.localizer.pluralize(singular, plural, n, domain="amphi", mapping=mapping or None)


def includeme(config):
    config.add_translation_dirs(LOCALE_DIR)
    config.set_locale_negotiator(negotiate_locale)
    config.add_request_method(translate, "translate")
    config.add_request_method(ngettext, "ngettext")
    config.add_request_method(request_localizer, "localizer", reify=True)
