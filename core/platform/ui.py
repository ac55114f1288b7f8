"""What plugins contribute to pages through the UI hooks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.platform.plugins import collect


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


@dataclass(frozen=True)
class Badge:
    """A small marker of a video in listings (``amphi_video_badges``); ``label`` is already translated."""

    label: str
    name: str = ""  # a CSS-friendly name (``enriched``), for styling


def video_badges(request, videos) -> dict[int, list[Badge]]:
    """The badges the site's plugins give a page of listed videos: ``{video_id: [Badge]}``.

    Each plugin answers once for the whole list; a plugin that raises is logged and left out.
    """
    videos = list(videos)
    badges: dict[int, list[Badge]] = {}
    if not videos:
        return badges
    for answer in collect(request, "amphi_video_badges", expect=dict, videos=videos):
        for video_id, items in answer.items():
            badges.setdefault(video_id, []).extend(items)
    return badges


def nav_items(request) -> list[NavItem]:
    """The navigation of the request's site, from its enabled plugins, in order."""
    return sorted(contributions(request, "amphi_nav_items"), key=lambda item: (item.order, item.title))


def contributions(request, hook: str, **kwargs) -> list:
    """Every item the site's plugins contribute through a UI hook, each plugin called on its own.

    A plugin that raises, or answers something else than a list, is logged and left out
    (:func:`core.platform.plugins.collect`): an integration never breaks a page.
    """
    return [item for answer in collect(request, hook, expect=Iterable, **kwargs) for item in answer]


@dataclass(frozen=True)
class FeedLink:
    """A feed of a page's subject (``amphi_feed_links``); ``title`` already translated."""

    title: str
    url: str
    mime: str = "application/rss+xml"


@dataclass(frozen=True)
class HomeBlock:
    """A block a plugin offers to the home page (``amphi_home_blocks``).

    ``id`` is stable (stored in the site's choice, e.g. ``stats.most_viewed``); ``title`` is already
    translated; ``video_ids(limit)`` returns up to ``limit`` ids of the site's videos, best first
    (the core drops those the request may not see). A block of something else than videos gives
    ``markup(limit)`` instead: the block's content (escaped by the plugin; only what the request may
    see), or ``""`` to leave the block out of the page. ``url`` links to more; a block
    ``shown_by_default`` shows first on the home page of a site whose admins never chose blocks.
    """

    id: str
    title: str
    video_ids: Callable[[int], list[int]] | None = None
    markup: Callable[[int], str] | None = None
    url: str | None = None
    shown_by_default: bool = False


def count_param(request, name: str) -> int | None:
    """A count carried in the query string (``?deleted=3`` after a redirect), or None when absent or not one."""
    value = request.params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def take_flash(request, queue: str = "") -> list:
    """The flash messages of ``queue``, taken off it; an empty queue is only read, so an anonymous
    visitor's page starts no session and stays cacheable (:mod:`core.pagecache`)."""
    if not request.session.peek_flash(queue):
        return []
    # Messages for this visitor alone: the page is not shared (core.pagecache.no_cache, which this layer cannot name).
    request.environ["amphi.page_cache.refused"] = True
    return request.session.pop_flash(queue)
