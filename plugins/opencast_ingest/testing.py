"""Test support: Opencast ingest requests shaped as Opencast Studio sends them, and a test ingest plugin.

The requests follow Opencast's ingest API documentation and Studio's upload code:
multipart/form-data bodies, the mediapackage XML sent back on every call, the episode
Dublin Core catalogue URL-encoded (``encodeURIComponent``) in the ``dublinCore`` field,
the ACL as an ``addAttachment`` (``security/xacml+episode``), each recording as
``addTrack`` (``presenter/source`` for a camera, ``presentation/source`` for a screen,
an empty ``tags`` field, the file as ``BODY``), the cutting marks as a SMIL ``addCatalog``
(``smil/cutting``) and ``ingest`` with an optional ``workflowDefinitionId``.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from core import hookimpl
from core.plugin_api import find_user
from plugins.opencast_ingest.api import IngestPrincipal

DUBLIN_CORE = """<?xml version="1.0" encoding="UTF-8"?>
<dublincore xmlns="http://www.opencastproject.org/xsd/1.0/dublincore/"
            xmlns:dcterms="http://purl.org/dc/terms/"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
    <dcterms:created xsi:type="dcterms:W3CDTF">2026-11-29T08:15:00.000Z</dcterms:created>
    <dcterms:title>{title}</dcterms:title>
    <dcterms:creator>{presenter}</dcterms:creator>
    <dcterms:spatial>Opencast Studio</dcterms:spatial>
</dublincore>
"""

ACL = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Policy PolicyId="mediapackage-1"
  RuleCombiningAlgId="urn:oasis:names:tc:xacml:1.0:rule-combining-algorithm:permit-overrides"
  Version="2.0" xmlns="urn:oasis:names:tc:xacml:2.0:policy:schema:os">
  <Rule RuleId="user_read_Permit" Effect="Permit"><Target><Actions><Action>
    <ActionMatch MatchId="urn:oasis:names:tc:xacml:1.0:function:string-equal">
      <AttributeValue DataType="http://www.w3.org/2001/XMLSchema#string">read</AttributeValue>
      <ActionAttributeDesignator AttributeId="urn:oasis:names:tc:xacml:1.0:action:action-id"
        DataType="http://www.w3.org/2001/XMLSchema#string"/>
    </ActionMatch></Action></Actions></Target></Rule>
</Policy>
"""


def smil(start: float, end: float) -> str:
    """Studio's cutting catalogue (``end`` is ``Number.MAX_VALUE`` when only the start is cut)."""
    return f"""
  <smil xmlns="http://www.w3.org/ns/SMIL">
    <body>
      <par>
        <video clipBegin="{start}s" clipEnd="{end}s" />
      </par>
    </body>
  </smil>
"""


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class StudioClient:
    """Drives ``/ingest/*`` on a WebTest app as Opencast Studio does (``headers``: its credentials)."""

    def __init__(self, testapp, headers: dict | None = None):
        self.app, self.headers = testapp, headers or {}

    def post(self, path: str, fields: list, files: list | None = None, status: int | str = 200):
        return self.app.post(
            path,
            params=fields,
            upload_files=files or None,
            headers=self.headers,
            content_type="multipart/form-data",
            status=status,
        )

    def create(self, status: int | str = 200):
        return self.app.get("/ingest/createMediaPackage", headers=self.headers, status=status)

    def add_dc(self, mp: str, title: str, presenter: str = "Ana Lopez", status: int | str = 200):
        dcc = DUBLIN_CORE.format(title=xml_escape(title), presenter=xml_escape(presenter))
        return self.post(
            "/ingest/addDCCatalog",
            [("mediaPackage", mp), ("dublinCore", quote(dcc, safe="-_.!~*'()")), ("flavor", "dublincore/episode")],
            status=status,
        )

    def add_acl(self, mp: str, status: int | str = 200):
        return self.post(
            "/ingest/addAttachment",
            [("flavor", "security/xacml+episode"), ("mediaPackage", mp)],
            [("BODY", "acl.xml", ACL.encode())],
            status=status,
        )

    def add_track(self, mp: str, flavor: str, name: str, data: bytes, status: int | str = 200):
        return self.post(
            "/ingest/addTrack",
            [("mediaPackage", mp), ("flavor", flavor), ("tags", "")],
            [("BODY", name, data, "video/webm")],
            status=status,
        )

    def add_cutting(self, mp: str, start: float, end: float, status: int | str = 200):
        return self.post(
            "/ingest/addCatalog",
            [("flavor", "smil/cutting"), ("mediaPackage", mp)],
            [("BODY", "cutting.smil", smil(start, end).encode())],
            status=status,
        )

    def ingest(self, mp: str, workflow: str | None = None, status: int | str = 200):
        fields = [("mediaPackage", mp)] + ([("workflowDefinitionId", workflow)] if workflow else [])
        return self.post("/ingest/ingest", fields, status=status)

    def upload(self, title: str, tracks: list[tuple[str, str, bytes]], cut: tuple[float, float] | None = None):
        """Studio's whole upload; returns the ingest answer."""
        mp = self.create().text
        mp = self.add_dc(mp, title).text
        mp = self.add_acl(mp).text
        for flavor, name, data in tracks:
            mp = self.add_track(mp, flavor, name, data).text
        if cut:
            mp = self.add_cutting(mp, *cut).text
        return self.ingest(mp)


def package_id(xml: str) -> str:
    return re.search(r'<mediapackage[^>]* id="([^"]+)"', xml).group(1)


class IngestTestPlugin:
    """Authenticates ``X-Test-Client: <username>``; records what it receives."""

    AMPHI_REQUIRES = ("opencast_ingest",)

    def __init__(self, layout: str = "pip-bottom-right"):
        self.layout, self.received = layout, []

    @hookimpl
    def amphi_ingest_authenticate(self, request):
        name = request.headers.get("X-Test-Client")
        user = find_user(request.dbsession, request.site.id, name) if name else None
        return IngestPrincipal(user, "ingest_test", {"layout": self.layout}) if user else None

    @hookimpl
    def amphi_ingest_challenge(self, request):
        return 'Basic realm="test"'

    @hookimpl
    def amphi_ingest_received(self, request, principal, mediapackage, video):
        self.received.append((principal.source, mediapackage.id, video.id, dict(mediapackage.metadata_)))
