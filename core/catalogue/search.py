"""Search: what a search plugin is asked, what it answers, and what it indexes.

The site's enabled search plugin answers ``amphi_search`` with
:class:`SearchResults`. To obey the same access rules as lists it restricts
matches to :func:`searchable_ids` (a subquery, so later changes of the rules
apply to search at once) and drops :func:`denied_ids`; what the visitor may
list but not watch (:func:`locked_ids`: a password to give) it matches on the
title alone, as lists show it, and counts none of its facets. What it indexes for a
video comes from :func:`search_document`, which other plugins feed through
``amphi_search_text`` and ``amphi_search_facets``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from babel import Locale, UnknownLocaleError
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from core.catalogue.listing import DURATION_BUCKETS, locked_condition, permitted, plugins_may_deny, visible_videos
from core.catalogue.tracks import searched_text
from core.models import Video
from core.platform.i18n import _
from core.platform.plugins import collect

SORTS = ("relevance", "date")
MAX_TEXT_LENGTH = 200
MAX_PER_PAGE = 100
MAX_FILTER_VALUES = 20
FACET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

#: Duration buckets of the ``duration`` facet: :data:`core.catalogue.listing.DURATION_BUCKETS` (the browse page's too).
DURATION_LABELS = {
    "short": _("Under 5 minutes"),
    "medium": _("5 to 20 minutes"),
    "long": _("20 to 60 minutes"),
    "very-long": _("Over an hour"),
}
#: Facet headings, in the order the page shows them; other facets follow under their own name.
FACET_TITLES = {
    "type": _("Type"),
    "discipline": _("Discipline"),
    "channel": _("Channel"),
    "tag": _("Tag"),
    "language": _("Language"),
    "year": _("Year"),
    "duration": _("Duration"),
}


def clean_text(text: str, length: int = MAX_TEXT_LENGTH) -> str:
    """User text made safe to store and search: no control characters, spaces collapsed, capped."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", str(text or "")).split())[:length]


def fold_accents(text: str) -> str:
    """``Élève`` -> ``Eleve``: what an accent-insensitive index stores and is queried with."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_words(text: str) -> list[str]:
    """The words of a query (letters and digits); operators, quotes, emoji are not words."""
    return [w for w in re.split(r"[\W_]+", text) if w]


@dataclass
class SearchQuery:
    """What a user asks: words, facet filters, ranges, an order and a page."""

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    min_duration: float | None = None  # seconds
    max_duration: float | None = None
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def __post_init__(self):
        self.text = clean_text(self.text)
        self.filters = {
            facet: [clean_text(v) for v in values][:MAX_FILTER_VALUES]
            for facet, values in (self.filters or {}).items()
            if FACET_NAME.match(facet) and values
        }
        if self.sort not in SORTS:
            self.sort = "relevance"
        self.page = max(1, int(self.page))
        self.per_page = max(1, min(MAX_PER_PAGE, int(self.per_page)))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def by_date(self) -> bool:
        """Newest first: asked for, or nothing to rank by relevance."""
        return self.sort == "date" or not self.text


@dataclass(frozen=True)
class FacetCount:
    """One value of a facet among the visible matches."""

    value: str
    label: str
    count: int


@dataclass
class SearchResults:
    """A page of visible matches, in order, with the total and the facet counts of all of them."""

    videos: list[Video]
    total: int
    facets: dict[str, list[FacetCount]]
    query: SearchQuery
    #: What the page tells the visitor when the search could not be done (the search service is down...).
    error: str = ""

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.query.per_page))


# --- access ----------------------------------------------------------------------


def searchable_ids(request) -> Select:
    """Ids of the site's ready videos the request may find in lists (a subquery)."""
    return visible_videos(request).where(Video.status == "ready").with_only_columns(Video.id)


def searchable_condition(request):
    """:func:`searchable_ids` as a condition on ``Video`` (to join an index to the videos table)."""
    return visible_videos(request).where(Video.status == "ready").whereclause


def locked_ids(request, ids: list[int]) -> set[int]:
    """Those of ``ids`` the request may list but not watch (:func:`core.catalogue.listing.locked_condition`):
    only their title may match its words, and none of their facets is counted or filtered on."""
    locked = locked_condition(request)
    if locked is None or not ids:
        return set()
    found = set()
    for start in range(0, len(ids), 500):
        found.update(request.dbsession.scalars(select(Video.id).where(Video.id.in_(ids[start : start + 500]), locked)))
    return found


def denied_ids(request, ids: list[int]) -> set[int]:
    """Those of ``ids`` a plugin denies through ``amphi_permits`` (as lists drop them)."""
    if not ids or not plugins_may_deny(request):
        return set()
    denied = set()
    for start in range(0, len(ids), 500):
        videos = request.dbsession.scalars(select(Video).where(Video.id.in_(ids[start : start + 500]))).all()
        denied |= {v.id for v in videos} - {v.id for v in permitted(request, videos)}
    return denied


def videos_in_order(request, ids: list[int]) -> list[Video]:
    """Load videos by id (with their owners, whom result pages show), keeping the order of ``ids``."""
    query = select(Video).where(Video.id.in_(ids)).options(selectinload(Video.owner))
    found = {v.id: v for v in request.dbsession.scalars(query)} if ids else {}
    return [found[i] for i in ids if i in found]


# --- the indexed document ------------------------------------------------------------


