"""Several audio languages in one video, with the real encoder: every stream of a source a rendition, an
owner adding, removing and choosing languages on a ready video, and the signed URLs guarding them."""

from __future__ import annotations

import os
import re
import subprocess

import ffmpeg
import pytest
import webtest

from core.models import Job, Video
from core.pipeline.hls import master_audio
from core.platform.tasks import worker_request
from core.testing import AmphiTestApp
from plugins.encoder_ffmpeg import amphi_settings
from plugins.encoder_ffmpeg.encode import encode
from plugins.encoder_ffmpeg.ladder import encoding_ladder
from plugins.encoder_ffmpeg.probe import probe
from plugins.encoder_ffmpeg.track import encode_audio_track
from tests import mediafiles
from tests.standin import set_video, upload

SETTINGS = {s.key: s.default for s in amphi_settings()} | {
    "rungs": ["360p"],
    "download_rungs": ["360p"],
    "segment_seconds": 2,
    "preset": "ultrafast",
}


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    return str(mediafiles.make_bilingual_video(tmp_path_factory.mktemp("bilingual")))


def duration(path: str) -> float:
    return float(ffmpeg.probe(path)["format"]["duration"])


def decodes_cleanly(path: str) -> bool:
    done = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"], capture_output=True, text=True)
    return done.returncode == 0 and not done.stderr.strip()


def media_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#EXT-X-MEDIA:")]


# --- the encoder (no database) --------------------------------------------------------------------


def test_every_audio_stream_of_a_source_becomes_a_rendition_and_the_mp4_keeps_the_default(bilingual, tmp_path):
    out = str(tmp_path)
    info = probe(bilingual)  # a 320x240 source: one rung at its own size
    result = encode(SETTINGS, bilingual, info, encoding_ladder(SETTINGS, info), out, None)
    master = open(os.path.join(out, "hls/master.m3u8"), encoding="utf-8").read()
    french, english = media_lines(master)
    assert 'GROUP-ID="audio",LANGUAGE="fr",NAME="Français",DEFAULT=YES' in french
    assert 'GROUP-ID="audio",LANGUAGE="en",NAME="English",DEFAULT=NO' in english
    assert all(line.endswith('AUDIO="audio"') for line in master.splitlines() if line.startswith("#EXT-X-STREAM"))
    renditions = {o.path: (o.language, o.label, o.default) for o in result.of_kind("hls-audio")}
    assert renditions == {
        "hls/audio/index.m3u8": ("fr", "Français", True),
        "hls/audio_2/index.m3u8": ("en", "English", False),
    }
    video_length = duration(os.path.join(out, "hls/240p/index.m3u8"))
    for playlist, pitch in (("hls/audio/index.m3u8", 440), ("hls/audio_2/index.m3u8", 880)):
        path = os.path.join(out, playlist)
        assert decodes_cleanly(path) and abs(duration(path) - video_length) < 0.1
        assert abs(mediafiles.dominant_frequency(path) - pitch) < pitch * 0.15
    (mp4,) = result.of_kind("mp4")
    sounds = [s for s in ffmpeg.probe(os.path.join(out, mp4.path))["streams"] if s["codec_type"] == "audio"]
    assert len(sounds) == 1 and abs(mediafiles.dominant_frequency(os.path.join(out, mp4.path)) - 440) < 66
    assert abs(mediafiles.dominant_frequency(os.path.join(out, "audio.mp3")) - 440) < 66
    assert not os.path.exists(os.path.join(out, "audio-extra"))  # the intermediate AAC is not stored


def test_the_stream_marked_default_is_the_default_language_and_the_downloads_one(tmp_path):
    source = str(mediafiles.make_bilingual_video(tmp_path, "english-first.mkv", seconds=2, default=1))
    out = str(tmp_path / "out")
    os.makedirs(out)
    info = probe(source)
    encode(SETTINGS, source, info, encoding_ladder(SETTINGS, info), out, None)
    master = open(os.path.join(out, "hls/master.m3u8"), encoding="utf-8").read()
    assert [(a.language, a.default, a.uri) for a in master_audio(master)] == [
        ("fr", False, "audio_1/index.m3u8"),
        ("en", True, "audio/index.m3u8"),
    ]
    assert abs(mediafiles.dominant_frequency(os.path.join(out, "audio.m4a")) - 880) < 132


def test_a_stream_that_starts_late_and_ends_early_stays_in_sync_and_spans_the_video(tmp_path):
    """A live event's replay: the interpreter joined 1 s in and left at 2.5 s."""
    source = str(mediafiles.make_bilingual_video(tmp_path, "replay.mkv", english=(1.0, 1.5)))
    out = str(tmp_path / "out")
    os.makedirs(out)
    info = probe(source)
    encode(SETTINGS, source, info, encoding_ladder(SETTINGS, info), out, None)
    english = os.path.join(out, "hls/audio_2/index.m3u8")
    assert abs(duration(english) - duration(os.path.join(out, "hls/240p/index.m3u8"))) < 0.1
    assert audio_level(english, 0.1, 0.7) < -60 and audio_level(english, 2.7, 0.3) < -60
    assert audio_level(english, 1.2, 1.0) > -40
    assert abs(mediafiles.dominant_frequency(english, start=1.2) - 880) < 132


