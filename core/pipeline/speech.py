"""What the speech hook exchanges: recognised words, cues made for reading, WebVTT.

A transcriber plugin implements ``amphi_transcribe`` and answers a
:class:`Transcript`. The reading rules live here, as pure functions, so every
engine cuts its captions the same way: at most two lines of at most 42
characters, shown between 1 and 7 seconds, a new cue at each pause.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.platform.timecodes import escape_cue_text, vtt_timestamp

#: What ``amphi_transcribe`` receives: WAV, 16 kHz, mono, signed 16-bit PCM.
SAMPLE_RATE = 16000


@dataclass(frozen=True)
class Word:
    """One recognised word: seconds from the start of the audio, ``confidence`` in [0, 1]."""

    text: str
    start: float
    end: float
    confidence: float = 1.0


@dataclass(frozen=True)
class Cue:
    """One caption on screen from ``start`` to ``end`` (seconds), already broken into lines."""

    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


@dataclass
class Transcript:
    """What a transcriber answers: the words with their timings and the cues built from them."""

    language: str
    words: list[Word] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    duration: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


@dataclass(frozen=True)
class ReadingRules:
    """How cues are cut: line length, lines per cue, shortest and longest display, pause that ends a cue."""

    max_line: int = 42
    max_lines: int = 2
    min_duration: float = 1.0
    max_duration: float = 7.0
    pause: float = 0.7


#: The rules used unless an engine chooses others.
DEFAULT_RULES = ReadingRules()


def break_lines(texts: list[str], max_line: int = 42, max_lines: int = 2) -> tuple[str, ...] | None:
    """Break words into at most ``max_lines`` lines of at most ``max_line`` characters, as even as possible.

    Returns ``None`` when they do not fit. A single word longer than a line fits alone on its line
    (words are never cut).
    """
    one = " ".join(texts)
    if len(one) <= max_line or len(texts) == 1:
        return (one,)
    if max_lines < 2:
        return None
    best = None
    for cut in range(1, len(texts)):
        head, tail = " ".join(texts[:cut]), texts[cut:]
        if len(head) > max_line and cut > 1:
            break
        rest = break_lines(tail, max_line, max_lines - 1)
        if (len(head) <= max_line or cut == 1) and rest is not None:
            lines = (head, *rest)
            score = max(len(line) for line in lines)
            if best is None or score < best[0]:
                best = (score, lines)
    return best[1] if best else None


def group_words(words: list[Word], rules: ReadingRules = DEFAULT_RULES) -> list[list[Word]]:
    """Group consecutive words into cues: a pause, a full screen or the longest display starts a new one.

    A pause (``rules.pause`` of silence) ends a cue only once it has lasted ``min_duration``.
    """
    groups: list[list[Word]] = []
    for word in words:
        if not word.text.strip():
            continue
        current = groups[-1] if groups else None
        if current is None or starts_new_cue(current, word, rules):
            groups.append([word])
        else:
            current.append(word)
    return groups


def starts_new_cue(current: list[Word], word: Word, rules: ReadingRules) -> bool:
    if word.start - current[-1].end >= rules.pause and word.start - current[0].start >= rules.min_duration:
        return True  # a pause ends a cue, unless the cue would flash by
    if word.end - current[0].start > rules.max_duration:
        return True
    return break_lines([w.text for w in current + [word]], rules.max_line, rules.max_lines) is None


def build_cues(words: list[Word], rules: ReadingRules = DEFAULT_RULES, duration: float | None = None) -> list[Cue]:
    """Cues for reading from timed words (in order): see :class:`ReadingRules`.

    A short cue is held on screen up to ``min_duration`` without running into the next cue
    (nor past ``duration``, the audio's length, when given).
    """
    groups = group_words(words, rules)
    cues = []
    for index, group in enumerate(groups):
        start = group[0].start
        end = max(group[-1].end, start + rules.min_duration)
        if index + 1 < len(groups):
            end = min(end, groups[index + 1][0].start)
        if duration is not None:
            end = min(end, duration)
        end = max(end, group[-1].end)
        lines = break_lines([w.text for w in group], rules.max_line, rules.max_lines)
        if lines is None:  # group_words makes only groups that fit
            raise ValueError(f"words at {start:.3f}s do not fit in a cue")
        cues.append(Cue(start=round(start, 3), end=round(end, 3), lines=lines))
    return cues


def to_webvtt(cues: list[Cue]) -> str:
    """A WebVTT file of ``cues``."""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        lines = "\n".join(escape_cue_text(line) for line in cue.lines)
        blocks.append(f"{vtt_timestamp(cue.start)} --> {vtt_timestamp(cue.end)}\n{lines}\n")
    return "\n".join(blocks)
