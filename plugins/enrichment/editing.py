"""Checking what an editor submits, and storing an enrichment with its file."""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select

from core.models import Video
from core.plugin_api import clock, fire, parse_clock, to_millis, video_permits, video_prefix
from plugins.enrichment.models import KINDS, Enrichment

NAME = "enrichment"
MAX_TITLE, MAX_URL, MAX_BODY = 200, 2000, 20_000
#: What a document or an image may be, recognised by its first bytes (never by its name).
FILE_TYPES = {
    "document": ((b"%PDF-", ".pdf"),),
    "image": ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF87a", ".gif"), (b"GIF89a", ".gif")),
}


@dataclass
class Submitted:
    """An enrichment as the form gives it, checked: ``values`` for the row, ``data`` the new file's bytes."""

    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    data: bytes | None = None
    extension: str = ""


def video_enrichments(dbsession, video: Video) -> list[Enrichment]:
    return list(
        dbsession.scalars(
            select(Enrichment)
            .where(Enrichment.video_id == video.id)
            .order_by(Enrichment.start_ms, Enrichment.end_ms, Enrichment.id)
        )
    )


def check_form(request, video: Video, form, existing: Enrichment | None = None) -> Submitted:
    """Check the editor's form (``request.POST``) for ``video``; ``existing`` is the enrichment edited."""
    _ = request.translate
    result = Submitted()
    kind = form.get("kind", "")
    if kind not in KINDS:
        result.errors["kind"] = _("Choose what the enrichment is.")
    title = " ".join(form.get("title", "").split())
    if not title or len(title) > MAX_TITLE:
        result.errors["title"] = _("Give a title of at most ${max} characters.", max=MAX_TITLE)
    check_times(request, video, form, result)
    result.values.update(kind=kind, title=title, url="", body="", target_video_id=None)
    if kind == "link":
        check_url(request, form.get("url", "").strip(), result)
    elif kind == "text":
        body = form.get("body", "").strip()
        if not body or len(body) > MAX_BODY:
            result.errors["body"] = _("Write the text (at most ${max} characters).", max=MAX_BODY)
        result.values["body"] = body
    elif kind == "video":
        check_target(request, video, form.get("target", ""), result)
    elif kind in FILE_TYPES:
        check_file(
            request,
            kind,
            form.get("file"),
            result,
            keep=existing is not None and existing.kind == kind and bool(existing.file_key),
        )
    return result


def check_times(request, video: Video, form, result: Submitted) -> None:
    _ = request.translate
    times = {}
    for name in ("start", "end"):
        try:
            times[name] = to_millis(parse_clock(form.get(name, "")))
        except ValueError:
            result.errors[name] = _("Write the time as seconds, minutes:seconds or hours:minutes:seconds (1:30).")
    if len(times) < 2:
        return
    if times["end"] <= times["start"]:
        result.errors["end"] = _("The end must come after the start.")
    elif video.duration and times["end"] > to_millis(video.duration):
        result.errors["end"] = _(
            "The video lasts ${duration}: the enrichment must end by then.", duration=clock(video.duration)
        )
    result.values.update(start_ms=times["start"], end_ms=times["end"])


def check_url(request, url: str, result: Submitted) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL or re.search(r"\s", url):
        result.errors["url"] = request.translate("Give a web address starting with https:// or http://.")
    result.values["url"] = url


def check_target(request, video: Video, text: str, result: Submitted) -> None:
    """The other video, by its number or its address on this site; the editor must be allowed to watch it."""
    text = (text or "").strip()
    match = re.fullmatch(r"(?:\S*/videos/)?(\d+)(?:[/?#]\S*)?", text)
    host = urlsplit(text).netloc if "://" in text else ""
    target = request.dbsession.get(Video, int(match.group(1))) if match and host in ("", request.host) else None
    if target is None or target.site_id != video.site_id or not video_permits(request, target, "view"):
        result.errors["target"] = request.translate(
            "Give the address or number of a video of this site that you may watch."
        )
    elif target.id == video.id:
        result.errors["target"] = request.translate("Choose another video than this one.")
    else:
        result.values["target_video_id"] = target.id


def check_file(request, kind: str, upload, result: Submitted, keep: bool) -> None:
    _ = request.translate
    limit = int(request.plugin_settings(NAME)["max_file_size"])
    if upload is None or not hasattr(upload, "file"):
        if not keep:
            result.errors["file"] = (
                _("Choose a PDF file.") if kind == "document" else _("Choose an image (PNG, JPEG or GIF).")
            )
        return
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        result.errors["file"] = _("The file is larger than ${size} MB.", size=limit // 1_000_000)
        return
    extension = next((ext for magic, ext in FILE_TYPES[kind] if data.startswith(magic)), None)
    if extension is None:
        result.errors["file"] = (
            _("This file is not a PDF document.")
            if kind == "document"
            else _("This file is not a PNG, JPEG or GIF image.")
        )
        return
    result.data, result.extension = data, extension
    result.values["file_name"] = (upload.filename or "file" + extension).rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]


def save(request, video: Video, submitted: Submitted, enrichment: Enrichment | None = None) -> Enrichment:
    """Create or update the enrichment; a new file replaces the old one once the transaction commits."""
    if enrichment is None:
        enrichment = Enrichment(site_id=video.site_id, video_id=video.id)
        request.dbsession.add(enrichment)
    old_key = enrichment.file_key
    for name, value in submitted.values.items():
        setattr(enrichment, name, value)
    if submitted.data is not None:
        request.dbsession.flush()
        enrichment.file_key = (
            f"{video_prefix(video)}/enrichments/{enrichment.id}-{secrets.token_hex(4)}{submitted.extension}"
        )
        request.storage.save(enrichment.file_key, io.BytesIO(submitted.data))
        after_commit(request, enrichment.file_key, keep_if_committed=True)
    elif enrichment.kind not in FILE_TYPES:
        enrichment.file_key, enrichment.file_name = "", ""
    if old_key and old_key != enrichment.file_key:
        after_commit(request, old_key)
    request.dbsession.flush()
    fire(request, "amphi_video_changed", video=video)
    return enrichment


def delete(request, enrichment: Enrichment) -> None:
    if enrichment.file_key:
        after_commit(request, enrichment.file_key)
    video = request.dbsession.get(Video, enrichment.video_id)
    request.dbsession.delete(enrichment)
    request.dbsession.flush()
    fire(request, "amphi_video_changed", video=video)


def after_commit(request, key: str, keep_if_committed: bool = False) -> None:
    """Once the transaction ends, delete a file it dropped (if it committed) or wrote (if it aborted)."""
    storage = request.storage

    def remove(committed: bool = False) -> None:
        if committed != keep_if_committed and storage.exists(key):
            storage.delete(key)

    current = request.tm.get()
    current.addAfterCommitHook(remove)
    if keep_if_committed:
        current.addAfterAbortHook(remove)
