"""The subtitles plugin: upload (WebVTT, SRT), refusals with line and reason, download, the editor's
JSON, the transcript panel (escaped text), access rules, a disabled plugin, and search."""

import re
import types

import pytest

from core.catalogue.search import search_document
from core.catalogue.tracks import read_track, save_track
from core.models import Track
from core.platform.sites import set_enabled_plugins
from tests.searching import found

PASSWORD = "a long password 1"
VTT = b"""WEBVTT

1
00:00:01.000 --> 00:00:03.500
Bonjour et bienvenue

00:00:04.000 --> 00:00:06.000 align:start
La <i>thermodynamique</i> &amp; vous
"""
SRT = """1
00:00:01,000 --> 00:00:02,000
<font color="red">Première</font> ligne

2
00:00:02,500 --> 00:00:04,000
<script>alert(1)</script> &
""".encode("cp1252")


@pytest.fixture
def autocaptions(register_plugin):
    """A plugin standing for transcriber_vosk (it owns automatic tracks)."""
    register_plugin(types.ModuleType("autocaptions"), "autocaptions")


@pytest.fixture
def site(make_site, autocaptions):
    return make_site("a")


@pytest.fixture
def people(site, make_user):
    return {
        name: make_user(site, name, role=role, password=PASSWORD)
        for name, role in (("owner", "staff"), ("coowner", "staff"), ("other", "staff"), ("admin", "site-admin"))
    }


@pytest.fixture
def video(site, people, make_video):
    video = make_video(
        site, people["owner"], "Amphi 1", status="ready", access="signed-in", duration=60.0, language="fr"
    )
    video.additional_owners.append(people["coowner"])
    return video


def browser(make_testapp, user=None):
    app = make_testapp("a.test")
    if user is not None:
        app.sign_in(user, PASSWORD)
    return app


def upload(app, video, data, filename, status=302, **fields):
    token = app.csrf_token(f"/videos/{video.id}/subtitles")
    form = {"csrf_token": token, "language": "fr", "kind": "subtitles", "label": "", **fields}
    return app.post(f"/videos/{video.id}/subtitles", form, upload_files=[("file", filename, data)], status=status)


def tracks(dbsession, video):
    return dbsession.query(Track).filter_by(video_id=video.id).order_by(Track.id).all()


def auto_track(make_request, site, video):
    request = make_request(site)
    return save_track(
        request,
        video,
        VTT.decode(),
        kind="captions",
        language="fr",
        label="Français (automatique)",
        source="auto",
        plugin="autocaptions",
    )


def test_upload_webvtt_then_download_both_formats(video, make_testapp, dbsession, make_request, site):
    app = browser(make_testapp, "owner")
    page = upload(app, video, VTT, "cours.vtt").follow()
    assert "2 cues" in page.text
    (track,) = tracks(dbsession, video)
    assert (track.plugin, track.source, track.kind, track.language, track.label) == (
        "subtitles",
        "manual",
        "subtitles",
        "fr",
        "Français",
    )
    stored = read_track(make_request(site), track)
    assert stored.startswith("WEBVTT") and "00:00:04.000 --> 00:00:06.000 align:start" in stored
    assert "La <i>thermodynamique</i> &amp; vous" in stored
    vtt = app.get(f"/videos/{video.id}/subtitles/{track.id}.vtt")
    assert vtt.content_type == "text/vtt" and "attachment" in vtt.headers["Content-Disposition"]
    assert vtt.text == stored
    srt = app.get(f"/videos/{video.id}/subtitles/{track.id}.srt").text
    assert srt.startswith("1\n00:00:01,000 --> 00:00:03,500\nBonjour et bienvenue\n")
    assert "2\n00:00:04,000 --> 00:00:06,000\nLa <i>thermodynamique</i> & vous" in srt


