"""Opencast's ingest protocol under ``/ingest/``: how Opencast Studio and capture agents upload.

The plugin serves the protocol (:mod:`plugins.opencast_ingest.views`), keeps the packages in
progress and the Digest nonces in its tables (:mod:`plugins.opencast_ingest.models`), forgets
them on schedule (:mod:`plugins.opencast_ingest.purge`) and adds three hooks to the contract
(:mod:`plugins.opencast_ingest.hookspecs`). It names no client: the plugins that serve clients
(Opencast Studio, lecture-capture boxes) implement its hooks, declare
``AMPHI_REQUIRES = ("opencast_ingest",)`` and use its public module,
:mod:`plugins.opencast_ingest.api`. Every ingest becomes a video through
:func:`core.ingest.ingest_files`.
"""

from core import hookimpl
from core.plugin_api import Setting, _
from plugins.opencast_ingest import hookspecs, purge  # noqa: F401  (purge's periodic tasks register on import)

NAME = "opencast_ingest"
AMPHI_TITLE = _("Opencast ingest")
AMPHI_DESCRIPTION = _("Receives recordings from Opencast Studio and capture agents (Opencast's ingest protocol).")
AMPHI_HOOKS = ">=2.0,<3"  # declares its hooks itself (AMPHI_HOOKSPECS) since 2.0
#: Added to the hook contract when the plugin is loaded (see :class:`core.platform.plugins.PluginHost`).
AMPHI_HOOKSPECS = hookspecs


def includeme(config):
    config.add_route("ingest.create", "/ingest/createMediaPackage")
    config.add_route("ingest.dc_catalog", "/ingest/addDCCatalog")
    config.add_route("ingest.track", "/ingest/addTrack")
    config.add_route("ingest.catalog", "/ingest/addCatalog")
    config.add_route("ingest.attachment", "/ingest/addAttachment")
    config.add_route("ingest.ingest", "/ingest/ingest")
    config.add_route("ingest.ingest_workflow", "/ingest/ingest/{workflow}")
    config.add_route("ingest.element", "/ingest/files/{package_id}/{element_id}")
    config.scan("plugins.opencast_ingest.views")


@hookimpl
def amphi_settings():
    return [
        Setting(
            "expire_hours",
            "float",
            48,
            site_editable=False,
            label=_("Hours after which a media package nobody ingested is forgotten, with its files"),
        )
    ]
