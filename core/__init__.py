"""Amphi's minimal core: a Pyramid application that hosts plugins through pluggy hooks.

The core is a few domain packages, from the bottom layer up: :mod:`core.models` (the tables),
:mod:`core.platform`, :mod:`core.access`, :mod:`core.pipeline`, :mod:`core.catalogue`,
:mod:`core.ingest`, :mod:`core.web` and :mod:`core.pagecache`; ``.importlinter`` keeps the layers.
A plugin imports only :mod:`core.plugin_api`, :mod:`core.models`, :mod:`core.hookspecs` and this
package's :data:`hookimpl` (and :mod:`core.testing` in its tests).
"""

import pluggy

#: The version of the hook contract (``core/hookspecs.py``), semantic: a new
#: hook or argument is a minor bump, a removed or changed one a major bump.
HOOKS_VERSION = "1.4.0"

#: Decorator for hook implementations in plugins: ``@hookimpl def amphi_...``.
hookimpl = pluggy.HookimplMarker("amphi")

