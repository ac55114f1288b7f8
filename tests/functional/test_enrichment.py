"""The enrichment plugin: every kind, the editor's checks and timeline, the panel, the files and their
access rules, the listing badge (one query per list), and silence where the plugin is disabled."""

import re

import pytest
from sqlalchemy import event
from webtest import Upload

from core.platform.sites import set_enabled_plugins
from core.platform.ui import video_badges
from plugins.enrichment.editing import video_enrichments
from tests.searching import found

PASSWORD = "a long password 1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def people(site, make_user):
    return {
        name: make_user(site, name, role=role, password=PASSWORD)
        for name, role in (("owner", "staff"), ("other", "staff"), ("admin", "site-admin"))
    }


@pytest.fixture
def video(site, people, make_video):
    return make_video(site, people["owner"], "Optique", status="ready", access="public", duration=300.0)


def signed_in(make_testapp, username):
    app = make_testapp("a.test")
    app.sign_in(username, PASSWORD)
    return app


def add(app, video, status=302, **fields):
    token = app.csrf_token(f"/videos/{video.id}/enrichments")
    fields = {
        "kind": "link",
        "title": "A title",
        "start": "0",
        "end": "10",
        "url": "https://example.org/",
        "csrf_token": token,
        **fields,
    }
    return app.post(f"/videos/{video.id}/enrichments", fields, status=status)


def test_every_kind_is_added_and_shown_at_its_time(
    video, people, make_video, site, make_testapp, dbsession, make_request
):
    other_video = make_video(site, people["other"], "Réfraction", status="ready", access="public", duration=60.0)
    owner = signed_in(make_testapp, "owner")
    add(owner, video, title="Wikipédia", url="https://fr.wikipedia.org/wiki/Optique", start="1:00", end="2:00")
    add(owner, video, kind="document", title="Polycopié", start="0:10", end="0:50", file=Upload("poly łódź.pdf", PDF))
    add(owner, video, kind="image", title="Prisme", start="30", end="40", file=Upload("prisme.png", PNG))
    add(
        owner,
        video,
        kind="text",
        title="À retenir",
        start="2:00",
        end="2:30",
        body="**Snell** <script>alert(1)</script> [lien](javascript:alert(1))",
    )
    add(
        owner,
        video,
        kind="video",
        title="Suite",
        start="4:00",
        end="5:00",
        target=f"http://a.test/videos/{other_video.id}",
    )
    items = video_enrichments(dbsession, video)
    assert [(i.kind, i.start_ms, i.end_ms) for i in items] == [
        ("document", 10_000, 50_000),
        ("image", 30_000, 40_000),
        ("link", 60_000, 120_000),
        ("text", 120_000, 150_000),
        ("video", 240_000, 300_000),
    ]

    page = make_testapp("a.test").get(f"/videos/{video.id}")
    panel = page.text[page.text.index('id="panel-enrichments"') :]
    starts = re.findall(r'class="enrichment enrichment-(\w+)" data-start="([\d.]+)" data-end="([\d.]+)"', panel)
    assert starts == [
        ("document", "10.0", "50.0"),
        ("image", "30.0", "40.0"),
        ("link", "60.0", "120.0"),
        ("text", "120.0", "150.0"),
        ("video", "240.0", "300.0"),
    ]
    assert "0:10 to 0:50" in panel and "4:00 to 5:00" in panel  # without JS: a list with times
    assert '<a href="https://fr.wikipedia.org/wiki/Optique" rel="nofollow noopener">Wikipédia</a>' in panel
    assert "<strong>Snell</strong> &lt;script&gt;" in panel and 'href="javascript:' not in panel
    assert f'<a href="http://a.test/videos/{other_video.id}">Suite</a>' in panel
    assert found(make_request, site, text="Snell") == ["Optique"]  # texts are searchable
    document, image = items[0], items[1]
    pdf = make_testapp("a.test").get(f"/videos/{video.id}/enrichments/{document.id}/file")
    assert (
        pdf.body == PDF
        and pdf.content_type == "application/pdf"
        and 'filename="poly d.pdf"' in pdf.headers["Content-Disposition"]
        and pdf.headers["X-Content-Type-Options"] == "nosniff"
    )
    assert make_testapp("a.test").get(f"/videos/{video.id}/enrichments/{image.id}/file").content_type == "image/png"


