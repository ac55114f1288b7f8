"""Amphi's minimal core: a Pyramid application that hosts plugins through pluggy hooks."""

import pluggy

from core.hookspecs import HOOKS_VERSION as HOOKS_VERSION  # declared with the hooks, read as core.HOOKS_VERSION

#: Decorator for hook implementations in plugins: ``@hookimpl def amphi_...``.
hookimpl = pluggy.HookimplMarker("amphi")


def main(global_config, **settings):
    """Return the Amphi WSGI application (the ``paste.app_factory`` entry point)."""
    from core.app import make_app

    return make_app(global_config, settings)
