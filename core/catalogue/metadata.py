"""Editing a video's description: validation of the edit form and the catalogue lists.

:func:`apply_metadata` checks every field first and changes nothing when one is
wrong (``ValidationError`` with a message per field, shown beside it).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime

from babel import Locale
from sqlalchemy import select

from core.access.groups import site_groups
from core.access.security import hash_password
from core.catalogue.channel_forms import pick_channels
from core.catalogue.channels import addable_channels
from core.models import ACCESS_LEVELS, BULK_ACCESS, LICENSES, Discipline, Group, Tag, User, Video, VideoType, utcnow
from core.notify.events import video_shared
from core.platform.errors import ValidationError
from core.platform.i18n import _, plural
from core.platform.markup import slugify

LICENSE_LABELS = {
    "all-rights-reserved": _("All rights reserved"),
    "cc-by": _("Creative Commons Attribution (CC BY)"),
    "cc-by-sa": _("Creative Commons Attribution-ShareAlike (CC BY-SA)"),
    "cc-by-nd": _("Creative Commons Attribution-NoDerivatives (CC BY-ND)"),
    "cc-by-nc": _("Creative Commons Attribution-NonCommercial (CC BY-NC)"),
    "cc-by-nc-sa": _("Creative Commons Attribution-NonCommercial-ShareAlike (CC BY-NC-SA)"),
    "cc-by-nc-nd": _("Creative Commons Attribution-NonCommercial-NoDerivatives (CC BY-NC-ND)"),
    "cc0": _("Public domain dedication (CC0)"),
}
LICENSE_URLS = {
    "cc0": "https://creativecommons.org/publicdomain/zero/1.0/",
    **{key: f"https://creativecommons.org/licenses/{key[3:]}/4.0/" for key in LICENSES if key.startswith("cc-by")},
}
ACCESS_LABELS = {
    "draft": _("Draft: only its owners"),
    "public": _("Public"),
    "signed-in": _("Signed-in users of this site"),
    "groups": _("Members of chosen groups"),
    "password": _("Anyone with the password"),
}
#: What a video's processing status and its jobs' states read as (the values are stored in English).
STATUS_LABELS = {
    "uploaded": _("Uploaded, waiting"),
    "processing": _("Being processed"),
    "ready": _("Ready to play"),
    "failed": _("Processing failed"),
}
JOB_STATE_LABELS = {
    "queued": _("Waiting"),
    "running": _("Running"),
    "done": _("Done"),
    "failed": _("Stopped by an error"),
    "cancelled": _("Cancelled"),
}
MAX_TAGS, MAX_TAG_LENGTH, MAX_OWNERS = 30, 64, 20
MIN_PASSWORD = 6
MIN_YEAR = 1000


def type_title(request, vtype) -> str:
    """A type's title in the request's language (the seeded defaults are translated)."""
    return request.localizer.translate(_(vtype.title))


def site_video_types(dbsession, site_id: int) -> list[VideoType]:
    return dbsession.scalars(
        select(VideoType).where(VideoType.site_id == site_id).order_by(VideoType.position, VideoType.id)
    ).all()


def site_disciplines(dbsession, site_id: int) -> list[Discipline]:
    return dbsession.scalars(
        select(Discipline).where(Discipline.site_id == site_id).order_by(Discipline.position, Discipline.id)
    ).all()


@functools.lru_cache(maxsize=16)
def language_choices(locale: str) -> list[tuple[str, str]]:
    """Two-letter language codes with their names in ``locale``, by name (computed once per locale)."""
    names = Locale.parse(locale).languages
    return sorted(
        ((code, names[code]) for code in names if isinstance(code, str) and len(code) == 2),
        key=lambda c: c[1].casefold(),
    )


def normalise_tag(text: str) -> str:
    """``  Machine   Learning `` -> ``machine learning`` (NFC, lower case, single spaces)."""
    return " ".join(unicodedata.normalize("NFC", text).split()).lower()


def parse_tags(text: str) -> list[str]:
    """Comma-separated words, normalised, without duplicates, in the order given."""
    tags = []
    for part in (text or "").split(","):
        tag = normalise_tag(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def get_tags(dbsession, site_id: int, names: list[str]) -> list[Tag]:
    """The site's tags of these names, created when missing."""
    existing = {t.name: t for t in dbsession.scalars(select(Tag).where(Tag.site_id == site_id, Tag.name.in_(names)))}
    tags = []
    for name in names:
        if name not in existing:
            existing[name] = Tag(site_id=site_id, name=name)
            dbsession.add(existing[name])
        tags.append(existing[name])
    return tags


