"""Amphi's minimal core: a Pyramid application that hosts plugins through pluggy hooks."""

import pluggy

#: The version of the hook contract (``core/hookspecs.py``), semantic: a new
#: hook or argument is a minor bump, a removed or changed one a major bump.
HOOKS_VERSION = "1.4.0"

#: Decorator for hook implementations in plugins: ``@hookimpl def amphi_...``.
hookimpl = pluggy.HookimplMarker("amphi")


def main(global_config, **settings):
    """Return the Amphi WSGI application (the ``paste.app_factory`` entry point)."""
    from core.app import make_app

    return make_app(global_config, settings)
