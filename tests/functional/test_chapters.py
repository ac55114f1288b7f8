"""The chapters plugin: the editor and its checks, the panel, the WebVTT track, deep links, import/export,
search, access rules, and silence where the plugin is disabled."""

import re

import pytest
from webtest import Upload

from core.catalogue.search import search_document
from core.catalogue.tracks import read_track, video_tracks
from core.platform.sites import set_enabled_plugins
from plugins.chapters.editing import chapters_track, video_chapters
from plugins.chapters.webvtt import VttError, read_chapters
from tests.searching import found

PASSWORD = "a long password 1"


@pytest.fixture
def people(site, make_user):
    return {
        name: make_user(site, name, role=role, password=PASSWORD)
        for name, role in (("owner", "staff"), ("other", "staff"), ("admin", "site-admin"))
    }


@pytest.fixture
def video(site, people, make_video):
    return make_video(
        site, people["owner"], "Thermodynamique", status="ready", access="public", duration=600.0, language="fr"
    )


def signed_in(make_testapp, username):
    app = make_testapp("a.test")
    app.sign_in(username, PASSWORD)
    return app


def add(app, video, title, start, status=302):
    token = app.csrf_token(f"/videos/{video.id}/chapters")
    return app.post(
        f"/videos/{video.id}/chapters", {"title": title, "start": start, "csrf_token": token}, status=status
    )


def test_owner_adds_edits_and_deletes_chapters_and_the_track_follows(
    video, make_testapp, dbsession, make_request, site
):
    owner = signed_in(make_testapp, "owner")
    editor = owner.get(f"/videos/{video.id}/chapters")
    assert "data-chapter-now" in editor.text and "data-player" not in editor.text  # no media: no player yet
    add(owner, video, "Introduction", "0")
    add(owner, video, "Premier principe", "2:30")
    add(owner, video, "Le <script>second</script> principe", "7:05.5")
    assert [(c.title, c.start_ms) for c in video_chapters(dbsession, video)] == [
        ("Introduction", 0),
        ("Premier principe", 150_000),
        ("Le <script>second</script> principe", 425_500),
    ]

    track = chapters_track(make_request(site), video)
    assert track.kind == "chapters" and track.plugin == "chapters" and track.language == "fr"
    vtt = read_track(make_request(site), track)
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:02:30.000\nIntroduction\n")
    assert "00:07:05.500 --> 00:10:00.000\nLe &lt;script&gt;second&lt;/script&gt; principe" in vtt

    page = owner.get(f"/videos/{video.id}")
    assert "<script>second" not in page.text and "Le &lt;script&gt;second&lt;/script&gt; principe" in page.text
    second = video_chapters(dbsession, video)[1]
    assert f'id="chapter-{second.id}" data-start="150.0" data-end="425.5"' in page.text
    assert f'href="http://a.test/videos/{video.id}/chapters/{second.id}" data-seek="150.0"' in page.text

    token = owner.csrf_token(f"/videos/{video.id}/chapters")
    owner.post(
        f"/videos/{video.id}/chapters/{second.id}",
        {"title": "First law", "start": "150.25", "csrf_token": token},
        status=302,
    )
    assert (second.title, second.start_ms) == ("First law", 150_250)
    assert "00:02:30.250 --> 00:07:05.500\nFirst law" in read_track(
        make_request(site), chapters_track(make_request(site), video)
    )
    video.duration = 480.0  # encoded again, shorter: the last cue follows
    request = make_request(site)
    request.hooks.amphi_video_ready(request=request, video_id=video.id)
    assert "00:07:05.500 --> 00:08:00.000" in read_track(request, chapters_track(request, video))
    owner.post(f"/videos/{video.id}/chapters/{second.id}/delete", {"csrf_token": token}, status=302)
    assert [c.title for c in video_chapters(dbsession, video)] == [
        "Introduction",
        "Le <script>second</script> principe",
    ]
    assert "First law" not in read_track(make_request(site), chapters_track(make_request(site), video))
    for chapter in video_chapters(dbsession, video):
        owner.post(f"/videos/{video.id}/chapters/{chapter.id}/delete", {"csrf_token": token}, status=302)
    assert chapters_track(make_request(site), video) is None  # no chapters, no track


