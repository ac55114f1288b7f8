"""The web: every page, the REST API and the views that serve media bytes.

It owns the request checks every route gets (``inputs``), the page views (``views``), the player's context
(``player``), the media views (``media``) and the API (``apiv1``). It is the top layer of the core: nothing
below imports it.
"""


def includeme(config):
    config.include("core.web.inputs")
    config.include("core.web.views")
    config.include("core.web.media")
    config.include("core.web.apiv1")
    config.include("core.web.sharing")
