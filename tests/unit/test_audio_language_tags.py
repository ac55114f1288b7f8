"""Audio languages: tags to BCP 47 and names, which stream is the default, rewriting a master's audio group."""

import pytest

from core.pipeline.hls import master_audio, with_audio
from core.plugin_api import (
    AudioStream,
    HlsAudio,
    HlsVariant,
    MediaInfo,
    audio_language,
    audio_name,
    hls_master_playlist,
)
from plugins.encoder_ffmpeg.audio import audio_renditions


@pytest.mark.parametrize(
    ("tag", "language"),
    [("fre", "fr"), ("fra", "fr"), ("eng", "en"), ("ger", "de"), ("fr-FR", "fr"), ("en_GB", "en")]
    + [("und", ""), ("", ""), (None, ""), ("mul", ""), ("zxx", ""), ("qaa", ""), ("x1", ""), ("e n", "")],
)
def test_iso_639_2_tags_become_bcp_47_and_undetermined_ones_nothing(tag, language):
    assert audio_language(tag) == language


def test_a_rendition_is_named_by_its_title_else_its_language_in_itself_else_its_place():
    assert audio_name("  Interprète   LSF ", "fr", 1) == "Interprète LSF"
    assert audio_name("", "fr", 1) == "Français"
    assert audio_name(None, "en", 2) == "English"
    assert audio_name("", "de", 3) == "Deutsch"
    assert audio_name("", "", 2) == "Audio 2"


def info(*streams):
    return MediaInfo("matroska", 3.0, True, bool(streams), 320, 240, audio_streams=tuple(streams))


def test_every_audio_stream_is_a_rendition_and_the_default_disposition_wins():
    renditions = audio_renditions(
        info(AudioStream(0, "fr"), AudioStream(1, "en", "English", default=True), AudioStream(2, "", ""))
    )
    assert [(r.stream, r.folder, r.file, r.language, r.name, r.default) for r in renditions] == [
        (0, "audio_1", "audio-extra/audio_1.m4a", "fr", "Français", False),
        (1, "audio", "audio.m4a", "en", "English", True),  # the default one feeds the downloads
        (2, "audio_3", "audio-extra/audio_3.m4a", "", "Audio 3", False),
    ]


def test_without_a_default_disposition_the_first_stream_is_the_default():
    first, second = audio_renditions(info(AudioStream(0, "fr"), AudioStream(1, "en")))
    assert (first.default, first.folder, second.default, second.folder) == (True, "audio", False, "audio_2")
    assert audio_renditions(info()) == []


MASTER = hls_master_playlist(
    [HlsVariant("360p/index.m3u8", 640, 360, 800_000, 700_000, "avc1.64001E", 25.0)],
    [HlsAudio("audio/index.m3u8", "fr", "Français", True), HlsAudio("audio_2/index.m3u8", "en", "English")],
)


def test_the_master_audio_group_is_read_back_and_rewritten_with_the_variants_untouched():
    audio = master_audio(MASTER)
    assert [(a.uri, a.language, a.name, a.default) for a in audio] == [
        ("audio/index.m3u8", "fr", "Français", True),
        ("audio_2/index.m3u8", "en", "English", False),
    ]
    added = [audio[0].__class__(**{**audio[0].__dict__, "default": False}), audio[1]]
    added.append(HlsAudio("added-7/index.m3u8", "de", 'Deutsch "live"', True))
    text = with_audio(MASTER, added)
    rewritten = master_audio(text)
    assert [(a.uri, a.default) for a in rewritten] == [
        ("audio/index.m3u8", False),
        ("audio_2/index.m3u8", False),
        ("added-7/index.m3u8", True),
    ]
    assert rewritten[2].name == "Deutsch live"  # a quote cannot end the attribute early
    variants = [line for line in text.splitlines() if not line.startswith("#EXT-X-MEDIA")]
    assert variants == [line for line in MASTER.splitlines() if not line.startswith("#EXT-X-MEDIA")]


def test_a_silent_videos_variants_get_the_audio_group_and_codec_when_a_track_is_added():
    silent = hls_master_playlist([HlsVariant("240p/index.m3u8", 320, 240, 300_000, 0, "avc1.64000D")])
    text = with_audio(silent, [HlsAudio("added-3/index.m3u8", "en", "English", True)])
    (variant,) = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert 'CODECS="avc1.64000D,mp4a.40.2"' in variant and variant.endswith('AUDIO="audio"')
    assert text.index("#EXT-X-MEDIA") < text.index("#EXT-X-STREAM-INF")


def test_a_sound_in_two_languages_is_one_variant_with_an_audio_group():
    """Not two variants: hls.js would take the languages for bitrates and switch between them."""
    text = hls_master_playlist(
        [],
        [
            HlsAudio("audio_1/index.m3u8", "fr", "Français", peak=140_000, average=128_000),
            HlsAudio("audio/index.m3u8", "en", "English", True, peak=130_000, average=127_000),
        ],
    )
    assert [(a.uri, a.default) for a in master_audio(text)] == [
        ("audio_1/index.m3u8", False),
        ("audio/index.m3u8", True),
    ]
    variants = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF")]
    assert variants == ['#EXT-X-STREAM-INF:BANDWIDTH=140000,AVERAGE-BANDWIDTH=128000,CODECS="mp4a.40.2",AUDIO="audio"']
    assert text.endswith("\naudio/index.m3u8\n")  # the default language's playlist