def test_an_added_track_is_aligned_to_the_video(tmp_path):
    tone = str(mediafiles.make_tone(tmp_path, seconds=1.5))
    for offset in (0.8, -0.5):
        out = tmp_path / f"offset{offset}"
        out.mkdir()
        audio = encode_audio_track(SETTINGS, tone, 3.0, offset, str(out), None)
        playlist = str(out / "index.m3u8")
        assert audio.uri == "index.m3u8" and audio.codec == "mp4a.40.2" and audio.peak > 0
        assert abs(duration(playlist) - 3.0) < 0.1 and decodes_cleanly(playlist)
        level = audio_level(playlist, 0.1, 0.5)  # late: silence until the offset; early: the tone at once
        assert (level < -60) == (offset > 0), (offset, level)
    assert audio_level(str(tmp_path / "offset-0.5" / "index.m3u8"), 1.2, 1.0) < -60  # after its end: silence
    assert audio_level(str(tmp_path / "offset0.8" / "index.m3u8"), 1.2, 1.0) > -40  # from its offset: the tone


def audio_level(path: str, start: float, length: float) -> float:
    """The mean volume (dB) of ``length`` seconds from ``start``."""
    done = subprocess.run(
        ["ffmpeg", "-v", "info", "-i", path, "-af", f"atrim=start={start}:end={start + length},volumedetect"]
        + ["-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    match = re.search(r"mean_volume: (-?[\d.]+|-inf) dB", done.stderr)
    return -200.0 if match is None or match.group(1) == "-inf" else float(match.group(1))


# --- on a site: the page, the signed URLs, adding and removing a track ---------------------------------


def owner_browser(app, site_id) -> tuple[AmphiTestApp, str]:
    with worker_request(site_id) as request:
        host = request.site.domains[0].domain
    browser = AmphiTestApp(app, extra_environ={"HTTP_HOST": host, "REMOTE_ADDR": "192.0.2.30"})
    browser.sign_in("owner", "owner password 1")
    return browser, host


def master_of(browser, video_id) -> tuple[str, str]:
    page = browser.get(f"/videos/{video_id}")
    url = re.search(r'data-src="([^"]+)"', page.text).group(1)
    return url, browser.get(url).text


def video_state(video_id):
    with worker_request() as request:
        video = request.dbsession.get(Video, video_id)
        audio = sorted((f.rendition, f.language, f.label, f.is_default) for f in video.files if f.kind == "hls-audio")
        master = next(f.key for f in video.files if f.kind == "hls-master")
        jobs = sorted(video.jobs, key=lambda j: j.id)
        return video.status, audio, master, [(j.kind, j.state, j.error) for j in jobs]


def add_track(browser, video_id, filename, content, status=302, **fields):
    form = browser.get(f"/videos/{video_id}/edit").forms["audio-add"]
    for name, value in fields.items():
        form[name] = value
    form["file"] = webtest.Upload(filename, content)
    return form.submit(status=status)


def test_an_owner_adds_chooses_and_removes_languages_and_bad_files_change_nothing(
    app, committed_site, fast_pipeline, bilingual, tmp_path
):
    site_id, user_id = committed_site
    video_id = upload(site_id, user_id, open(bilingual, "rb").read(), "bilingual.mkv")
    status, audio, _master, _jobs = video_state(video_id)
    assert status == "ready"
    assert audio == [("audio", "fr", "Français", True), ("audio_2", "en", "English", False)]
    owner, host = owner_browser(app, site_id)
    page = owner.get(f"/videos/{video_id}")
    assert re.search(r'<span lang="fr">Français</span>, <span lang="en">English</span>', page.text)
    master_url, master = master_of(owner, video_id)
    assert len(media_lines(master)) == 2

    # bad files: a clear error, nothing stored, nothing queued, the master as it was
    before = video_state(video_id)
    text = mediafiles.make_text_file(tmp_path).read_bytes()
    silent = mediafiles.make_video_without_audio(tmp_path).read_bytes()
    for filename, content, reason in [
        ("notes.mp4", text, "This is not a video or audio file."),
        ("silent.mp4", silent, "This file has no sound."),
        ("empty.wav", b"", "The file is empty."),
    ]:
        refused = add_track(owner, video_id, filename, content, status=400, language="de")
        assert reason in refused.text and 'aria-invalid="true" aria-describedby="audio-file-error"' in refused.text
    refused = add_track(owner, video_id, "tone.wav", b"x", status=400, offset="99")
    assert "shorter than the video" in refused.text
    assert video_state(video_id) == before

    # an interpreter's German, from 0.5 s: a third rendition, fetched through the signed URLs
    tone = mediafiles.make_tone(tmp_path, seconds=2).read_bytes()
    add_track(owner, video_id, "dolmetscher.wav", tone, language="de", name="Deutsch (Dolmetscher)", offset="0.5")
    status, audio, master_key, jobs = video_state(video_id)
    assert jobs[-1] == ("audio-track", "done", "")
    assert audio[0] == ("added-" + str(job_id(video_id)), "de", "Deutsch (Dolmetscher)", False)
    master_url, master = master_of(owner, video_id)
    german = media_lines(master)[-1]
    assert 'LANGUAGE="de",NAME="Deutsch (Dolmetscher)",DEFAULT=NO' in german
    playlist_url = master_url.rsplit("/", 1)[0] + "/" + re.search(r'URI="([^"]+)"', german).group(1)
    playlist = owner.get(playlist_url).text
    seconds = sum(float(x) for x in re.findall(r"#EXTINF:([\d.]+)", playlist))
    assert abs(seconds - 3.0) < 0.15  # as long as the video
    segment = playlist_url.rsplit("/", 1)[0] + "/" + re.findall(r"^(seg_\d+\.m4s)$", playlist, re.M)[0]
    assert owner.get(segment).content_type == "video/iso.segment"
    anonymous = webtest.TestApp(app, extra_environ={"HTTP_HOST": host})
    for url in (master_url, playlist_url, segment):
        anonymous.get(url, status=403)  # a draft: its media are its owners' only
    set_video(video_id, access="public")
    public_master, _text = master_of(anonymous, video_id)  # signed for the anonymous viewer
    anonymous_playlist = public_master.rsplit("/", 1)[0] + "/" + playlist_url.rsplit("/hls/", 1)[1]
    assert anonymous.get(anonymous_playlist).text == playlist
    set_video(video_id, access="draft")

    # the German becomes the default, then goes
    edit = owner.get(f"/videos/{video_id}/edit")
    form = next(f for f in edit.forms.values() if f.action.endswith("/audio/default"))
    form["rendition"] = audio[0][0]
    form.submit(status=302)
    _url, master = master_of(owner, video_id)
    assert [a.default for a in master_audio(master)] == [False, False, True]
    assert video_state(video_id)[1][0][3] is True
    assert video_state(video_id)[3][-1] == ("audio-downloads", "done", "")
    assert download_pitches(video_id) == {"mp4": 660, "audio": 660, "mp3": 660}  # the downloads follow
    edit = owner.get(f"/videos/{video_id}/edit")
    remove = next(f for f in edit.forms.values() if f.action.endswith(f"/audio/{audio[0][0]}/delete"))
    remove.submit(status=302)
    _url, master = master_of(owner, video_id)
    assert [(a.language, a.default) for a in master_audio(master)] == [("fr", True), ("en", False)]
    assert download_pitches(video_id) == {"mp4": 440, "audio": 440, "mp3": 440}  # back to the new default
    owner.get(playlist_url, status=404)  # its files are gone
    token = owner.csrf_token(f"/videos/{video_id}/edit")
    owner.post(f"/videos/{video_id}/audio/audio_2/delete", {"csrf_token": token}, status=404)  # the encode's stay


def download_pitches(video_id) -> dict[str, int]:
    """The pitch of each download's sound (from 1 s: an added track may start late), to the nearest 220 Hz."""
    with worker_request() as request:
        video = request.dbsession.get(Video, video_id)
        request.site = video.site
        paths = {f.kind: request.storage.local_path(f.key) for f in video.files if f.kind in ("mp4", "audio", "mp3")}
    return {kind: round(mediafiles.dominant_frequency(path, start=1.2) / 220) * 220 for kind, path in paths.items()}


def job_id(video_id) -> int:
    with worker_request() as request:
        return max(j.id for j in request.dbsession.get(Video, video_id).jobs if j.kind == "audio-track")


def test_a_stranger_cannot_add_a_track(app, committed_site, fast_pipeline, tmp_path):
    site_id, user_id = committed_site
    video_id = upload(site_id, user_id, mediafiles.make_clip(tmp_path, seconds=1).read_bytes(), "clip.mp4")
    with worker_request(site_id) as request:
        from core.access.users import create_user

        create_user(request, "stranger", password="stranger password 1")
        host = request.site.domains[0].domain
    stranger = AmphiTestApp(app, extra_environ={"HTTP_HOST": host, "REMOTE_ADDR": "192.0.2.31"})
    stranger.sign_in("stranger", "stranger password 1")
    token = stranger.csrf_token("/account/tokens")
    response = stranger.post(
        f"/videos/{video_id}/audio",
        {"csrf_token": token, "language": "en"},
        upload_files=[("file", "tone.wav", mediafiles.make_tone(tmp_path).read_bytes())],
        expect_errors=True,
    )
    assert response.status_int in (403, 404)
    with worker_request() as request:
        assert not request.dbsession.query(Job).filter_by(video_id=video_id, kind="audio-track").count()


def test_a_silent_video_given_a_track_plays_it_and_its_mp4_gets_it(app, committed_site, fast_pipeline, tmp_path):
    site_id, user_id = committed_site
    silent = mediafiles.make_video_without_audio(tmp_path, seconds=2).read_bytes()
    video_id = upload(site_id, user_id, silent, "silent.mp4")
    owner, _host = owner_browser(app, site_id)
    add_track(owner, video_id, "voice.wav", mediafiles.make_tone(tmp_path, seconds=3).read_bytes(), language="en")
    status, audio, _master, jobs = video_state(video_id)
    assert [kind for kind, state, _error in jobs if state == "done"] == ["encode", "audio-track", "audio-downloads"]
    assert audio == [(f"added-{job_id(video_id)}", "en", "English", True)]  # named after its language
    _url, master = master_of(owner, video_id)
    assert 'LANGUAGE="en",NAME="English",DEFAULT=YES' in master and ',mp4a.40.2",' in master
    assert all(line.endswith('AUDIO="audio"') for line in master.splitlines() if line.startswith("#EXT-X-STREAM"))
    assert download_pitches(video_id) == {"mp4": 660}  # cut to the video's 2 s


def test_a_re_encode_keeps_the_tracks_owners_added_and_their_default(app, committed_site, fast_pipeline, tmp_path):
    site_id, user_id = committed_site
    video_id = upload(site_id, user_id, mediafiles.make_clip(tmp_path, seconds=3).read_bytes(), "clip.mp4")
    owner, _host = owner_browser(app, site_id)
    tone = mediafiles.make_tone(tmp_path, seconds=2).read_bytes()
    add_track(owner, video_id, "dolmetscher.wav", tone, language="de", name="Deutsch", offset="0.5")
    added = f"added-{job_id(video_id)}"
    edit = owner.get(f"/videos/{video_id}/edit")
    form = next(f for f in edit.forms.values() if f.action.endswith("/audio/default"))
    form["rendition"] = added
    form.submit(status=302)
    with worker_request(site_id) as request:
        (kept,) = [f for f in request.dbsession.get(Video, video_id).files if f.kind == "audio-source"]
        assert (kept.language, kept.label, kept.start_offset, kept.is_default) == ("de", "Deutsch", 0.5, True)
        assert kept.size == len(tone)  # an original: it counts in the owner's quota
        kept_key = kept.key

    with worker_request(site_id) as request:  # the site's administrators encode the video again
        from core.pipeline import queue_job

        queue_job(request, request.dbsession.get(Video, video_id), "encode")
    status, audio, _master, jobs = video_state(video_id)
    assert status == "ready" and jobs[-3:] == [
        ("encode", "done", ""),
        ("audio-track", "done", ""),
        ("audio-downloads", "done", ""),
    ]
    again = f"added-{job_id(video_id)}"
    assert again != added and (again, "de", "Deutsch", True) in audio  # encoded again, still the default
    _url, master = master_of(owner, video_id)
    assert [(a.language, a.default) for a in master_audio(master)][-1] == ("de", True)
    assert sum(a.default for a in master_audio(master)) == 1
    assert download_pitches(video_id)["mp4"] == 660  # the downloads still carry the German

    edit = owner.get(f"/videos/{video_id}/edit")  # removing the track removes its kept file too
    next(f for f in edit.forms.values() if f.action.endswith(f"/audio/{again}/delete")).submit(status=302)
    with worker_request(site_id) as request:
        assert not [f for f in request.dbsession.get(Video, video_id).files if f.kind == "audio-source"]
        assert not request.storage.exists(kept_key)


def test_an_added_track_counts_in_the_quota(app, committed_site, fast_pipeline, tmp_path):
    site_id, user_id = committed_site
    clip = mediafiles.make_clip(tmp_path, seconds=1).read_bytes()
    video_id = upload(site_id, user_id, clip, "clip.mp4")
    tone = mediafiles.make_tone(tmp_path, seconds=2).read_bytes()
    with worker_request(site_id) as request:  # room for the video, not for the track beside it
        request.site.upload_user_quota = len(clip) + len(tone) // 2
    owner, _host = owner_browser(app, site_id)
    before = video_state(video_id)
    refused = add_track(owner, video_id, "tone.wav", tone, status=400, language="de")
    assert "exceed your storage quota" in refused.text
    assert video_state(video_id) == before