@dataclass
class MetadataForm:
    """The fields of the edit page, as submitted (strings and lists of strings)."""

    title: str = ""
    description: str = ""
    type_id: str = ""
    discipline_ids: tuple = ()
    tags: str = ""
    license: str = "all-rights-reserved"
    language: str = ""
    date_recorded: str = ""
    owners: str = ""
    allow_downloads: bool = False
    poster_key: str = ""
    access: str = "draft"
    password: str = ""
    group_ids: tuple = ()
    publish_at: str = ""
    channel_ids: tuple = ()
    theme_ids: tuple = ()

    @classmethod
    def from_post(cls, post) -> MetadataForm:
        return cls(
            **{
                name: post.get(name, "").strip()
                for name in (
                    "title",
                    "description",
                    "type_id",
                    "tags",
                    "license",
                    "language",
                    "date_recorded",
                    "owners",
                    "poster_key",
                    "access",
                    "publish_at",
                )
            },
            password=post.get("password", ""),
            allow_downloads="allow_downloads" in post,
            discipline_ids=tuple(post.getall("discipline_ids")),
            group_ids=tuple(post.getall("group_ids")),
            channel_ids=tuple(post.getall("channel_ids")),
            theme_ids=tuple(post.getall("theme_ids")),
        )

    @classmethod
    def from_video(cls, video: Video) -> MetadataForm:
        publish_at = video.publish_at.astimezone(UTC).isoformat(timespec="minutes")[:16] if video.publish_at else ""
        return cls(
            title=video.title,
            description=video.description,
            type_id=str(video.type_id or ""),
            discipline_ids=tuple(str(d.id) for d in video.disciplines),
            tags=", ".join(t.name for t in video.tags),
            license=video.license,
            language=video.language,
            date_recorded=video.date_recorded.isoformat() if video.date_recorded else "",
            owners=", ".join(u.username for u in video.additional_owners),
            allow_downloads=video.allow_downloads,
            poster_key=video.poster_key,
            access=video.access,
            group_ids=tuple(str(g.id) for g in video.allowed_groups),
            publish_at=publish_at,
            channel_ids=tuple(str(c.id) for c in video.channels),
            theme_ids=tuple(str(t.id) for t in video.themes),
        )


def _pick(rows, wanted) -> tuple[list, bool]:
    by_id = {str(row.id): row for row in rows}
    return [by_id[i] for i in wanted if i in by_id], all(i in by_id for i in wanted)


def _parse_date(text: str, errors: dict) -> date | None:
    if not text:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        errors["date_recorded"] = _("A date such as 2024-03-18 is expected.")
        return None
    if value > utcnow().date():
        errors["date_recorded"] = _("The recording date cannot be in the future.")
    return value


def _parse_publish_at(text: str, errors: dict) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
    except ValueError:
        when = None
    if when is None or when.year < MIN_YEAR:  # strftime and the browser's date field want 4 digits
        errors["publish_at"] = _("A date and time such as 2024-03-18T09:30 is expected.")
    return when


def _parse_owners(request, video: Video, text: str, errors: dict) -> list[User]:
    names = [n for n in re.split(r"[\s,;]+", text) if n]
    users, unknown = [], []
    for name in dict.fromkeys(names):
        user = request.dbsession.scalar(select(User).where(User.site_id == video.site_id, User.username == name))
        if user is None or not user.is_active:
            unknown.append(name)
        elif user.id != video.owner_id:
            users.append(user)
    if unknown:
        errors["owners"] = _("No such user on this site: ${names}", mapping={"names": ", ".join(unknown)})
    elif len(users) > MAX_OWNERS:
        errors["owners"] = plural(
            "At most ${n} additional owner.", "At most ${n} additional owners.", MAX_OWNERS, n=MAX_OWNERS
        )
    return users


