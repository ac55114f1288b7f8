"""The live media's pure parts: the ladder, the packager's argv, the master playlist, nginx's text, signatures."""

import time

import pytest
from pyramid.httpexceptions import HTTPForbidden, HTTPGone

from plugins.live import segments
from plugins.live.ladder import Audio, choose_ladder, gop_frames, master_playlist, packager_command
from plugins.live.nginx import NginxOptions, http_locations, rtmp_block, standalone_config
from plugins.live.packager import close_playlists, renditions, reopen_playlists

LADDER = (360, 720, 1080)


def names(rungs):
    return [(r.name, r.width, r.height) for r in rungs]


def test_the_ladder_follows_the_input_and_never_upscales():
    assert names(choose_ladder(1920, 1080, LADDER)) == [("360p", 640, 360), ("720p", 1280, 720), ("1080p", 1920, 1080)]
    assert names(choose_ladder(1280, 720, LADDER)) == [("360p", 640, 360), ("720p", 1280, 720)]
    # An input smaller than every rung keeps its own size; an odd size is made even.
    assert names(choose_ladder(320, 240, LADDER)) == [("240p", 320, 240)]
    assert names(choose_ladder(854, 481, LADDER)) == [("360p", 638, 360), ("480p", 852, 480)]
    # Near a rung (within 20 %), no extra rung at the input's size.
    assert names(choose_ladder(1366, 768, LADDER)) == [("360p", 640, 360), ("720p", 1280, 720)]
    bitrates = [r.bitrate for r in choose_ladder(1920, 1080, LADDER)]
    assert bitrates == sorted(bitrates) and bitrates[1] == 2_800_000
    with pytest.raises(ValueError):
        choose_ladder(0, 0, LADDER)


def test_a_keyframe_starts_every_segment():
    assert gop_frames(2, 25) == 50
    assert gop_frames(1, 29.97) == 30
    assert gop_frames(2, 0) == 50  # an unknown rate: 25


def command(audio=(), main_has_audio=True, rungs=None):
    return packager_command(
        pull="127.0.0.1:1935/live",
        video_stream="e5",
        audio=list(audio),
        main_has_audio=main_has_audio,
        rungs=rungs or choose_ladder(1280, 720, LADDER),
        frame_rate=25,
        folder="/hls/e5",
        segment_seconds=2,
        list_size=60,
    )


def option(argv, name):
    return argv[argv.index(name) + 1]


def test_the_packager_pulls_transcodes_the_ladder_and_writes_media_playlists_only():
    argv = command([Audio("e5", "fr", "Français"), Audio("e5_en", "en", "English")])
    assert argv[:5] == ["ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostdin"]
    inputs = [argv[i + 1] for i, word in enumerate(argv) if word == "-i"]
    assert inputs == ["rtmp://127.0.0.1:1935/live/e5", "rtmp://127.0.0.1:1935/live/e5_en"]
    assert argv.count("-rw_timeout") == 2
    graph = option(argv, "-filter_complex")
    assert "split=2" in graph and "scale=640:360" in graph and "scale=1280:720" in graph
    assert option(argv, "-c:v") == "libx264" and option(argv, "-tune") == "zerolatency"
    assert option(argv, "-g") == "50" and option(argv, "-keyint_min") == "50" and option(argv, "-sc_threshold") == "0"
    assert option(argv, "-b:v:1") == "2800000"
    assert option(argv, "-f") == "hls" and option(argv, "-hls_time") == "2" and option(argv, "-hls_list_size") == "60"
    flags = option(argv, "-hls_flags").split("+")
    assert {"delete_segments", "independent_segments", "append_list"} <= set(flags)
    assert "-master_pl_name" not in argv  # Amphi writes the master playlist
    assert option(argv, "-var_stream_map") == "v:0,name:360p v:1,name:720p a:0,name:a0 a:1,name:a1"
    assert argv[-1] == "/hls/e5/%v/index.m3u8"
    maps = [argv[i + 1] for i, word in enumerate(argv) if word == "-map"]
    assert maps[-2:] == ["0:a", "1:a"]


def test_an_input_without_sound_gets_video_only():
    argv = command([], main_has_audio=False, rungs=choose_ladder(320, 240, LADDER))
    assert option(argv, "-var_stream_map") == "v:0,name:240p"
    assert [argv[i + 1] for i, word in enumerate(argv) if word == "-map"] == ["[s1]"]
    assert "split" not in option(argv, "-filter_complex")


def test_renditions_put_the_main_sound_first_and_drop_it_when_silent():
    state = {"stream": "e5", "audio": [["e5_en", "en", "English"], ["e5", "fr", "Français"]]}
    assert renditions(state, True) == [Audio("e5", "fr", "Français"), Audio("e5_en", "en", "English")]
    assert renditions(state, False) == [Audio("e5_en", "en", "English")]
    assert renditions({"stream": "e5"}, True) == [Audio("e5", "", "Original")]
    assert renditions({"stream": "e5", "language": "fr", "name": "Français"}, True) == [Audio("e5", "fr", "Français")]


def test_the_master_playlist_has_one_audio_group_with_a_rendition_per_language():
    text = master_playlist(
        choose_ladder(1280, 720, LADDER), [Audio("e5", "fr", "Français"), Audio("e5_en", "en", "English")], 25
    )
    media = [line for line in text.splitlines() if line.startswith("#EXT-X-MEDIA:")]
    assert len(media) == 2
    assert 'LANGUAGE="fr",NAME="Français",DEFAULT=YES' in media[0] and 'URI="a0/index.m3u8"' in media[0]
    assert 'LANGUAGE="en",NAME="English",DEFAULT=NO' in media[1] and 'URI="a1/index.m3u8"' in media[1]
    assert all('GROUP-ID="audio"' in line for line in media)
    variants = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF:")]
    assert len(variants) == 2 and all('AUDIO="audio"' in v for v in variants)
    assert "RESOLUTION=1280x720" in variants[1] and "720p/index.m3u8" in text
    silent = master_playlist(choose_ladder(320, 240, LADDER), [], 25)
    assert "#EXT-X-MEDIA" not in silent and "AUDIO=" not in silent


