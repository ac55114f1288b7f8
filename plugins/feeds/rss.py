"""Writing an RSS 2.0 document with the iTunes namespace (xml.etree: escaping is the library's job).

Descriptions are HTML, sanitised by who renders them (the core's Markdown renderer): feed readers
show an RSS description as HTML. Every other text (titles, names, the iTunes summary) is plain
text, which readers disagree on: some show it as it is, some read it as HTML. So that it means the
same to both, a ``<`` that would open a tag is written ``‹`` (:func:`plain_text`); nothing an
author types can then become markup in either kind of reader.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from markupsafe import Markup

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("atom", ATOM)
#: ``<`` where HTML would start a tag, a comment or a declaration.
TAG_OPENING = re.compile(r"<(?=[A-Za-z/!?])")


@dataclass
class Enclosure:
    url: str
    length: int
    mime: str


@dataclass
class Item:
    title: str
    link: str
    guid: str
    published: datetime
    description: Markup  # sanitised HTML
    author: str
    duration: float | None = None
    image: str | None = None
    enclosure: Enclosure | None = None


def plain_text(text: str) -> str:
    """``text`` that reads the same as plain text and as HTML: no ``<`` that would open a tag."""
    return TAG_OPENING.sub("\u2039", text or "")


def duration_text(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 3600:d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def sub(parent, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


def render(
    title: str,
    link: str,
    self_url: str,
    description: Markup,
    language: str,
    author: str,
    image: str | None,
    items: list[Item],
) -> bytes:
    """The feed; ``description`` and each item's are sanitised HTML, every other text plain."""
    rss = ET.Element("rss", {"version": "2.0"})
    channel = sub(rss, "channel")
    sub(channel, "title", plain_text(title))
    sub(channel, "link", link)
    sub(channel, "description", str(description))
    sub(channel, f"{{{ATOM}}}link", href=self_url, rel="self", type="application/rss+xml")
    if language:
        sub(channel, "language", language)
    sub(channel, "generator", "Amphi")
    sub(channel, f"{{{ITUNES}}}author", plain_text(author))
    sub(channel, f"{{{ITUNES}}}explicit", "false")
    sub(channel, f"{{{ITUNES}}}summary", plain_text(Markup(description).striptags()))
    if image:
        sub(channel, f"{{{ITUNES}}}image", href=image)
    for entry in items:
        item = sub(channel, "item")
        sub(item, "title", plain_text(entry.title))
        sub(item, "link", entry.link)
        sub(item, "guid", entry.guid, isPermaLink="false")
        sub(item, "pubDate", format_datetime(entry.published, usegmt=True))
        sub(item, "description", str(entry.description))
        sub(item, f"{{{ITUNES}}}author", plain_text(entry.author))
        if entry.duration:
            sub(item, f"{{{ITUNES}}}duration", duration_text(entry.duration))
        if entry.image:
            sub(item, f"{{{ITUNES}}}image", href=entry.image)
        if entry.enclosure is not None:
            sub(
                item,
                "enclosure",
                url=entry.enclosure.url,
                length=str(entry.enclosure.length),
                type=entry.enclosure.mime,
            )
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True)