def duration_bucket(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    for value, low, high in DURATION_BUCKETS:
        if seconds >= low and (high is None or seconds < high):
            return value
    return None


def sort_date(video: Video) -> datetime:
    """The date a video is sorted by: when it was recorded, else when it was added."""
    if video.date_recorded is not None:
        return datetime.combine(video.date_recorded, time(), tzinfo=UTC)
    return video.created_at


def search_document(request, video: Video) -> dict:
    """What a search plugin indexes for ``video``.

    ``{"video_id", "site_id", "language", "year", "duration", "date", "title",
    "text": {field: text}, "facets": {facet: [(value, label)]}}``; ``text``
    holds the description, the owners' names, the tags, the words of the
    subtitle, caption and description tracks the player offers
    (:func:`core.catalogue.tracks.searched_text`: a person's or a transcriber's), the
    public channels' and their themes' names and what plugins contribute
    through ``amphi_search_text``; ``facets`` holds language, year, duration bucket,
    type, disciplines, tags, public channels and what plugins contribute
    through ``amphi_search_facets``.
    """
    owners = [video.owner, *video.additional_owners]
    date = sort_date(video)
    text = {
        "description": clean_text(video.description, 100_000),
        "owners": " ".join(clean_text(o.name) for o in owners if o is not None),
        "tags": " ".join(t.name for t in video.tags),
    }
    captions = searched_text(request, video)
    if captions:
        text["captions"] = clean_text(captions, 1_000_000)
    for contribution in collect(request, "amphi_search_text", expect=dict, video=video):
        for name, value in contribution.items():
            if FACET_NAME.match(str(name)) and value:
                text[name] = (text.get(name, "") + " " + clean_text(value, 1_000_000)).strip()
    facets: dict[str, dict[str, str]] = {}
    bucket = duration_bucket(video.duration)
    for facet, value in (("language", video.language), ("year", str(date.year)), ("duration", bucket)):
        if value:
            facets[facet] = {value: value}
    # The catalogue's own lists (core.models.catalog): value in the URL, title on the page.
    if video.type is not None:
        facets["type"] = {video.type.slug: video.type.title}
    if video.disciplines:
        facets["discipline"] = {d.slug: d.title for d in video.disciplines}
    if video.tags:
        facets["tag"] = {t.name: t.name for t in video.tags}
    # Only public channels: the index answers everyone, and a hidden channel's name is nobody else's business.
    channels = [c for c in video.channels if c.visibility == "public"]
    if channels:
        facets["channel"] = {c.slug: c.title for c in channels}
        text["channels"] = " ".join(
            [*(c.title for c in channels), *(t.title for t in video.themes if t.channel in channels)]
        )
    for contribution in collect(request, "amphi_search_facets", expect=dict, video=video):
        for facet, pairs in contribution.items():
            if FACET_NAME.match(str(facet)):
                for value, label in pairs:
                    facets.setdefault(facet, {})[clean_text(value)] = clean_text(label) or clean_text(value)
    return {
        "video_id": video.id,
        "site_id": video.site_id,
        "language": video.language or "",
        "year": date.year,
        "duration": video.duration,
        "date": date,
        "title": clean_text(video.title, 250),
        "text": text,
        "facets": {facet: sorted(values.items()) for facet, values in facets.items() if values},
    }


# --- what the page shows -----------------------------------------------------------


def facet_title(request, facet: str) -> str:
    title = FACET_TITLES.get(facet)
    return request.localizer.translate(title) if title is not None else facet.replace("_", " ").capitalize()


def facet_label(request, facet: str, value: str, label: str) -> str:
    """The label shown for a facet value (the core's own facets are translated here)."""
    if facet == "duration" and value in DURATION_LABELS:
        return request.localizer.translate(DURATION_LABELS[value])
    if facet == "language":
        return language_name(value, request.locale_name)
    if facet == "type" and label:  # the seeded types' titles are in the catalogue (core.catalogue.metadata.type_title)
        return request.localizer.translate(_(label))
    return label or value


def language_name(code: str, locale: str) -> str:
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(locale)
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:] if name else code


def facet_order(facet: str, counts: list[FacetCount]) -> list[FacetCount]:
    """Years newest first, durations shortest first, the rest most frequent first."""
    if facet == "year":
        return sorted(counts, key=lambda c: c.value, reverse=True)
    if facet == "duration":
        rank = {value: i for i, (value, _low, _high) in enumerate(DURATION_BUCKETS)}
        return sorted(counts, key=lambda c: rank.get(c.value, len(rank)))
    return sorted(counts, key=lambda c: (-c.count, c.label.lower()))


def ordered_facet_names(names) -> list[str]:
    known = [name for name in FACET_TITLES if name in names]
    return known + sorted(name for name in names if name not in FACET_TITLES)


def search(request, query: SearchQuery) -> SearchResults | None:
    """Ask the site's search plugin; ``None`` when none is enabled."""
    return request.hooks.amphi_search(request=request, query=query)


def suggest(request, prefix: str, limit: int = 8) -> list[str]:
    """Completions for the search box; empty when no search plugin is enabled."""
    prefix = clean_text(prefix, 100)
    if len(prefix) < 2 or not search_words(prefix):
        return []
    return list(request.hooks.amphi_search_suggest(request=request, prefix=prefix, limit=limit) or [])[:limit]


def unique_ignoring_case(items: list[str]) -> list[str]:
    """``items`` without repeats that differ only in case, first spelling kept (for suggestions)."""
    seen, kept = set(), []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            kept.append(item)
    return kept