def _check_text(form: MetadataForm, errors: dict) -> list[str]:
    if not form.title or len(form.title) > 250:
        errors["title"] = _("A title of 1 to 250 characters is needed.")
    if len(form.description) > 20000:
        errors["description"] = _("The description is longer than 20,000 characters.")
    tags = parse_tags(form.tags)
    if len(tags) > MAX_TAGS:
        errors["tags"] = plural("At most ${n} tag.", "At most ${n} tags.", MAX_TAGS, n=MAX_TAGS)
    elif any(len(t) > MAX_TAG_LENGTH for t in tags):
        errors["tags"] = plural(
            "A tag has at most ${length} character.",
            "A tag has at most ${length} characters.",
            MAX_TAG_LENGTH,
            length=MAX_TAG_LENGTH,
        )
    _check_license_language(form.license, form.language, errors)
    return tags


def _check_license_language(license: str, language: str, errors: dict) -> None:
    if license not in LICENSES:
        errors["license"] = _("Choose one of the proposed licences.")
    if language and language not in dict(language_choices("en")):
        errors["language"] = _("Choose one of the proposed languages.")


def _check_access(video: Video, form: MetadataForm, groups: list[Group], errors: dict) -> None:
    if form.access not in ACCESS_LEVELS:
        errors["access"] = _("Choose one of the proposed access levels.")
    if form.access == "groups" and not groups:
        errors["group_ids"] = _("Choose at least one group.")
    if form.access == "password":
        if form.password and len(form.password) < MIN_PASSWORD:
            errors["password"] = plural(
                "A password of at least ${n} character is needed.",
                "A password of at least ${n} characters is needed.",
                MIN_PASSWORD,
                n=MIN_PASSWORD,
            )
        elif not form.password and not video.password_hash:
            errors["password"] = _("Choose a password for this video.")


def apply_metadata(request, video: Video, form: MetadataForm) -> None:
    """Check every field of ``form``, then change ``video``; on any error raise and change nothing."""
    db, site_id = request.dbsession, video.site_id
    errors: dict[str, str] = {}
    tags = _check_text(form, errors)
    vtype, type_ok = _pick(site_video_types(db, site_id), [form.type_id] if form.type_id else [])
    disciplines, disciplines_ok = _pick(site_disciplines(db, site_id), form.discipline_ids)
    groups, groups_ok = _pick(site_groups(db, site_id), form.group_ids)
    for field, ok in (("type_id", type_ok), ("discipline_ids", disciplines_ok), ("group_ids", groups_ok)):
        if not ok:
            errors[field] = _("Choose among the proposed values.")
    recorded = _parse_date(form.date_recorded, errors)
    publish_at = _parse_publish_at(form.publish_at, errors)
    owners = _parse_owners(request, video, form.owners, errors)
    thumbnails = {f.key for f in video.files if f.kind == "thumbnail"}
    if form.poster_key and form.poster_key != video.poster_key and form.poster_key not in thumbnails:
        errors["poster_key"] = _("Choose one of the proposed images.")
    _check_access(video, form, groups, errors)
    in_channels = pick_channels(request, video, form.channel_ids, form.theme_ids, errors)
    if errors or in_channels is None:  # None comes with its errors
        raise ValidationError(errors)
    video.title, video.description, video.license, video.language = (
        form.title,
        form.description,
        form.license,
        form.language,
    )
    video.type, video.disciplines, video.tags = (vtype[0] if vtype else None), disciplines, get_tags(db, site_id, tags)
    added = [user for user in owners if user not in video.additional_owners]
    video.date_recorded, video.publish_at, video.additional_owners = recorded, publish_at, owners
    video.allow_downloads, video.poster_key = form.allow_downloads, form.poster_key or video.poster_key
    set_access(video, form.access, groups=groups, password=form.password)
    video.channels, video.themes = in_channels
    video_shared(request, video, added)


