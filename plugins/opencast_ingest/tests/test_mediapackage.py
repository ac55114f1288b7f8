"""Opencast's documents read as clients send them (plugins.opencast_ingest.mediapackage)."""

from urllib.parse import quote

import pytest

from core.ingest import Trims
from plugins.opencast_ingest.mediapackage import (
    DocumentError,
    clock,
    dublin_core,
    mediapackage_id,
    smil_trims,
    video_metadata,
)

PYCA_DC = """<?xml version="1.0" encoding="UTF-8"?>
<dublincore xmlns="http://www.opencastproject.org/xsd/1.0/dublincore/" xmlns:dcterms="http://purl.org/dc/terms/">
  <dcterms:title>Amphi B &amp; TD</dcterms:title><dcterms:creator>Ana</dcterms:creator><dcterms:creator>Léo</dcterms:creator>
  <dcterms:language>fra</dcterms:language><dcterms:temporal>start=2026-11-30T08:00:00Z; end=...</dcterms:temporal>
  <dcterms:created>2026-11-30T08:00:00Z</dcterms:created><dcterms:isPartOf>series-1</dcterms:isPartOf>
</dublincore>"""


def test_a_dublin_core_catalogue_is_read_plain_or_url_encoded():
    for text in (PYCA_DC, quote(PYCA_DC, safe="")):
        terms = dublin_core(text)
        assert terms["title"] == "Amphi B & TD" and terms["creator"] == ["Ana", "Léo"]
    metadata = video_metadata(dublin_core(PYCA_DC))
    assert metadata == {
        "title": "Amphi B & TD",
        "creator": ["Ana", "Léo"],
        "isPartOf": "series-1",
        "language": "fr",
        "date_recorded": "2026-11-30",
    }
    with pytest.raises(DocumentError, match="not Dublin Core"):
        dublin_core("<catalog/>")


def test_mediapackage_ids_and_cutting_marks():
    assert (
        mediapackage_id(
            '<mediapackage xmlns="http://mediapackage.opencastproject.org" id="abc"><media/></mediapackage>'
        )
        == "abc"
    )
    for bad in ("", "<mediapackage/>", "not xml"):
        with pytest.raises(DocumentError):
            mediapackage_id(bad)
    assert smil_trims(
        '<smil><body><par><video clipBegin="1.5s" clipEnd="1.7976931348623157e+308s"/></par></body></smil>'
    ) == Trims(1.5, None)
    assert (
        smil_trims('<smil><body><par><video clipBegin="0s" clipEnd="1.7976931348623157e+308s"/></par></body></smil>')
        is None
    )
    assert (clock("1500ms"), clock("00:01:02.5"), clock("3")) == (1.5, 62.5, 3.0)
