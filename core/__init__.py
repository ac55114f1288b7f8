"""Amphi's minimal core: a Pyramid application that hosts plugins through pluggy hooks.

The core is a few domain packages, from the bottom layer up: :mod:`core.models` (the tables),
:mod:`core.hookspecs`, :mod:`core.platform`, :mod:`core.access`, :mod:`core.pagecache`,
:mod:`core.pipeline`, :mod:`core.catalogue`, :mod:`core.ingest` and :mod:`core.web`; the
``[tool.importlinter]`` contracts in ``pyproject.toml`` keep the layers.
A plugin imports only :mod:`core.plugin_api`, :mod:`core.models`, :mod:`core.hookspecs` and this
package's :data:`hookimpl` (and :mod:`core.testing` in its tests).
"""

import pluggy

from core.hookspecs import HOOKS_VERSION as HOOKS_VERSION  # declared with the hooks, read as core.HOOKS_VERSION

#: Decorator for hook implementations in plugins: ``@hookimpl def amphi_...``.
hookimpl = pluggy.HookimplMarker("amphi")
