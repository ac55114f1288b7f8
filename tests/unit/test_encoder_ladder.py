"""The encoder's pure rules: ladder sizes and bitrates, frame rates, the ffmpeg argv, the storyboard cues."""

from fractions import Fraction

import pytest

from core.pipeline.media import AudioStream, MediaInfo
from plugins.encoder_ffmpeg import amphi_settings
from plugins.encoder_ffmpeg.audio import audio_renditions
from plugins.encoder_ffmpeg.command import storyboard_plan, tee_target, video_command
from plugins.encoder_ffmpeg.ladder import encoding_ladder, gop_frames, output_frame_rate
from plugins.encoder_ffmpeg.package import storyboard_vtt


def defaults() -> dict:
    return {s.key: s.coerce(s.default) for s in amphi_settings()}


def video(width, height, **kw) -> MediaInfo:
    return MediaInfo(
        container="mov",
        duration=kw.pop("duration", 60.0),
        has_video=True,
        has_audio=True,
        width=width,
        height=height,
        fps=kw.pop("fps", 25.0),
        **kw,
    )


def sizes(ladder):
    return [(r.name, r.width, r.height) for r in ladder]


def test_a_1080p_source_gets_the_four_default_rungs():
    assert sizes(encoding_ladder(defaults(), video(1920, 1080))) == [
        ("360p", 640, 360),
        ("480p", 854, 480),
        ("720p", 1280, 720),
        ("1080p", 1920, 1080),
    ]


def test_never_upscaled():
    assert [r.name for r in encoding_ladder(defaults(), video(1280, 720))] == ["360p", "480p", "720p"]
    assert [r.name for r in encoding_ladder(defaults(), video(1000, 500))] == ["360p", "480p"]


def test_a_source_below_the_lowest_rung_keeps_its_own_size():
    assert sizes(encoding_ladder(defaults(), video(320, 240))) == [("240p", 320, 240)]


def test_odd_dimensions_become_even():
    ladder = encoding_ladder(defaults(), video(321, 241))
    assert sizes(ladder) == [("240p", 320, 240)]
    ladder = encoding_ladder(defaults(), video(1279, 719))
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in ladder)


def test_vertical_video_stays_vertical_with_the_rung_on_its_width():
    ladder = encoding_ladder(defaults(), video(1080, 1920))
    assert sizes(ladder) == [("360p", 360, 640), ("480p", 480, 854), ("720p", 720, 1280), ("1080p", 1080, 1920)]


def test_4k_rungs_only_when_listed():
    assert encoding_ladder(defaults(), video(3840, 2160))[-1].name == "1080p"
    settings = {**defaults(), "rungs": ["360p", "1080p", "1440p", "2160p", "9999p"]}
    assert sizes(encoding_ladder(settings, video(3840, 2160)))[-2:] == [("1440p", 2560, 1440), ("2160p", 3840, 2160)]


def test_audio_only_gets_no_video_rung():
    info = MediaInfo(container="mp3", duration=10, has_video=False, has_audio=True)
    assert encoding_ladder(defaults(), info) == []


def test_bitrates_come_from_settings_and_scale_with_the_frame_area():
    settings = {**defaults(), "bitrate_720p": 3000, "audio_bitrate": 96}
    wide, square = encoding_ladder(settings, video(1280, 720))[-1], encoding_ladder(settings, video(960, 720))[-1]
    assert wide.video_bitrate == 3_000_000 and wide.audio_bitrate == 96_000
    assert wide.maxrate > wide.video_bitrate and wide.bufsize > wide.maxrate
    assert square.video_bitrate == 2_250_000  # 4:3 has three quarters of 16:9's pixels
    tiny = encoding_ladder(settings, video(320, 180))[0]
    assert tiny.video_bitrate < encoding_ladder(settings, video(640, 360))[0].video_bitrate


@pytest.mark.parametrize(
    ("fps", "expected"),
    [
        (29.97, Fraction(30000, 1001)),
        (25.0, Fraction(25)),
        (23.976, Fraction(24000, 1001)),
        (17.0, Fraction(17)),
        (120.0, Fraction(60)),
        (0.0, Fraction(25)),
        (59.94, Fraction(60000, 1001)),
    ],
)
def test_output_frame_rate_is_constant_and_standard(fps, expected):
    assert output_frame_rate(fps) == expected