def test_errors_are_shown_beside_their_field_and_nothing_is_lost(video, make_testapp, dbsession):
    owner = signed_in(make_testapp, "owner")
    add(owner, video, "Introduction", "1:00")
    page = add(owner, video, "", "12:00", status=400)
    assert re.search(r'id="new-chapter-title"[^>]*aria-invalid="true"', page.text)
    assert 'id="new-chapter-title-error">Give the chapter a title.' in page.text
    assert 'id="new-chapter-start-error">The video lasts 10:00: a chapter must start before its end.' in page.text
    assert 'value="12:00"' in page.text  # what was typed stays
    page = add(owner, video, "Encore", "60", status=400)
    assert "Another chapter already starts at 1:00." in page.text and 'value="Encore"' in page.text
    page = add(owner, video, "Encore", "une minute", status=400)
    assert "Write the start time as seconds" in page.text
    (chapter,) = video_chapters(dbsession, video)
    token = owner.csrf_token(f"/videos/{video.id}/chapters")
    page = owner.post(
        f"/videos/{video.id}/chapters/{chapter.id}", {"title": "", "start": "1:00", "csrf_token": token}, status=400
    )
    assert f'id="chapter-{chapter.id}-title-error">Give the chapter a title.' in page.text
    assert chapter.title == "Introduction"


def test_deep_link_export_and_import(video, make_testapp, dbsession):
    owner = signed_in(make_testapp, "owner")
    add(owner, video, "Début", "0")
    add(owner, video, "Suite & fin", "90")
    later = video_chapters(dbsession, video)[1]
    viewer = make_testapp("a.test")
    link = viewer.get(f"/videos/{video.id}/chapters/{later.id}", status=302)
    assert link.location == f"http://a.test/videos/{video.id}?t=90#chapter-{later.id}"
    exported = viewer.get(f"/videos/{video.id}/chapters.vtt")
    assert exported.content_type == "text/vtt" and "attachment" in exported.headers["Content-Disposition"]
    assert read_chapters(exported.text) == [(0.0, "Début"), (90.0, "Suite & fin")]

    token = owner.csrf_token(f"/videos/{video.id}/chapters")
    good = "WEBVTT\n\nNOTE made elsewhere\n\nintro\n00:00.000 --> 01:00.000\nOuverture\n\n00:01:00.000 --> 00:05:00.000\n<b>Corps</b>\n"
    owner.post(
        f"/videos/{video.id}/chapters/import", {"csrf_token": token, "file": Upload("c.vtt", good.encode())}, status=302
    )
    assert [(c.title, c.start_ms) for c in video_chapters(dbsession, video)] == [("Ouverture", 0), ("Corps", 60_000)]
    assert "2 chapters imported." in owner.get(f"/videos/{video.id}/chapters?imported=2").text

    bad_files = {
        "00:00.000 --> 00:01.000\nNo header\n": "The file must start with the line WEBVTT.",
        "WEBVTT\n\n00:00.000 --> 00:01.000\n\n": "Line 3: the chapter has no title.",
        "WEBVTT\n\n0:00 --> 0:01\nBad times\n": "Line 3: the times are not WebVTT timestamps",
        "WEBVTT\n\n00:20:00.000 --> 00:21:00.000\nToo late\n": "starts at 20:00, after the end of the video (10:00)",
        "WEBVTT\n\n00:01.000 --> 00:02.000\nA\n\n00:01.000 --> 00:03.000\nB\n": "Two chapters start at 0:01.",
        "WEBVTT\n": "The file holds no chapter.",
    }
    for text, message in bad_files.items():
        page = owner.post(
            f"/videos/{video.id}/chapters/import",
            {"csrf_token": token, "file": Upload("c.vtt", text.encode())},
            status=400,
        )
        assert message in page.text.replace("&#34;", '"'), text
        assert 'id="chapters-import-error"' in page.text
    page = owner.post(
        f"/videos/{video.id}/chapters/import",
        {"csrf_token": token, "file": Upload("c.vtt", b"WEBVTT\n\n\xff\xfe")},
        status=400,
    )
    assert "not UTF-8" in page.text
    assert [c.title for c in video_chapters(dbsession, video)] == ["Ouverture", "Corps"]  # nothing lost


