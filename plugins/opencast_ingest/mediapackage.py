"""Opencast's XML documents: media packages, Dublin Core catalogues, SMIL cutting lists.

Everything a client sends is parsed with defusedxml and only read, never trusted: the
server's own record of a package (:class:`plugins.opencast_ingest.models.IngestPackage`) is the truth, the
client's copy only names the package by its ``id``.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from urllib.parse import unquote
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from core.plugin_api import Trims

MP_NS = "http://mediapackage.opencastproject.org"
WF_NS = "http://workflow.opencastproject.org"
DCTERMS_NS = "http://purl.org/dc/terms/"
#: ISO 639-2 codes Opencast writes -> the two-letter codes Amphi stores.
LANGUAGES = {
    "eng": "en",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "spa": "es",
    "ita": "it",
    "nld": "nl",
    "dut": "nl",
    "por": "pt",
    "cat": "ca",
    "eus": "eu",
    "baq": "eu",
    "bre": "br",
    "oci": "oc",
}
SECTIONS = {"track": "media", "catalog": "metadata", "attachment": "attachments"}
FLAVOR = re.compile(r"^[\w+.-]+/[\w+.-]+$")


class DocumentError(ValueError):
    """A document a client sent is not what it should be (the message says why, for the client)."""


def parse(text: str, what: str) -> Element:
    try:
        return ElementTree.fromstring(text.strip().encode("utf-8") if isinstance(text, str) else text)
    except (ElementTree.ParseError, DefusedXmlException, UnicodeError) as exc:
        raise DocumentError(f"The {what} is not well-formed XML ({exc}).") from None


def local_name(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def mediapackage_id(text: str | None) -> str:
    """The ``id`` of a client's mediapackage XML; :class:`DocumentError` when it is missing or malformed."""
    if not text or not text.strip():
        raise DocumentError("The mediaPackage field is missing: send the XML createMediaPackage returned.")
    root = parse(text, "mediaPackage field")
    if local_name(root) != "mediapackage" or not root.get("id"):
        raise DocumentError('The mediaPackage field is not a media package (a <mediapackage id="..."> element).')
    return root.get("id")


def check_flavor(flavor: str | None) -> str:
    if not flavor or not FLAVOR.match(flavor) or len(flavor) > 64:
        raise DocumentError("The flavor field is missing or malformed (type/subtype, e.g. presenter/source).")
    return flavor


def mediapackage_xml(package, url_for) -> Element:
    """The server's view of ``package`` as Opencast writes it; ``url_for(element)`` gives each URL."""
    root = Element("mediapackage", {"xmlns": MP_NS, "id": package.id, "start": iso(package.created_at)})
    if package.metadata_.get("title"):
        SubElement(root, "title").text = package.metadata_["title"]
    sections = {name: SubElement(root, name) for name in ("media", "metadata", "attachments")}
    SubElement(root, "publications")
    for element in package.elements:
        node = SubElement(
            sections[SECTIONS[element["kind"]]], element["kind"], {"id": element["id"], "type": element["flavor"]}
        )
        SubElement(node, "mimetype").text = element.get("mime") or "application/octet-stream"
        tags = SubElement(node, "tags")
        for tag in element.get("tags", []):
            SubElement(tags, "tag").text = tag
        SubElement(node, "url").text = url_for(element)
        if element["kind"] == "track":
            SubElement(node, "size").text = str(element.get("size", 0))
    return root


def workflow_xml(package, mediapackage: Element, definition: str, workflow_id: int) -> str:
    """What ``/ingest/ingest`` answers: a workflow instance holding the package."""
    root = Element("workflow", {"xmlns": WF_NS, "id": str(workflow_id), "state": "INSTANTIATED"})
    SubElement(root, "template").text = definition or "amphi"
    SubElement(root, "title").text = package.metadata_.get("title", "")
    root.append(mediapackage)
    return document(root)


def document(root: Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + tostring(root, encoding="unicode")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Dublin Core -------------------------------------------------------------------------------


def dublin_core(text: str) -> dict:
    """The terms of a Dublin Core catalogue: ``{"title": ..., "creator": [...], ...}``.

    Opencast Studio sends the catalogue URL-encoded (``encodeURIComponent``); both forms are read.
    Repeatable terms (creator, contributor, subject) are lists.
    """
    text = (text or "").strip()
    if text and not text.startswith("<"):
        text = unquote(text).strip()
    if not text:
        raise DocumentError("The Dublin Core catalogue is missing.")
    root = parse(text, "Dublin Core catalogue")
    if local_name(root) != "dublincore":
        raise DocumentError("The catalogue is not Dublin Core (a <dublincore> element).")
    terms: dict = {}
    for child in root:
        name, value = local_name(child), (child.text or "").strip()
        if not value:
            continue
        if name in ("creator", "contributor", "subject"):
            terms.setdefault(name, []).append(value)
        else:
            terms.setdefault(name, value)
    return terms


def video_metadata(terms: dict) -> dict:
    """Dublin Core terms -> the metadata :func:`core.ingest.ingest_files` takes (and what plugins read)."""
    metadata = {
        key: terms[key] for key in ("title", "description", "creator", "isPartOf", "subject", "spatial") if key in terms
    }
    if "title" in metadata:
        metadata["title"] = metadata["title"][:250]
    language = str(terms.get("language", "")).lower()
    if language:
        metadata["language"] = LANGUAGES.get(language, language[:2] if len(language) <= 3 else "")
    created = str(terms.get("created", "") or terms.get("temporal", ""))
    if re.match(r"^\d{4}-\d{2}-\d{2}", created):
        metadata["date_recorded"] = created[:10]
    return metadata


# --- SMIL cutting (Studio's trims) -------------------------------------------------------------


def smil_trims(text: str) -> Trims | None:
    """The ``clipBegin``/``clipEnd`` of a SMIL catalogue as :class:`Trims` (None when it cuts nothing)."""
    root = parse(text, "SMIL catalogue")
    for node in root.iter():
        begin, end = node.get("clipBegin"), node.get("clipEnd")
        if begin is None and end is None:
            continue
        start, stop = clock(begin), clock(end)
        if stop is not None and (not math.isfinite(stop) or stop >= 1e9):
            stop = None  # Studio writes Number.MAX_VALUE for "to the end"
        try:
            trims = Trims(start or None, stop)
        except ValueError:
            raise DocumentError("The cutting marks are out of order.") from None
        return trims if trims.cuts else None
    return None


def clock(value: str | None) -> float | None:
    """A SMIL clock value: ``12.5s``, ``1500ms``, ``00:01:02.5`` -> seconds."""
    if value is None:
        return None
    value = value.strip()
    try:
        if value.endswith("ms"):
            return float(value[:-2]) / 1000
        if value.endswith("s"):
            return float(value[:-1])
        if ":" in value:
            seconds = 0.0
            for part in value.split(":"):
                seconds = seconds * 60 + float(part)
            return seconds
        return float(value)
    except ValueError:
        raise DocumentError(f"The cutting mark {value!r} is not a time.") from None
