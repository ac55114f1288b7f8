"""Media on a local (or shared, mounted) filesystem under one root folder."""

from core import hookimpl
from core.plugin_api import Setting, _, plugin_settings, setting
from plugins.storage_local.storage import LocalStorage

NAME = "storage_local"
AMPHI_TITLE = _("Local storage")
AMPHI_DESCRIPTION = _("Media files on a local or mounted file system.")
AMPHI_HOOKS = ">=1.0,<3"


@hookimpl
def amphi_settings():
    return [
        Setting(
            "root",
            "str",
            "",
            label=_("Media folder"),
            site_editable=False,
            help=_("Where media files are kept (default: var/media)."),
        ),
        Setting(
            "accel_prefix",
            "str",
            "",
            label=_("nginx internal prefix"),
            site_editable=False,
            help=_("When set (e.g. /protected/), nginx sends media bytes through X-Accel-Redirect."),
        ),
    ]


@hookimpl
def amphi_storage(registry, site):
    settings = plugin_settings(registry, site, NAME)
    root = settings["root"] or f"{setting(registry.settings, 'amphi.var_dir')}/media"
    return LocalStorage(root, settings["accel_prefix"])
