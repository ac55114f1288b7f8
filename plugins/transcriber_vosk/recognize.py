"""Audio to timed words with Vosk (KaldiRecognizer, word timings on)."""

from __future__ import annotations

import json
import wave

import ffmpeg

from core.plugin_api import (
    DEFAULT_RULES,
    SAMPLE_RATE,
    EncodeCancelled,
    MediaError,
    ReadingRules,
    Transcript,
    Word,
    _,
    build_cues,
)

#: Audio fed to the recogniser at a time: half a second.
CHUNK_FRAMES = SAMPLE_RATE // 2


def extract_audio(source: str, out: str) -> None:
    """Write the first audio stream of ``source`` to ``out`` as WAV, 16 kHz, mono, s16."""
    stream = ffmpeg.input(source).output(out, vn=None, ac=1, ar=SAMPLE_RATE, acodec="pcm_s16le", f="wav")
    try:
        stream.global_args("-nostdin", "-v", "error").overwrite_output().run(capture_stdout=True, capture_stderr=True)
    except ffmpeg.Error as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace")
        if "does not contain any stream" in detail or "matches no streams" in detail:
            raise MediaError(_("This video has no sound to transcribe.")) from None
        raise MediaError(_("The sound of this video could not be read.")) from None


def words_of(result_json: str) -> list[Word]:
    """The words of one Vosk result (``{"result": [{"word", "start", "end", "conf"}...]}``)."""
    return [
        Word(
            text=item["word"],
            start=float(item["start"]),
            end=float(item["end"]),
            confidence=min(1.0, max(0.0, float(item.get("conf", 1.0)))),
        )
        for item in json.loads(result_json).get("result", [])
    ]


def recognize(model, path: str, progress) -> tuple[list[Word], float]:
    """Timed words of a 16 kHz mono s16 WAV file, and its duration; ``progress(fraction)`` False cancels."""
    from vosk import KaldiRecognizer

    with wave.open(path, "rb") as audio:
        if (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) != (1, 2, SAMPLE_RATE):
            raise MediaError(_("The audio to transcribe must be 16 kHz mono 16-bit PCM."))
        total = max(1, audio.getnframes())
        recognizer = KaldiRecognizer(model, SAMPLE_RATE)
        recognizer.SetWords(True)
        words, done = [], 0
        while data := audio.readframes(CHUNK_FRAMES):
            done += len(data) // 2
            if recognizer.AcceptWaveform(data):
                words += words_of(recognizer.Result())
            if not progress(done / total):
                raise EncodeCancelled()
        words += words_of(recognizer.FinalResult())
    return words, total / SAMPLE_RATE


def transcribe(model, path: str, language: str, progress, rules: ReadingRules = DEFAULT_RULES) -> Transcript:
    """A :class:`core.pipeline.speech.Transcript` of the WAV file at ``path``."""
    words, duration = recognize(model, path, progress)
    return Transcript(language=language, words=words, cues=build_cues(words, rules, duration), duration=duration)