def test_the_editor_shows_a_timeline_and_checks_every_field(video, make_testapp, dbsession, people, make_video, site):
    hidden = make_video(site, people["other"], "Brouillon", status="ready", access="draft")
    owner = signed_in(make_testapp, "owner")
    add(owner, video, title="Premier", start="0", end="1:00")
    add(owner, video, title="Chevauche", start="30", end="1:30")
    editor = owner.get(f"/videos/{video.id}/enrichments")
    lanes = re.findall(r'<li style="left: ([\d.]+)%; width: ([\d.]+)%; top: ([\d.]+)rem">', editor.text)
    assert lanes == [("0.0", "20.0", "0.2"), ("10.0", "20.0", "2.0")]  # the overlap goes to a second lane
    assert "Premier, 0:00 to 1:00" in editor.text

    checks = [
        ({"title": ""}, "title", "Give a title of at most 200 characters."),
        ({"start": "1:00", "end": "0:30"}, "end", "The end must come after the start."),
        ({"end": "6:00"}, "end", "The video lasts 5:00: the enrichment must end by then."),
        ({"start": "soon"}, "start", "Write the time as seconds"),
        ({"url": "javascript:alert(1)"}, "url", "Give a web address starting with https:// or http://."),
        ({"kind": "document", "file": Upload("fake.pdf", b"<html>")}, "file", "This file is not a PDF document."),
        ({"kind": "document"}, "file", "Choose a PDF file."),
        ({"kind": "image", "file": Upload("x.png", PDF)}, "file", "This file is not a PNG, JPEG or GIF image."),
        ({"kind": "text", "body": ""}, "body", "Write the text"),
        ({"kind": "video", "target": str(hidden.id)}, "target", "a video of this site that you may watch"),
        ({"kind": "video", "target": str(video.id)}, "target", "Choose another video than this one."),
        (
            {"kind": "video", "target": f"https://elsewhere.example/videos/{video.id + 1}"},
            "target",
            "a video of this site that you may watch",
        ),
        ({"kind": "podcast"}, "kind", "Choose what the enrichment is."),
    ]
    for fields, name, message in checks:
        page = add(owner, video, status=400, **{"url": "https://example.org/", **fields})
        error = re.search(rf'id="new-enrichment-{name}-error">([^<]+)<', page.text)
        assert error and message in error.group(1), (fields, page.text[:0])
        assert re.search(rf'id="new-enrichment-{name}"[^>]*aria-invalid="true"', page.text)
    page = add(owner, video, status=400, title="Gardé", end="9:00")
    assert 'value="Gardé"' in page.text and 'value="9:00"' in page.text  # nothing typed is lost
    assert len(video_enrichments(dbsession, video)) == 2


def test_edit_replace_the_file_and_delete(video, make_testapp, dbsession, app, make_request, site):
    owner = signed_in(make_testapp, "owner")
    add(owner, video, kind="document", title="Poly", file=Upload("v1.pdf", PDF))
    (item,) = video_enrichments(dbsession, video)
    url = f"/videos/{video.id}/enrichments/{item.id}"
    form = owner.get(url)
    assert 'value="Poly"' in form.text and "Now: v1.pdf." in form.text
    token = owner.csrf_token(url)
    owner.post(url, {"kind": "document", "title": "Poly 2", "start": "5", "end": "15", "csrf_token": token}, status=302)
    assert (item.title, item.start_ms, item.file_name) == ("Poly 2", 5000, "v1.pdf")  # the file stays
    first_key = item.file_key
    owner.post(
        url,
        {
            "kind": "document",
            "title": "Poly 2",
            "start": "5",
            "end": "15",
            "csrf_token": token,
            "file": Upload("v2.pdf", PDF + b"%v2"),
        },
        status=302,
    )
    assert item.file_key != first_key and item.file_name == "v2.pdf"
    assert owner.get(f"{url}/file").body.endswith(b"%v2")
    page = owner.post(
        url,
        {"kind": "link", "title": "", "start": "5", "end": "15", "url": "https://a.org/", "csrf_token": token},
        status=400,
    )
    assert f'id="enrichment-{item.id}-title-error"' in page.text and item.title == "Poly 2"
    owner.post(f"{url}/delete", {"csrf_token": token}, status=302)
    assert video_enrichments(dbsession, video) == []
    assert found(make_request, site, text="Poly") == []  # the index follows a deletion
    owner.get(f"{url}/file", status=404)


