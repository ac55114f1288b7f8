"""The encoder and transcriber contract suites: what ``amphi_probe``, ``amphi_encoding_ladder``,
``amphi_encode`` and ``amphi_transcribe`` must do, whatever the engine behind them.

A backend's tests subclass :class:`EncoderContract` or :class:`TranscriberContract` and provide the
fixtures named there (a site that enabled the plugin, and small media files). Every call into the
hooks goes through one adapter method per suite (:meth:`EncoderContract.call_hook`,
:meth:`TranscriberContract.transcribe`): when the hook contract changes, only that method follows.
The files the encoder writes are checked with ffprobe and decoded with ffmpeg.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import wave
from itertools import pairwise

import pytest

from core.pipeline.jobs import JobContext
from core.pipeline.media import EncodeCancelled, MediaError, MediaInfo, Rung
from core.pipeline.speech import SAMPLE_RATE, Transcript


def ffprobe(path: str) -> dict:
    """ffprobe's JSON description of a file: ``format`` and ``streams``."""
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def decodes_cleanly(path: str) -> bool:
    """Whether ffmpeg decodes every stream of ``path`` (an HLS playlist: with its segments) without an error."""
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"], capture_output=True, text=True, timeout=120
    )
    return done.returncode == 0 and not done.stderr.strip()


def files_under(folder: str) -> set[str]:
    return {
        os.path.relpath(os.path.join(root, name), folder) for root, _dirs, names in os.walk(folder) for name in names
    }