OPTIONS = NginxOptions(
    app_url="http://127.0.0.1:6543",
    callback_secret="c4llback",
    link_secret="l1nk",
    hls_folder="/var/lib/amphi/live/hls",
    recordings_folder="/var/lib/amphi/live/recordings",
)


def test_the_rtmp_block_calls_amphi_back_records_everything_and_leaves_hls_to_the_packager():
    text = rtmp_block(OPTIONS)
    for name in ("publish", "publish_done", "record_done"):
        assert f"on_{name} http://127.0.0.1:6543/live/rtmp/{name}?secret=c4llback;" in text
    assert "record all;" in text and "record_unique on;" in text and "record off" not in text
    assert 'record_path "/var/lib/amphi/live/recordings";' in text
    assert "hls off;" in text and "hls on" not in text
    assert "allow play 127.0.0.1;\n      deny play all;" in text


def test_the_http_locations_check_the_signature_and_cache_playlists_and_segments_apart():
    text = http_locations(OPTIONS)
    assert "secure_link $live_token,$live_expires;" in text
    assert 'secure_link_md5 "$live_expires/$live_event l1nk";' in text
    assert 'alias "/var/lib/amphi/live/hls/$live_event/$live_file";' in text
    assert "no-cache" in text and "max-age=3600" in text and "Access-Control-Allow-Origin" in text
    whole = standalone_config(OPTIONS)
    assert whole.startswith("load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;")
    assert "proxy_pass http://127.0.0.1:6543;" in whole and "daemon off" not in whole


def test_a_value_that_would_break_the_configuration_is_refused():
    bad = NginxOptions(**{**OPTIONS.__dict__, "hls_folder": '/tmp/x"; include /etc/passwd; #'})
    with pytest.raises(ValueError):
        http_locations(bad)


def test_a_signed_path_is_accepted_and_a_tampered_expired_or_escaping_one_refused():
    now = int(time.time())
    path = segments.signed_path("s3cret", 5, now + 60, "720p/seg_00001.ts")
    assert segments.verify("s3cret", path) == ("e5", "720p/seg_00001.ts")
    assert segments.verify("s3cret", segments.signed_path("s3cret", 5, now + 60)) == ("e5", "master.m3u8")
    refused = [
        path.replace("/e5/", "/e6/"),  # another event
        segments.signed_path("other", 5, now + 60),  # another installation's secret
        path.replace(str(now + 60), str(now + 6000)),  # a longer life
        segments.signed_path("s3cret", 5, now + 60, "../e6/master.m3u8"),
        segments.signed_path("s3cret", 5, now + 60, "720p/../../x.ts"),
        segments.signed_path("s3cret", 5, now + 60, "secret.json"),
        "/live/hls/x/1/e5/master.m3u8",
    ]
    for wrong in refused:
        with pytest.raises(HTTPForbidden):
            segments.verify("s3cret", wrong)
    with pytest.raises(HTTPGone):
        segments.verify("s3cret", segments.signed_path("s3cret", 5, now - 1))


def test_the_token_is_what_nginx_secure_link_computes():
    # echo -n '2147483647/e5 s3cret' | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =
    assert segments.token("s3cret", "e5", 2147483647) == "OZOSLuOsaCvQ2Dl71wM6sw"


def test_closing_a_playlist_adds_one_endlist_and_reopening_takes_it_off(tmp_path):
    (tmp_path / "720p").mkdir()
    playlist = tmp_path / "720p" / "index.m3u8"
    playlist.write_text("#EXTM3U\n#EXTINF:2.0,\nseg_00000.ts\n")
    close_playlists(str(tmp_path))
    close_playlists(str(tmp_path))
    assert playlist.read_text().count("#EXT-X-ENDLIST") == 1
    reopen_playlists(str(tmp_path))
    assert "#EXT-X-ENDLIST" not in playlist.read_text()


def test_the_example_in_etc_is_what_the_generator_writes():
    from pathlib import Path

    from plugins.live.nginx import example_file

    assert (Path(__file__).parents[2] / "etc" / "nginx" / "live.conf").read_text() == example_file()


def test_a_language_that_joins_late_starts_with_the_first_ones_past(tmp_path):
    from plugins.live.packager import seed_new_languages

    history = "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-DISCONTINUITY\n#EXTINF:1.0,\nseg_00003.ts\n#EXTINF:1.0,\nseg_00004.ts\n"
    for name in ("a0", "a1", "a2", "240p"):
        (tmp_path / name).mkdir()
    (tmp_path / "a0" / "index.m3u8").write_text(history)
    (tmp_path / "a0" / "seg_00003.ts").write_bytes(b"old sound")  # seg_00004 aged out meanwhile
    (tmp_path / "a2" / "index.m3u8").write_text("#EXTM3U\n")  # a language that was there already
    seed_new_languages(str(tmp_path), ["240p", "a0", "a1", "a2"])
    assert (tmp_path / "a1" / "index.m3u8").read_text() == history  # same discontinuities, same numbering
    assert (tmp_path / "a1" / "seg_00003.ts").stat().st_ino == (tmp_path / "a0" / "seg_00003.ts").stat().st_ino
    assert not (tmp_path / "a1" / "seg_00004.ts").exists()
    assert (tmp_path / "a2" / "index.m3u8").read_text() == "#EXTM3U\n" and not (
        tmp_path / "240p" / "index.m3u8"
    ).exists()
