"""What plugins contribute to pages through the UI hooks."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavItem:
    """A link in the navigation (``amphi_nav_items``) or an action on a video page.

    ``title`` is already translated (use ``request.localizer.translate``).
    """

    title: str
    url: str
    order: int = 100
    icon: str = ""


@dataclass(frozen=True)
class Panel:
    """A panel beside the player; ``html`` must already be escaped or rendered safely."""

    id: str
    title: str
    html: str
    order: int = 100


@dataclass(frozen=True)
class PlayerTrack:
    """A WebVTT track offered by the player."""

    kind: str
    language: str
    label: str
    url: str
    default: bool = False


def nav_items(request) -> list[NavItem]:
    """The navigation of the request's site, from its enabled plugins, in order."""
    return sorted(contributions(request, "amphi_nav_items"), key=lambda item: (item.order, item.title))


def contributions(request, hook: str, **kwargs) -> list:
    """Every item the site's plugins contribute through a UI hook, each plugin called on its own.

    A plugin that raises is logged and left out: an integration never breaks a page.
    """
    items = []
    for impl in reversed(getattr(request.hooks, hook).get_hookimpls()):
        try:
            items.extend(impl.function(request=request, **kwargs) or [])
        except Exception:
            log.exception("plugin %s failed in %s", impl.plugin_name, hook)
    return items