def test_the_parser_reports_lines():
    with pytest.raises(VttError) as error:
        read_chapters("WEBVTT\n\n1\n00:00.000 --> 00:00.000\nEmpty\n")
    assert error.value.line == 4 and "end after it starts" in error.value.message


def test_chapter_titles_are_searchable(video, make_testapp, make_request, site):
    owner = signed_in(make_testapp, "owner")
    add(owner, video, "Entropie statistique", "30")
    assert found(make_request, site, text="entropie") == ["Thermodynamique"]


def test_nobody_else_edits_or_reads_a_restricted_videos_chapters(video, make_testapp, dbsession):
    owner = signed_in(make_testapp, "owner")
    add(owner, video, "Introduction", "0")
    (chapter,) = video_chapters(dbsession, video)
    other = signed_in(make_testapp, "other")
    token = other.csrf_token("/")
    other.get(f"/videos/{video.id}/chapters", status=403)
    other.post(f"/videos/{video.id}/chapters", {"title": "Vandal", "start": "5", "csrf_token": token}, status=403)
    other.post(
        f"/videos/{video.id}/chapters/{chapter.id}", {"title": "Vandal", "start": "5", "csrf_token": token}, status=403
    )
    other.post(f"/videos/{video.id}/chapters/{chapter.id}/delete", {"csrf_token": token}, status=403)
    other.post(
        f"/videos/{video.id}/chapters/import",
        {"csrf_token": token, "file": Upload("c.vtt", b"WEBVTT\n\n00:01.000 --> 00:02.000\nX\n")},
        status=403,
    )
    assert "Edit the chapters" not in other.get(f"/videos/{video.id}").text
    signed_in(make_testapp, "admin").get(f"/videos/{video.id}/chapters", status=200)

    video.access = "draft"
    dbsession.flush()
    for url in (
        f"/videos/{video.id}/chapters.vtt",
        f"/videos/{video.id}/chapters/{chapter.id}",
        f"/videos/{video.id}/chapters",
    ):
        other.get(url, status=404)
        make_testapp("a.test").get(url, status=404)
    assert [c.title for c in video_chapters(dbsession, video)] == ["Introduction"]
    # A chapter of another video is not reachable through this one.
    other_video_url = f"/videos/{video.id + 1000}/chapters/{chapter.id}"
    owner.get(other_video_url, status=404)


def test_a_disabled_plugin_is_silent(video, make_testapp, dbsession, app, site, make_request):
    owner = signed_in(make_testapp, "owner")
    add(owner, video, "Introduction", "0")
    (chapter,) = video_chapters(dbsession, video)
    assert 'id="panel-chapters"' in owner.get(f"/videos/{video.id}").text
    assert [t.kind for t in video_tracks(make_request(site), video)] == ["chapters"]
    set_enabled_plugins(app.registry, site, [p for p in site.enabled_plugins if p != "chapters"])
    dbsession.flush()
    page = owner.get(f"/videos/{video.id}")
    assert 'id="panel-chapters"' not in page.text and "/chapters" not in page.text
    assert video_tracks(make_request(site), video) == []  # the player no longer offers the track
    assert "chapters" not in search_document(make_request(site), video)["text"]
    token = owner.csrf_token("/")
    for url in (
        f"/videos/{video.id}/chapters",
        f"/videos/{video.id}/chapters.vtt",
        f"/videos/{video.id}/chapters/{chapter.id}",
        "/plugin-static/chapters/chapters.js",
    ):
        owner.get(url, status=404)
    owner.post(f"/videos/{video.id}/chapters", {"title": "X", "start": "1", "csrf_token": token}, status=404)
    assert [c.title for c in video_chapters(dbsession, video)] == ["Introduction"]  # disabled, not deleted