def test_upload_srt_is_converted_and_a_script_shows_as_text(video, make_testapp, dbsession, make_request, site):
    app = browser(make_testapp, "coowner")
    upload(app, video, SRT, "cours.srt", kind="captions", label="Sous-titres <b>SDH</b>")
    (track,) = tracks(dbsession, video)
    stored = read_track(make_request(site), track)
    assert stored == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nPremière ligne\n\n"
        "00:00:02.500 --> 00:00:04.000\n&lt;script&gt;alert(1)&lt;/script&gt; &amp;\n"
    )
    page = app.get(f"/videos/{video.id}")
    panel = re.search(r'<section class="panel" id="tabpanel-transcript"[^>]*>.*?</section>', page.text, re.S)
    assert panel and 'data-seek="2.5"' in panel.group(0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in panel.group(0)
    assert "<script>alert" not in page.text
    assert "Sous-titres &lt;b&gt;SDH&lt;/b&gt;" in app.get(f"/videos/{video.id}/subtitles").text


@pytest.mark.parametrize(
    "data, filename, reason",
    [
        (
            b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03.000 --> 00:00:4.000\nbad\n",
            "a.vtt",
            "Line 6: 00:00:4.000 is not a WebVTT time",
        ),
        (b"WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nbackwards\n", "a.vtt", "Line 3: the cue ends before it starts"),
        (
            b"WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nb\n\n00:00:01.000 --> 00:00:02.000\na\n",
            "a.vtt",
            "Line 6: this cue starts before the previous one",
        ),
        (b"WEBVTT\n\nidentifier only\ntext\n", "a.vtt", "Line 4: expected a cue timing line"),
        (
            b"1\n00:00:01,000 --> 00:00:02,000\nok\n\ntwo\n00:00:03,000 --> 00:00:04,000\nx\n",
            "a.srt",
            "Line 5: expected the number of a subtitle",
        ),
        (b"1\n00:00:01 --> 00:00:02\nno milliseconds\n", "a.srt", "Line 2: expected a timing line"),
        (b"<html>not subtitles</html>", "a.txt", "Line 1: this is neither a WebVTT file"),
        (b"WEBVTT\n\nNOTE nothing but a comment\n", "a.vtt", "the file holds no cue with text"),
        (b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\xff\xfe\n", "a.vtt", "Line 4: the file is not UTF-8 text"),
    ],
)
def test_malformed_files_are_refused_with_line_and_reason(video, make_testapp, dbsession, data, filename, reason):
    app = browser(make_testapp, "owner")
    page = upload(app, video, data, filename, status=400)
    assert reason in page.text.replace("&#39;", "'")
    assert 'id="subtitles-file-error"' in page.text
    assert tracks(dbsession, video) == []


def test_refusals_are_translated(video, make_testapp):
    app = browser(make_testapp, "owner")
    app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "fr"
    page = upload(app, video, b"WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nx\n", "a.vtt", status=400)
    assert "Ligne 3 : la réplique finit avant de commencer" in page.text


def test_upload_replaces_the_track_of_same_language_and_kind(video, make_testapp, dbsession):
    app = browser(make_testapp, "owner")
    upload(app, video, VTT, "a.vtt")
    upload(app, video, b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nseconde version\n", "b.vtt")
    upload(app, video, VTT, "a.vtt", language="en")
    assert [(t.language, t.kind) for t in tracks(dbsession, video)] == [("fr", "subtitles"), ("en", "subtitles")]


def save_cues(app, video, track, cues, status=200):
    token = app.csrf_token(f"/videos/{video.id}/subtitles/{track.id}")
    return app.post_json(
        f"/videos/{video.id}/subtitles/{track.id}/cues", {"cues": cues}, headers={"X-CSRF-Token": token}, status=status
    )


def test_editor_saves_cues_and_takes_over_an_automatic_track(video, site, make_testapp, make_request, dbsession):
    track = auto_track(make_request, site, video)
    app = browser(make_testapp, "owner")
    editor = app.get(f"/videos/{video.id}/subtitles/{track.id}")
    assert "This track was made automatically" in editor.text
    data = app.get(f"/videos/{video.id}/subtitles/{track.id}/cues").json
    assert data["cues"][1]["text"] == "La <i>thermodynamique</i> & vous" and data["source"] == "auto"
    cues = data["cues"] + [{"start": 7, "end": 9.25, "text": "Tom & <Jerry>"}]
    answer = save_cues(app, video, track, cues).json
    assert answer["saved"] == 3 and answer["source"] == "manual"
    dbsession.refresh(track)
    assert (track.plugin, track.source, track.label) == ("subtitles", "manual", "Français (CC)")
    assert read_track(make_request(site), track).endswith("00:00:07.000 --> 00:00:09.250\nTom &amp; &lt;Jerry&gt;\n")


@pytest.mark.parametrize(
    "cues, cue, field, reason",
    [
        ([{"start": 1, "end": 2, "text": " "}], 1, "text", "Cue 1: its text is empty"),
        (
            [{"start": 1, "end": 2, "text": "a"}, {"start": 3, "end": 2, "text": "b"}],
            2,
            "end",
            "Cue 2: it must end after",
        ),
        (
            [{"start": 3, "end": 4, "text": "a"}, {"start": 1, "end": 2, "text": "b"}],
            2,
            "start",
            "Cue 2: this cue starts before",
        ),
        ([{"start": 1, "end": 99, "text": "a"}], 1, "end", "Cue 1: it ends after the end of the video (00:01:00.000)"),
        ([{"start": "x", "end": 2, "text": "a"}], 1, "start", "Cue 1: its times must be numbers"),
        ([{"start": 1, "end": 2, "text": "a --> b"}], 1, "text", "Cue 1: its text cannot contain -->"),
    ],
)
def test_editor_refuses_bad_cues_and_keeps_the_track(
    video, make_testapp, dbsession, make_request, site, cues, cue, field, reason
):
    app = browser(make_testapp, "owner")
    upload(app, video, VTT, "a.vtt")
    (track,) = tracks(dbsession, video)
    before = read_track(make_request(site), track)
    answer = save_cues(app, video, track, cues, status=400).json
    assert answer["cue"] == cue and answer["field"] == field and reason in answer["error"]
    assert read_track(make_request(site), track) == before
    save_cues(app, video, track, [], status=400)
    token = app.csrf_token(f"/videos/{video.id}/subtitles/{track.id}")
    app.post(
        f"/videos/{video.id}/subtitles/{track.id}/cues",
        "not json",
        headers={"X-CSRF-Token": token},
        content_type="application/json",
        status=400,
    )
    app.post_json(f"/videos/{video.id}/subtitles/{track.id}/cues", {"cues": cues}, status=400)  # no CSRF token


def test_delete(video, make_testapp, dbsession):
    app = browser(make_testapp, "admin")
    upload(app, video, VTT, "a.vtt")
    (track,) = tracks(dbsession, video)
    token = app.csrf_token(f"/videos/{video.id}/subtitles")
    page = app.post(f"/videos/{video.id}/subtitles/{track.id}/delete", {"csrf_token": token}).follow()
    assert "The track was deleted" in page.text and tracks(dbsession, video) == []


def refused(response) -> bool:
    """403 or 404, or, for a visitor not signed in, the way to the sign-in page."""
    return response.status_int in (403, 404) or (
        response.status_int == 302 and "/login" in response.headers["Location"]
    )


def test_others_cannot_upload_edit_or_download(video, make_testapp, dbsession, make_request, site):
    owner = browser(make_testapp, "owner")
    upload(owner, video, VTT, "a.vtt")
    (track,) = tracks(dbsession, video)
    assert f"/videos/{video.id}/subtitles" in owner.get(f"/videos/{video.id}").text
    base = f"/videos/{video.id}/subtitles"
    for app in (browser(make_testapp, "other"), browser(make_testapp)):
        token = app.csrf_token("/")
        page = app.get(f"/videos/{video.id}", status="*")
        assert base not in page.text
        for path in (
            base,
            f"{base}/{track.id}",
            f"{base}/{track.id}.vtt",
            f"{base}/{track.id}.srt",
            f"{base}/{track.id}/cues",
        ):
            assert refused(app.get(path, status="*"))
        assert refused(
            app.post(
                base,
                {"csrf_token": token, "language": "fr", "kind": "subtitles"},
                upload_files=[("file", "a.vtt", VTT)],
                status="*",
            )
        )
        assert refused(
            app.post_json(f"{base}/{track.id}/cues", {"cues": []}, headers={"X-CSRF-Token": token}, status="*")
        )
        assert refused(app.post(f"{base}/{track.id}/delete", {"csrf_token": token}, status="*"))
    assert len(tracks(dbsession, video)) == 1
    # Another video's track is not reachable through this video's URLs.
    other_video_track = f"/videos/{video.id + 1000}/subtitles/{track.id}"
    owner.get(other_video_track, status=404)


def test_a_disabled_plugin_hides_routes_panel_and_tracks(video, site, make_testapp, dbsession, make_request, app):
    owner = browser(make_testapp, "owner")
    upload(owner, video, VTT, "a.vtt")
    (track,) = tracks(dbsession, video)
    page = owner.get(f"/videos/{video.id}")
    assert 'id="panel-transcript"' in page.text
    assert len(owner.get(f"/api/v1/videos/{video.id}/tracks").json["items"]) == 1
    set_enabled_plugins(app.registry, site, [p for p in site.enabled_plugins if p != "subtitles"])
    dbsession.flush()
    page = owner.get(f"/videos/{video.id}")
    assert 'id="panel-transcript"' not in page.text
    assert owner.get(f"/api/v1/videos/{video.id}/tracks").json["items"] == []
    assert f"/videos/{video.id}/subtitles" not in page.text and "Bonjour et bienvenue" not in page.text
    for path in ("", f"/{track.id}", f"/{track.id}.vtt", f"/{track.id}/cues"):
        owner.get(f"/videos/{video.id}/subtitles{path}", status=404)
    owner.get("/subtitles-static/transcript.js", status=404)
    assert "captions" not in search_document(make_request(site), video)["text"]  # nor searched


def test_transcript_shows_other_plugins_tracks_while_they_are_enabled(
    video, site, make_testapp, make_request, dbsession, app
):
    auto_track(make_request, site, video)
    owner = browser(make_testapp, "owner")
    page = owner.get(f"/videos/{video.id}")
    assert 'id="panel-transcript"' in page.text and "Made automatically" in page.text
    set_enabled_plugins(app.registry, site, [p for p in site.enabled_plugins if p != "autocaptions"])
    dbsession.flush()
    assert 'id="panel-transcript"' not in owner.get(f"/videos/{video.id}").text


def test_search_finds_a_word_only_in_subtitles(video, site, people, make_testapp, make_request, dbsession):
    video.access = "public"
    assert found(make_request, site, text="thermodynamique") == []
    owner = browser(make_testapp, "owner")
    upload(owner, video, VTT, "a.vtt")
    assert found(make_request, site, text="thermodynamique") == ["Amphi 1"]
    assert found(make_request, site, text="bienvenue") == ["Amphi 1"]
    (track,) = tracks(dbsession, video)
    save_cues(owner, video, track, [{"start": 1, "end": 2, "text": "Entropie"}])
    assert found(make_request, site, text="thermodynamique") == []
    assert found(make_request, site, text="entropie") == ["Amphi 1"]
    token = owner.csrf_token(f"/videos/{video.id}/subtitles")
    owner.post(f"/videos/{video.id}/subtitles/{track.id}/delete", {"csrf_token": token})
    assert found(make_request, site, text="entropie") == []
    upload(owner, video, VTT, "a.vtt")
    document = search_document(make_request(site), video)
    assert document["text"]["captions"] == "Bonjour et bienvenue La thermodynamique & vous"


def test_search_finds_the_words_of_another_plugins_automatic_captions(video, site, make_request, app, dbsession):
    """What the player offers is searched, whichever plugin made it (transcriber_vosk's captions here)."""
    video.access = "public"
    auto_track(make_request, site, video)
    request = make_request(site)
    request.hooks.amphi_video_changed(request=request, video=video)  # as the transcriber does once it has stored it
    assert found(make_request, site, text="bienvenue thermodynamique") == ["Amphi 1"]
    set_enabled_plugins(app.registry, site, [p for p in site.enabled_plugins if p != "autocaptions"])
    dbsession.flush()
    request = make_request(site)
    request.hooks.amphi_search_reindex(request=request)
    assert found(make_request, site, text="bienvenue") == []  # the player no longer offers it


def test_pages_in_french(video, make_testapp, make_request, site):
    track = auto_track(make_request, site, video)
    app = browser(make_testapp, "owner")
    app.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "fr"
    manage = app.get(f"/videos/{video.id}/subtitles").text
    assert "Sous-titres de Amphi 1" in manage and "Automatiquement" in manage and "Langue du texte" in manage
    editor = app.get(f"/videos/{video.id}/subtitles/{track.id}").text
    assert '"merge": "Fusionner avec la r\\u00e9plique suivante"' in editor and "Répliques" in editor
    assert "Chercher dans la transcription" in app.get(f"/videos/{video.id}").text
