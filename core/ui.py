"""What plugins contribute to pages through the UI hooks."""

from __future__ import annotations

from dataclasses import dataclass


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
    items = [item for answer in request.hooks.amphi_nav_items(request=request) for item in (answer or [])]
    return sorted(items, key=lambda item: (item.order, item.title))
