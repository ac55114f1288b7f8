"""Kinds of notifications: what a user may be told, and how (in the site, by e-mail) unless they chose otherwise.

The core's kinds and every enabled plugin's come through one hook, ``amphi_notification_kinds``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.platform.plugins import collect

#: The ways a notification reaches its recipient: listed on the notifications page, sent by e-mail.
CHANNELS = ("in_app", "email")


@dataclass(frozen=True)
class NotificationKind:
    """One kind of notification, as a plugin (or the core) declares it.

    :param name: unique, prefixed by the plugin's name (``notes.reply``); at most 64 characters.
    :param label: what the preferences page calls it (a translation string).
    :param description: one sentence under the label (a translation string, may be empty).
    :param channels: the channels on by default (``in_app``, ``email``): both unless said.
    """

    name: str
    label: str
    description: str = ""
    channels: tuple[str, ...] = CHANNELS

    def __post_init__(self):
        if not self.name or len(self.name) > 64:
            raise ValueError(f"notification kind {self.name!r}: 1 to 64 characters")
        unknown = set(self.channels) - set(CHANNELS)
        if unknown:
            raise ValueError(f"notification kind {self.name!r}: unknown channels {sorted(unknown)}")


def notification_kinds(request) -> dict[str, NotificationKind]:
    """``{name: kind}`` for the request's site: the core's and those of its enabled plugins, in the hooks' order."""
    kinds: dict[str, NotificationKind] = {}
    for answer in collect(request, "amphi_notification_kinds", expect=Iterable):
        for kind in answer:
            if isinstance(kind, NotificationKind):
                kinds.setdefault(kind.name, kind)
    return kinds
