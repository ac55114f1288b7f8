"""This plugin's own translations: the ``opencast_studio`` domain, its catalogue in ``locale/``.

A separately installed plugin carries its catalogue and registers it with
``config.add_translation_dirs`` (see the docs, "Writing a plugin"); strings are
made with :data:`_` and translated with ``request.localizer.translate`` (:func:`t`).
"""

from __future__ import annotations

import os

from pyramid.i18n import TranslationStringFactory

DOMAIN = "opencast_studio"
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")
_ = TranslationStringFactory(DOMAIN)


def translate(request, message) -> str:
    """A message made with :data:`_` in the request's language."""
    return request.localizer.translate(message)


def translator(request):
    """The ``t`` templates of this plugin call (their ``_`` is the core's domain)."""
    return lambda message, **mapping: translate(request, _(message, mapping=mapping or None))