def test_listings_mark_enriched_videos_with_one_query(
    video, people, make_video, site, make_testapp, dbsession, make_request, app
):
    plain = make_video(site, people["owner"], "Sans rien", status="ready", access="public", duration=60.0)
    owner = signed_in(make_testapp, "owner")
    add(owner, video, title="Lien", url="https://example.org/")
    listing = make_testapp("a.test").get("/videos")
    marked = [
        card.select_one(".card-link").text
        for card in listing.html.select(".video-card")
        if [b.text for b in card.select(".badge-enriched")] == ["Enriched"]
    ]
    assert marked == ["Optique"] and "Sans rien" in listing.text
    assert "badge-enriched" in make_testapp("a.test").get("/").text
    french = make_testapp("a.test").get("/videos", headers={"Accept-Language": "fr"})
    assert ">Enrichie</li>" in french.text

    statements = []
    engine = app.registry["db_engine"]
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    request = make_request(site)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        badges = video_badges(request, [video, plain] + [make_video(site, people["owner"], f"V{n}") for n in range(5)])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert list(badges) == [video.id] and [b.label for b in badges[video.id]] == ["Enriched"]
    assert len([s for s in statements if "enrichments" in s]) == 1


def test_nobody_else_edits_or_reads_a_restricted_videos_enrichments(
    video, people, make_video, site, make_testapp, dbsession
):
    secret = make_video(site, people["owner"], "Secret", status="ready", access="draft")
    owner = signed_in(make_testapp, "owner")
    add(owner, video, kind="document", title="Poly", file=Upload("poly.pdf", PDF))
    add(owner, video, kind="video", title="Voir aussi", target=str(secret.id), start="20", end="30")
    item = video_enrichments(dbsession, video)[0]
    other = signed_in(make_testapp, "other")
    token = other.csrf_token("/")
    other.get(f"/videos/{video.id}/enrichments", status=403)
    other.get(f"/videos/{video.id}/enrichments/{item.id}", status=403)
    other.post(
        f"/videos/{video.id}/enrichments",
        {"kind": "link", "title": "x", "start": "0", "end": "1", "url": "https://evil.example/", "csrf_token": token},
        status=403,
    )
    other.post(f"/videos/{video.id}/enrichments/{item.id}/delete", {"csrf_token": token}, status=403)
    page = other.get(f"/videos/{video.id}")
    assert "Poly" in page.text and "Voir aussi" not in page.text  # a video the viewer may not watch is left out
    assert "Voir aussi" in owner.get(f"/videos/{video.id}").text
    assert "Edit the enrichments" not in page.text
    signed_in(make_testapp, "admin").get(f"/videos/{video.id}/enrichments", status=200)

    video.access = "draft"
    dbsession.flush()
    for app in (other, make_testapp("a.test")):
        app.get(f"/videos/{video.id}/enrichments/{item.id}/file", status=404)
        app.get(f"/videos/{video.id}", status=404)
    assert owner.get(f"/videos/{video.id}/enrichments/{item.id}/file").body == PDF
    # An enrichment is reachable only through its own video.
    owner.get(f"/videos/{secret.id}/enrichments/{item.id}/file", status=404)
    assert len(video_enrichments(dbsession, video)) == 2


def test_a_disabled_plugin_is_silent(video, make_testapp, dbsession, app, site, make_request):
    owner = signed_in(make_testapp, "owner")
    add(owner, video, kind="document", title="Poly", file=Upload("poly.pdf", PDF))
    (item,) = video_enrichments(dbsession, video)
    assert 'id="panel-enrichments"' in owner.get(f"/videos/{video.id}").text
    set_enabled_plugins(app.registry, site, [p for p in site.enabled_plugins if p != "enrichment"])
    dbsession.flush()
    page = owner.get(f"/videos/{video.id}")
    assert 'id="panel-enrichments"' not in page.text and "/enrichments" not in page.text
    assert "badge-enriched" not in owner.get("/videos").text
    assert video_badges(make_request(site), [video]) == {}
    token = owner.csrf_token("/")
    for url in (
        f"/videos/{video.id}/enrichments",
        f"/videos/{video.id}/enrichments/{item.id}",
        f"/videos/{video.id}/enrichments/{item.id}/file",
        "/plugin-static/enrichment/enrichment.js",
    ):
        owner.get(url, status=404)
    owner.post(
        f"/videos/{video.id}/enrichments",
        {"kind": "link", "title": "x", "start": "0", "end": "1", "url": "https://a.org/", "csrf_token": token},
        status=404,
    )
    assert len(video_enrichments(dbsession, video)) == 1  # disabled, not deleted
