"""The reading rules of automatic captions, on word lists (core.pipeline.speech)."""

import io
from itertools import pairwise

import webvtt

from core.pipeline.speech import Cue, ReadingRules, Word, break_lines, build_cues, to_webvtt, vtt_timestamp


def steady(texts, start=0.0, step=0.4, gap=0.05):
    """Words one after another, each ``step`` long, ``gap`` apart."""
    words, t = [], start
    for text in texts:
        words.append(Word(text, round(t, 3), round(t + step, 3), 0.9))
        t += step + gap
    return words


def test_short_lines_stay_on_one_line_and_long_ones_break_evenly():
    assert break_lines(["hello", "world"]) == ("hello world",)
    texts = "the quick brown fox jumps over the lazy dog and runs far away".split()
    lines = break_lines(texts)
    assert len(lines) == 2 and all(len(line) <= 42 for line in lines)
    assert " ".join(lines) == " ".join(texts)
    assert abs(len(lines[0]) - len(lines[1])) <= 8  # balanced, not greedy
    assert break_lines(["word"] * 30) is None  # 149 characters: not on two lines


def test_a_word_longer_than_a_line_is_never_cut():
    long = "x" * 50
    assert break_lines([long]) == (long,)
    assert break_lines([long, "y"]) == (long, "y")


def test_a_pause_starts_a_new_cue():
    words = steady(["bonjour", "à", "tous"]) + steady(["nous", "commençons"], start=3.0)
    cues = build_cues(words)
    assert [c.text for c in cues] == ["bonjour à tous", "nous commençons"]
    assert cues[1].start == 3.0


def test_a_pause_does_not_end_a_cue_that_would_flash_by():
    words = [Word("oui", 0.0, 0.2), Word("alors", 0.9, 1.4), Word("voilà", 1.45, 1.8)]
    cues = build_cues(words)
    assert [c.text for c in cues] == ["oui alors voilà"]


def test_cues_respect_lines_characters_and_duration():
    texts = (
        "aujourd'hui nous allons parler des structures de données et des algorithmes qui les "
        "manipulent en commençant par les tableaux les listes chaînées puis les arbres"
    ).split()
    words = steady(texts * 3)
    cues = build_cues(words)
    assert len(cues) > 3
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2
        assert all(len(line) <= 42 for line in cue.lines)
        assert 1.0 <= cue.end - cue.start <= 7.0
    assert " ".join(c.text for c in cues) == " ".join(texts * 3)  # no word lost, none repeated
    assert all(a.end <= b.start for a, b in pairwise(cues))  # never overlapping


def test_slow_speech_is_cut_at_seven_seconds():
    words = steady(["un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit"], step=1.0, gap=0.1)
    cues = build_cues(words)
    assert len(cues) == 2
    assert all(cue.end - cue.start <= 7.0 for cue in cues)


def test_a_short_cue_is_held_one_second_but_not_over_the_next_or_past_the_end():
    words = [Word("oui", 0.0, 0.3), Word("non", 5.0, 5.3)]
    cues = build_cues(words, duration=5.6)
    assert (cues[0].start, cues[0].end) == (0.0, 1.0)
    assert (cues[1].start, cues[1].end) == (5.0, 5.6)  # the audio ends there


def test_rules_can_be_changed():
    words = steady("one two three four five six".split())
    cues = build_cues(words, ReadingRules(max_line=10, max_lines=1))
    assert all(len(c.lines) == 1 and len(c.lines[0]) <= 10 for c in cues)


def test_blank_words_are_dropped_and_no_words_give_no_cues():
    assert build_cues([]) == []
    assert [c.text for c in build_cues([Word(" ", 0, 1), Word("là", 1, 2)])] == ["là"]


def test_webvtt_is_valid_and_escapes_markup():
    cues = [Cue(0.5, 2.0, ("a <b> & c",)), Cue(3725.5, 3727.25, ("deux", "lignes"))]
    text = to_webvtt(cues)
    assert text.startswith("WEBVTT\n\n00:00:00.500 --> 00:00:02.000\na &lt;b&gt; &amp; c\n")
    parsed = webvtt.from_buffer(io.StringIO(text), strict=True)
    assert [(c.start, c.end) for c in parsed] == [("00:00:00.500", "00:00:02.000"), ("01:02:05.500", "01:02:07.250")]
    assert parsed[1].lines == ["deux", "lignes"]
    assert vtt_timestamp(0) == "00:00:00.000" and vtt_timestamp(59.9996) == "00:01:00.000"
