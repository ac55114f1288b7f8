"""The platform: what every other part of Amphi stands on.

It owns the application's assembly (:mod:`~core.platform.app`), the database wiring (``db``, ``migrate``),
settings, the plugin host (``plugins``) and what plugins contribute to pages (``ui``), sites, French and
English (``i18n``), the error family (``errors``), the task queue (``tasks``), derived keys, private files,
processes and the server. It imports no other part of the core: the layers above it are listed in
``[tool.importlinter]`` in ``pyproject.toml``.
"""


def includeme(config):
    config.include("core.platform.db")
    config.include("core.platform.sites")
    config.include("core.platform.i18n")
    config.include("core.platform.tasks")
