"""The master playlist Amphi writes: one audio group with a rendition per language (what hls.js offers)."""

from core.plugin_api import HlsAudio, HlsVariant, hls_master_playlist


def tags(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_two_languages_make_one_group_with_one_default():
    text = hls_master_playlist(
        [HlsVariant("360p/index.m3u8", 640, 360, 800_000, 700_000, "avc1.64001E", 25.0)],
        [
            HlsAudio("audio_fr/index.m3u8", "fr", "Français", True, peak=130_000, average=128_000),
            HlsAudio("audio_en/index.m3u8", "en", "English", peak=140_000, average=127_000),
        ],
    )
    media = tags(text, "#EXT-X-MEDIA:")
    assert media == [
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="fr",NAME="Français",DEFAULT=YES,AUTOSELECT=YES,'
        'CHANNELS="2",URI="audio_fr/index.m3u8"',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,'
        'CHANNELS="2",URI="audio_en/index.m3u8"',
    ]
    (variant,) = tags(text, "#EXT-X-STREAM-INF:")
    # the bandwidth counts the largest audio the variant may be played with
    assert variant == (
        "#EXT-X-STREAM-INF:BANDWIDTH=940000,AVERAGE-BANDWIDTH=828000,RESOLUTION=640x360,"
        'CODECS="avc1.64001E,mp4a.40.2",FRAME-RATE=25.000,AUDIO="audio"'
    )
    assert text.splitlines()[-1] == "360p/index.m3u8" and text.endswith("\n")


def test_the_first_rendition_is_the_default_when_none_is_marked():
    text = hls_master_playlist([HlsVariant("a/index.m3u8", 320, 180, 1)], [HlsAudio("x.m3u8"), HlsAudio("y.m3u8")])
    assert [("DEFAULT=YES" in line) for line in tags(text, "#EXT-X-MEDIA:")] == [True, False]


def test_audio_only_in_two_languages_is_the_default_as_variant_with_the_group():
    # As two variants, hls.js took the languages for bitrates and switched between them (Chromium).
    text = hls_master_playlist([], [HlsAudio("fr.m3u8", "fr"), HlsAudio("en.m3u8", "en", default=True, peak=5)])
    assert len(tags(text, "#EXT-X-MEDIA:")) == 2
    assert [line for line in text.splitlines() if not line.startswith("#")] == ["en.m3u8"]
    assert tags(text, "#EXT-X-STREAM-INF:")[0].endswith('AUDIO="audio"')


def test_audio_only_in_one_language_is_the_variant_itself():
    text = hls_master_playlist([], [HlsAudio("fr.m3u8", "fr", peak=5)])
    assert not tags(text, "#EXT-X-MEDIA:")
    assert [line for line in text.splitlines() if not line.startswith("#")] == ["fr.m3u8"]


def test_a_name_cannot_break_out_of_its_quotes():
    text = hls_master_playlist([HlsVariant("v.m3u8", 1, 1, 1)], [HlsAudio("a.m3u8", "en", 'Eng"lish\n#EXT-X-ENDLIST')])
    assert 'NAME="English#EXT-X-ENDLIST"' in text and "#EXT-X-ENDLIST\n" not in text