@pytest.mark.parametrize(
    ("fps", "most", "expected"),
    [
        (60.0, 30, Fraction(30)),
        (50.0, 30, Fraction(25)),
        (59.94, 30, Fraction(30000, 1001)),
        (100.0, 60, Fraction(50)),
        (90.0, 60, Fraction(60)),
        (45.0, 30, Fraction(30)),
        (29.97, 30, Fraction(30000, 1001)),
        (0.0, 20, Fraction(20)),
    ],
)
def test_output_frame_rate_is_capped_halving_when_close(fps, most, expected):
    assert output_frame_rate(fps, most) == expected


def test_gop_is_one_segment():
    assert gop_frames(Fraction(30000, 1001), 6) == 180
    assert gop_frames(Fraction(25), 2) == 50


def argv_for(info, **settings):
    settings = {**defaults(), **settings}
    return video_command("/src/in.mov", settings, info, encoding_ladder(settings, info), "libx264")


def option(argv, name):
    return argv[argv.index(name) + 1]


def test_one_process_splits_the_decoded_picture_for_every_rung_and_image():
    argv = argv_for(video(1920, 1080, fps=30.0))
    graph = option(argv, "-filter_complex")
    assert argv.count("-i") == 1 and "split=6" in graph  # four rungs, thumbnails, storyboard
    assert "yadif" not in graph and "fps=fps=30" in graph
    assert option(argv, "-g") == "180" and option(argv, "-keyint_min") == "180"
    assert option(argv, "-sc_threshold") == "0"
    assert option(argv, "-force_key_frames") == "expr:gte(t,n_forced*6)"
    assert option(argv, "-f") == "tee" and option(argv, "-ar") == "48000" and option(argv, "-ac") == "2"
    assert "-progress" in argv and option(argv, "-progress") == "pipe:1"
    assert {"thumbs/poster_%d.jpg", "storyboard-frames/%04d.png", "audio.mp3"} <= set(argv)
    assert "tile" not in graph  # tiled afterwards: a sprite written at the end would hold back every report


def test_interlaced_sources_are_deinterlaced_and_segments_follow_settings():
    argv = argv_for(video(720, 576, interlaced=True, fps=25.0), segment_seconds=4)
    assert "yadif" in option(argv, "-filter_complex")
    assert option(argv, "-g") == "100" and option(argv, "-force_key_frames") == "expr:gte(t,n_forced*4)"


def test_crf_zero_means_plain_bitrates():
    info = video(1280, 720)
    assert "-crf" in argv_for(info) and "-b:v:0" not in argv_for(info)
    plain = argv_for(info, crf=0)
    assert "-crf" not in plain and option(plain, "-b:v:0") == "800000"


def test_the_tee_writes_each_rung_with_the_default_language_and_each_language_to_its_file():
    ladder = encoding_ladder(defaults(), video(854, 480))
    streams = (AudioStream(0, "fr"), AudioStream(1, "en", default=True))
    renditions = audio_renditions(MediaInfo("mkv", 3.0, True, True, 854, 480, audio_streams=streams))
    assert tee_target(ladder, renditions).split("|") == [
        "[select='v\\:0,a\\:1':f=mp4:movflags=+faststart]mp4/360p.mp4",
        "[select='v\\:1,a\\:1':f=mp4:movflags=+faststart]mp4/480p.mp4",
        "[select='a\\:0':f=ipod:movflags=+faststart]audio-extra/audio_1.m4a",
        "[select='a\\:1':f=ipod:movflags=+faststart]audio.m4a",
    ]
    assert tee_target(ladder, []).split("|")[0] == "[select='v\\:0':f=mp4:movflags=+faststart]mp4/360p.mp4"


def test_the_storyboard_is_bounded_and_its_cues_cover_the_sprite():
    board = storyboard_plan(defaults(), video(1280, 720, duration=3600))
    assert board.count == 100 and board.interval == 36 and (board.columns, board.rows) == (10, 10)
    board = storyboard_plan(defaults(), video(1280, 720, duration=12))
    assert (board.count, board.interval, board.width, board.height) == (3, 5, 160, 90)
    cues = storyboard_vtt(board, 12).split("\n\n")
    assert cues[0] == "WEBVTT"
    assert cues[1:] == [
        "00:00:00.000 --> 00:00:05.000\nstoryboard.jpg#xywh=0,0,160,90",
        "00:00:05.000 --> 00:00:10.000\nstoryboard.jpg#xywh=160,0,160,90",
        "00:00:10.000 --> 00:00:12.000\nstoryboard.jpg#xywh=320,0,160,90\n",
    ]
    assert storyboard_plan(defaults(), video(1080, 1920)).height == 160