class EncoderContract:
    """What every encoder plugin must do with a short clip, a sound, and files that are not media.

    The subclass provides ``encoder_request`` (a request of a site that enabled the encoder, settings
    chosen to be quick) and ``media(kind)``, the path of a small file of each kind in :attr:`MEDIA`.
    """

    #: The files a subclass provides: a 2-5 s clip with sound at 854x480, a sound alone, and non-media.
    MEDIA = ("video", "audio", "truncated", "text", "empty")

    @pytest.fixture
    def encoder_request(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    @pytest.fixture
    def media(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    def call_hook(self, request, hook: str, **values):
        """The one place that calls the media hooks, as a job does: the site's plugins, the job's plain values."""
        job = JobContext.of(request)
        hooks = job.hooks
        if hook == "probe":
            return hooks.amphi_probe(path=values["source"])
        if hook == "ladder":
            return hooks.amphi_encoding_ladder(job=job, info=values["info"])
        return hooks.amphi_encode(
            job=job,
            source=values["source"],
            info=values["info"],
            ladder=values["ladder"],
            out=values["out"],
            progress=values["progress"],
        )

    def encode(self, request, source: str, out: str, progress=lambda fraction: True):
        """Probe, choose the ladder, encode: ``(info, ladder, result, reported fractions)``."""
        info = self.call_hook(request, "probe", source=source)
        ladder = self.call_hook(request, "ladder", info=info)
        os.makedirs(out, exist_ok=True)
        reported = []

        def report(fraction):
            reported.append(fraction)
            return progress(fraction)

        result = self.call_hook(request, "encode", source=source, info=info, ladder=ladder, out=out, progress=report)
        return info, ladder, result, reported

    @pytest.fixture
    def encoded(self, encoder_request, media, tmp_path):
        out = str(tmp_path / "out")
        return (out, *self.encode(encoder_request, media("video"), out))

    # --- probe ----------------------------------------------------------------------------------

    def test_probe_describes_a_clip(self, encoder_request, media):
        info = self.call_hook(encoder_request, "probe", source=media("video"))
        assert isinstance(info, MediaInfo) and info.has_video and info.has_audio and not info.is_audio_only
        assert (info.width, info.height) == (854, 480) and info.fps > 0
        assert abs(info.duration - float(ffprobe(media("video"))["format"]["duration"])) < 0.2

    def test_probe_describes_a_sound(self, encoder_request, media):
        info = self.call_hook(encoder_request, "probe", source=media("audio"))
        assert info.is_audio_only and info.duration > 1 and (info.width, info.height) == (0, 0)

    @pytest.mark.parametrize("kind", ["truncated", "text", "empty"])
    def test_probe_of_a_file_that_is_not_usable_media_is_a_clear_error(self, encoder_request, media, kind):
        with pytest.raises(MediaError) as caught:
            self.call_hook(encoder_request, "probe", source=media(kind))
        assert caught.value.message.strip() and "Traceback" not in caught.value.message

    # --- ladder ---------------------------------------------------------------------------------

    def test_the_ladder_never_upscales(self, encoder_request, media):
        info = self.call_hook(encoder_request, "probe", source=media("video"))
        ladder = self.call_hook(encoder_request, "ladder", info=info)
        assert ladder and all(isinstance(rung, Rung) for rung in ladder)
        assert len({rung.name for rung in ladder}) == len(ladder)
        for rung in ladder:
            assert rung.width <= info.width and rung.height <= info.height
            assert rung.width % 2 == rung.height % 2 == 0 and rung.video_bitrate > 0
        assert [rung.height for rung in ladder] == sorted(rung.height for rung in ladder)
        sound = self.call_hook(encoder_request, "probe", source=media("audio"))
        assert self.call_hook(encoder_request, "ladder", info=sound) == []

    # --- encode ---------------------------------------------------------------------------------

    def test_every_output_exists_and_every_file_written_is_listed(self, encoded):
        out, info, ladder, result, _reported = encoded
        assert {o.path for o in result.outputs} == files_under(out)
        assert all(os.path.getsize(os.path.join(out, o.path)) > 0 for o in result.outputs)
        assert abs(result.duration - info.duration) < 0.5

    def test_the_hls_master_plays_every_asked_rung(self, encoded):
        out, _info, ladder, result, _reported = encoded
        (master,) = result.of_kind("hls-master")
        text = open(os.path.join(out, master.path), encoding="utf-8").read()
        assert text.startswith("#EXTM3U")
        sizes = re.findall(r"#EXT-X-STREAM-INF:.*RESOLUTION=(\d+)x(\d+)", text)
        assert sorted((int(w), int(h)) for w, h in sizes) == sorted((r.width, r.height) for r in ladder)
        for uri in re.findall(r"^([^#\s].*)$", text, re.M):
            assert os.path.isfile(os.path.join(out, os.path.dirname(master.path), uri)), uri
        assert decodes_cleanly(os.path.join(out, master.path))
        playlists = {o.rendition for o in result.of_kind("hls-playlist") if o.rendition}
        assert {rung.name for rung in ladder} <= playlists

    def test_the_mp4_downloads_are_playable_renditions_of_the_ladder(self, encoded):
        out, info, ladder, result, _reported = encoded
        sizes = {rung.name: (rung.width, rung.height) for rung in ladder}
        downloads = result.of_kind("mp4")
        assert downloads
        for mp4 in downloads:
            path = os.path.join(out, mp4.path)
            probed = ffprobe(path)
            video = next(s for s in probed["streams"] if s["codec_type"] == "video")
            assert (video["width"], video["height"]) == sizes[mp4.rendition] == (mp4.width, mp4.height)
            assert {s["codec_type"] for s in probed["streams"]} == {"video", "audio"}
            assert abs(float(probed["format"]["duration"]) - info.duration) < 0.5
            assert mp4.mime == "video/mp4" and decodes_cleanly(path)

    def test_progress_is_reported_in_order_up_to_one(self, encoded):
        reported = encoded[-1]
        assert reported and reported == sorted(reported) and all(0 <= p <= 1 for p in reported)
        assert reported[-1] == 1.0

    def test_a_sound_gives_audio_outputs_and_an_audio_playlist(self, encoder_request, media, tmp_path):
        out = str(tmp_path / "sound")
        _info, ladder, result, _reported = self.encode(encoder_request, media("audio"), out)
        assert ladder == [] and not result.of_kind("mp4") and result.of_kind("audio")
        (master,) = result.of_kind("hls-master")
        master_path = os.path.join(out, master.path)
        assert decodes_cleanly(master_path)
        assert {s["codec_type"] for s in ffprobe(master_path)["streams"]} == {"audio"}

    def test_cancelling_stops_the_encode(self, encoder_request, media, tmp_path):
        with pytest.raises(EncodeCancelled):
            self.encode(encoder_request, media("video"), str(tmp_path / "cancelled"), progress=lambda f: False)


def write_silence(path: str, seconds: float) -> str:
    """A WAV file of silence as the transcription hook takes it: 16 kHz, mono, signed 16-bit."""
    with wave.open(path, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(SAMPLE_RATE)
        audio.writeframes(b"\0\0" * int(seconds * SAMPLE_RATE))
    return path


def wav_seconds(path: str) -> float:
    with wave.open(path) as audio:
        return audio.getnframes() / audio.getframerate()


class TranscriberContract:
    """What every transcriber plugin must do with speech, silence, and a language it has no model for.

    The subclass provides ``transcriber_request`` (a request of a site that enabled the transcriber),
    ``speech`` (the path of a 16 kHz mono WAV file of a few seconds of speech) and ``speech_language``
    (its two-letter language, one the transcriber has a model for). A language in
    :attr:`NO_MODEL_LANGUAGE` must have no model.
    """

    NO_MODEL_LANGUAGE = "xx"

    @pytest.fixture
    def transcriber_request(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    @pytest.fixture
    def speech(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    @pytest.fixture
    def speech_language(self):  # pragma: no cover - provided by the subclass
        raise NotImplementedError

    def transcribe(self, request, audio: str, language: str, progress=lambda fraction: True):
        """The one place that calls ``amphi_transcribe``, as a job does: the site's plugins, the job's plain values."""
        job = JobContext.of(request)
        return job.hooks.amphi_transcribe(job=job, audio=audio, language=language, progress=progress)

    @pytest.fixture
    def transcript(self, transcriber_request, speech, speech_language):
        reported = []
        transcript = self.transcribe(
            transcriber_request, speech, speech_language, progress=lambda fraction: reported.append(fraction) or True
        )
        return transcript, reported

    def test_speech_gives_cues_in_order_inside_the_clip(self, transcript, speech, speech_language):
        transcript, _reported = transcript
        duration = wav_seconds(speech)
        assert isinstance(transcript, Transcript) and transcript.language == speech_language
        assert transcript.cues and transcript.words and abs(transcript.duration - duration) < 0.05
        for cue in transcript.cues:
            assert 0 <= cue.start < cue.end <= duration + 0.01 and cue.text.strip()
        assert all(a.end <= b.start for a, b in pairwise(transcript.cues))

    def test_words_have_times_in_order_and_confidences_in_range(self, transcript, speech):
        words, duration = transcript[0].words, wav_seconds(speech)
        assert all(word.text.strip() and 0 <= word.start <= word.end <= duration + 0.01 for word in words)
        assert all(0.0 <= word.confidence <= 1.0 for word in words)
        assert all(a.start <= b.start for a, b in pairwise(words))
        assert " ".join(cue.text for cue in transcript[0].cues) == transcript[0].text

    def test_progress_is_reported_in_order_up_to_one(self, transcript):
        reported = transcript[1]
        assert reported and reported == sorted(reported) and reported[-1] == 1.0

    def test_silence_gives_no_cues_and_no_error(self, transcriber_request, speech_language, tmp_path):
        silence = write_silence(str(tmp_path / "silence.wav"), 3)
        transcript = self.transcribe(transcriber_request, silence, speech_language)
        assert isinstance(transcript, Transcript) and transcript.cues == [] and transcript.words == []
        assert transcript.language == speech_language

    def test_a_language_without_a_model_is_left_to_another_engine(self, transcriber_request, speech):
        assert self.transcribe(transcriber_request, speech, self.NO_MODEL_LANGUAGE) is None

    def test_cancelling_stops_the_transcription(self, transcriber_request, speech, speech_language):
        with pytest.raises(EncodeCancelled):
            self.transcribe(transcriber_request, speech, speech_language, progress=lambda fraction: False)