def set_access(video: Video, access: str, groups: list[Group] | None = None, password: str = "") -> None:
    """Change who may watch; a new password re-locks every session that had the old one."""
    video.access = access
    video.allowed_groups = list(groups or []) if access == "groups" else []
    if access != "password":
        video.password_hash = ""
    elif password:
        video.password_hash = hash_password(password)


# --- the site admin's lists ------------------------------------------------------

CATALOGUE_LISTS: dict[str, type[VideoType] | type[Discipline]] = {"type": VideoType, "discipline": Discipline}


def add_list_entry(dbsession, site_id: int, kind: str, title: str):
    """Add a video type or a discipline at the end of the site's list."""
    model, title = CATALOGUE_LISTS[kind], " ".join(title.split())
    if not title or len(title) > 150:
        raise ValidationError({"title": _("A name of 1 to 150 characters is needed.")})
    rows = dbsession.scalars(select(model).where(model.site_id == site_id)).all()
    if any(row.title.casefold() == title.casefold() for row in rows):
        raise ValidationError({"title": _("This name is in the list already.")})
    base, taken = slugify(title, 60), {row.slug for row in rows}
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    entry = model(site_id=site_id, slug=slug, title=title, position=max((r.position for r in rows), default=-1) + 1)
    dbsession.add(entry)
    dbsession.flush()
    return entry


def rename_list_entry(entry, title: str) -> None:
    title = " ".join(title.split())
    if not title or len(title) > 150:
        raise ValidationError({"title": _("A name of 1 to 150 characters is needed.")})
    entry.title = title


# --- what an upload may say of its video ---------------------------------------------

#: Who may watch an upload once it is ready, as chosen on the upload page (groups and a password
#: need more than one word: they are set on the edit page).
UPLOAD_ACCESS = BULK_ACCESS  # who may watch new uploads once ready (a site's choice)
#: The Upload-Metadata keys (tus) that become fields of the video, beside ``filename`` and ``filetype``.
UPLOAD_KEYS = ("title", "description", "access", "language", "license", "channel")


def check_upload_metadata(request, metadata: dict, lenient: bool = False) -> dict:
    """The video fields an upload's metadata asks for, checked as the edit page checks them.

    Keys left out keep the video's defaults (the site's access for new uploads, no language,
    all rights reserved, no channel). ``channel`` is the slug of a channel the uploader may add
    videos to. Returns ``create_video`` keywords; raises :class:`ValidationError` (nothing kept)
    when a value is not one the upload page offers, unless ``lenient``: then such values are left
    out (an upload that was accepted is never lost because a channel closed while it was sent).
    """
    values = {key: str(metadata.get(key) or "").strip() for key in UPLOAD_KEYS}
    errors = {}
    if len(values["title"]) > 250:
        errors["title"] = _("A title has at most 250 characters.")
    if len(values["description"]) > 20000:
        errors["description"] = _("The description is longer than 20,000 characters.")
    _check_license_language(values["license"] or "all-rights-reserved", values["language"], errors)
    if values["access"] and values["access"] not in UPLOAD_ACCESS:
        errors["access"] = _("Choose one of the proposed access levels.")
    channel = _upload_channel(request, values["channel"], errors)
    if errors and not lenient:
        raise ValidationError(errors)
    values.update({key: "" for key in errors})
    fields: dict[str, object] = {
        key: values[key] for key in ("title", "description", "access", "language", "license") if values[key]
    }
    if channel is not None:
        fields["channels"] = [channel]
    return fields


def _upload_channel(request, slug: str, errors: dict):
    if not slug:
        return None
    channel = next((c for c in addable_channels(request) if c.slug == slug), None)
    if channel is None:
        errors["channel"] = _("Choose one of the channels you may add videos to.")
    return channel
