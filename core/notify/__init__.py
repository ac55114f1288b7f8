"""Notifications and the mail service: what users are told, in the site and by e-mail, as each chose.

:mod:`core.notify.mail` sends e-mail (a folder of ``.eml`` files by default, or SMTP), from a task
after the commit (:mod:`core.notify.tasks`); :mod:`core.notify.service` notifies a user and keeps
their list, unread count and preferences; the kinds (the core's and the plugins', through
``amphi_notification_kinds``) are in :mod:`core.notify.kinds`; :mod:`core.notify.events` notifies
the owners of a video that is ready, failed or shared. The pages and the API are in :mod:`core.web`.
"""

from __future__ import annotations

from core.notify import events, tasks  # noqa: F401  (the tasks are registered with huey on import)


def includeme(config):
    """Register the core's notification events on the plugin manager, as a plugin's would be."""
    pm = config.registry.plugins.pm
    if not pm.is_registered(events):
        pm.register(events, name=events.__name__)
