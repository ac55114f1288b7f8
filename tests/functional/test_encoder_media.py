"""encoder_ffmpeg on real files made by ffmpeg: probe, ladder, encode, packaging, progress, failures."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from fractions import Fraction

import ffmpeg
import pytest

import plugins.encoder_ffmpeg as encoder
from core.pipeline.jobs import JobContext
from core.pipeline.media import EncodeCancelled, MediaError
from plugins.encoder_ffmpeg import command
from plugins.encoder_ffmpeg.encode import ENCODE_SHARE, nvenc_usable
from tests import mediafiles

# What ffmpeg makes does not depend on the database: these run once, on SQLite.
pytestmark = pytest.mark.one_database

SHORT = {
    "segment_seconds": 2,
    "storyboard_interval": 1,
    "preset": "ultrafast",
    "download_rungs": "240p 360p 480p 720p 1080p",
}  # keep every MP4 to compare rungs


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """``media(maker, **kw)``: a generated file, made once per module."""
    folder, made = tmp_path_factory.mktemp("media"), {}

    def get(maker, **kw):
        key = (maker.__name__, tuple(sorted(kw.items())))
        if key not in made:
            made[key] = str(maker(folder, **kw))
        return made[key]

    return get


@pytest.fixture
def worker(app, site, make_request):
    """A job context of site A with encoder settings overridden: ``worker(**overrides)``."""
    from core.platform.sites import set_plugin_overrides

    def make(**overrides):
        set_plugin_overrides(app.registry, site, encoder.NAME, {**SHORT, **overrides})
        return JobContext.of(make_request(site))

    return make


class Encoded:
    """An encode's result with helpers to read its files."""

    def __init__(self, out, info, ladder, result, progress):
        self.out, self.info, self.ladder, self.result, self.progress = out, info, ladder, result, progress

    def path(self, relative):
        return os.path.join(self.out, relative)

    def text(self, relative):
        with open(self.path(relative), encoding="utf-8") as file:
            return file.read()

    def paths(self, kind):
        return [o.path for o in self.result.of_kind(kind)]


def run_encode(job, source, out, progress=None):
    info = encoder.amphi_probe(path=source)
    ladder = encoder.amphi_encoding_ladder(job=job, info=info)
    os.makedirs(out, exist_ok=True)
    seen = []

    def report(fraction):
        seen.append(fraction)
        return True if progress is None else progress(fraction)

    result = encoder.amphi_encode(job=job, source=source, info=info, ladder=ladder, out=str(out), progress=report)
    return Encoded(str(out), info, ladder, result, seen)


def streams(path):
    return ffmpeg.probe(path)["streams"]


def decodes_cleanly(path):
    done = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"], capture_output=True, text=True)
    return done.returncode == 0 and not done.stderr.strip()


def keyframe_times(path):
    frames = ffmpeg.probe(
        path, select_streams="v:0", skip_frame="nokey", show_frames=None, show_entries="frame=pts_time"
    )["frames"]
    return [round(float(f["pts_time"]), 2) for f in frames]


def extinf(playlist_text):
    return re.findall(r"#EXTINF:([\d.]+)", playlist_text)


# --- probe: bad input ---------------------------------------------------------


@pytest.mark.parametrize(
    ("maker", "reason"),
    [
        (mediafiles.make_empty_file, "The file is empty."),
        (mediafiles.make_text_file, "This is not a video or audio file."),
        (mediafiles.make_truncated_mp4, "The file is truncated or damaged."),
        (mediafiles.make_picture, "This is a picture, not a video or audio file."),
    ],
)
def test_unusable_files_get_a_reason_the_owner_can_read(media, maker, reason):
    with pytest.raises(MediaError) as caught:
        encoder.amphi_probe(path=media(maker))
    assert caught.value.message == reason


def test_probe_describes_a_4k_source_and_the_ladder_stops_at_1080p(media, worker):
    info = encoder.amphi_probe(path=media(mediafiles.make_4k_video))
    assert (info.width, info.height, info.fps, info.container) == (3840, 2160, 10.0, "mov")
    assert info.has_video and info.has_audio and info.video_codec == "h264" and 0.9 < info.duration < 1.2
    ladder = encoder.amphi_encoding_ladder(job=worker(), info=info)
    assert [r.name for r in ladder] == ["360p", "480p", "720p", "1080p"]
    ladder = encoder.amphi_encoding_ladder(job=worker(rungs="720p 2160p"), info=info)
    assert [(r.name, r.width) for r in ladder] == [("720p", 1280), ("2160p", 3840)]


@pytest.mark.parametrize(
    ("maker", "fields"),
    [
        (mediafiles.make_vertical_video, {"width": 180, "height": 320, "rotation": 90}),
        (mediafiles.make_odd_size_video, {"width": 321, "height": 241, "pix_fmt": "yuv444p"}),
        (mediafiles.make_vp9_opus_mkv, {"container": "matroska", "video_codec": "vp9", "audio_codec": "opus"}),
        (mediafiles.make_hevc_10bit, {"video_codec": "hevc", "pix_fmt": "yuv420p10le"}),
        (mediafiles.make_surround_video, {"audio_channels": 6}),
        (mediafiles.make_interlaced_mpeg2, {"interlaced": True, "video_codec": "mpeg2video", "audio_codec": "mp2"}),
        (mediafiles.make_video_without_audio, {"has_audio": False, "audio_channels": 0}),
        (mediafiles.make_mp3, {"has_video": False, "has_audio": True, "container": "mp3"}),
        (mediafiles.make_m4a_with_cover, {"has_video": False, "has_cover_art": True, "audio_codec": "aac"}),
    ],
)
def test_probe_reads_what_the_encode_needs(media, maker, fields):
    info = encoder.amphi_probe(path=media(maker))
    assert {key: getattr(info, key) for key in fields} == fields
    assert info.duration > 0


def test_probe_reads_the_real_rate_of_a_variable_frame_rate_video(media):
    assert encoder.amphi_probe(path=media(mediafiles.make_vfr_video)).fps == 25.0  # its average is 17
    assert encoder.amphi_probe(path=media(mediafiles.make_screen_recording)).fps == 60.0  # its average is 45


def frames_per_second(path):
    (video,) = [s for s in streams(path) if s["codec_type"] == "video"]
    return int(video["nb_frames"]) / float(video["duration"]), video["r_frame_rate"], video["avg_frame_rate"]


@pytest.mark.parametrize(("max_fps", "expected"), [(60, 60), (30, 30), (24, 24)])
def test_a_variable_frame_rate_source_keeps_its_real_rate_up_to_the_setting(media, worker, tmp_path, max_fps, expected):
    encoded = run_encode(worker(max_fps=max_fps), media(mediafiles.make_screen_recording), tmp_path)
    rate, real, average = frames_per_second(encoded.path("mp4/240p.mp4"))
    assert abs(rate - expected) < 0.5 and real == average == f"{expected}/1"
    assert f"FRAME-RATE={expected}.000" in encoded.text("hls/master.m3u8")


def test_non_square_pixels_are_shown_at_their_display_aspect(media, worker, tmp_path):
    source = media(mediafiles.make_anamorphic_video)
    assert streams(source)[0]["sample_aspect_ratio"] == "64:45"
    info = encoder.amphi_probe(path=source)
    assert (info.width, info.height) == (1024, 576)  # 720x576 stored
    encoded = run_encode(worker(), source, tmp_path)
    for path, size in zip(encoded.paths("mp4"), [(640, 360), (854, 480)], strict=True):
        video = streams(encoded.path(path))[0]
        sar = Fraction(video.get("sample_aspect_ratio", "1:1").replace(":", "/"))
        assert (video["width"], video["height"], sar) == (*size, 1)
        assert abs(video["width"] * sar / video["height"] - Fraction(16, 9)) < 0.01
    poster = streams(encoded.path("thumbs/poster_1.jpg"))[0]
    assert abs(poster["width"] / poster["height"] - 16 / 9) < 0.01
    sprite = streams(encoded.path("storyboard.jpg"))[0]
    assert sprite["height"] == 90 and sprite["width"] % 160 == 0


# --- encode: the whole output set ---------------------------------------------


@pytest.fixture
def wide(media, worker, tmp_path):
    source = media(mediafiles.make_clip, name="wide.mp4", seconds=5, size="854x480")
    return run_encode(worker(), source, tmp_path / "out")


def test_every_file_written_is_listed_with_its_kind(wide):
    listed = {o.path for o in wide.result.outputs}
    on_disk = {
        os.path.relpath(os.path.join(root, name), wide.out)
        for root, _dirs, files in os.walk(wide.out)
        for name in files
    }
    assert listed == on_disk
    assert wide.paths("mp4") == ["mp4/360p.mp4", "mp4/480p.mp4"]
    assert wide.paths("audio") == ["audio.m4a"] and wide.paths("mp3") == ["audio.mp3"]
    assert wide.paths("hls-master") == ["hls/master.m3u8"]
    assert wide.paths("thumbnail") == [f"thumbs/poster_{n}.jpg" for n in range(1, 5)]
    assert wide.paths("storyboard") == ["storyboard.jpg"] and wide.paths("storyboard-vtt") == ["storyboard.vtt"]
    assert {"hls/360p/init.mp4", "hls/480p/init.mp4", "hls/audio/init.mp4"} <= set(wide.paths("hls-segment"))
    mp4 = wide.result.of_kind("mp4")[1]
    assert (mp4.mime, mp4.rendition, mp4.width, mp4.height) == ("video/mp4", "480p", 854, 480) and mp4.bitrate > 0
    assert 4.9 < wide.result.duration < 5.2


def test_the_master_playlist_describes_each_variant(wide):
    master = wide.text("hls/master.m3u8")
    assert master.startswith("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
    assert '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio"' in master and 'URI="audio/index.m3u8"' in master
    variants = re.findall(r"#EXT-X-STREAM-INF:(.*)\n(.*)", master)
    assert [uri for _, uri in variants] == ["360p/index.m3u8", "480p/index.m3u8"]
    for (attributes, _), size, mp4 in zip(variants, ["640x360", "854x480"], wide.paths("mp4"), strict=True):
        video = streams(wide.path(mp4))[0]
        profile = {"Constrained Baseline": "42C0", "Main": "4D40", "High": "6400"}[video["profile"]]
        assert f'CODECS="avc1.{profile}{video["level"]:02X},mp4a.40.2"' in attributes
        assert f"RESOLUTION={size}" in attributes and "FRAME-RATE=25.000" in attributes
        peak, average = (
            int(re.search(rf"{name}=(\d+)", attributes).group(1)) for name in ("BANDWIDTH", "AVERAGE-BANDWIDTH")
        )
        assert 100_000 < average <= peak
    assert int(re.search(r"BANDWIDTH=(\d+)", variants[0][0]).group(1)) < int(
        re.search(r"BANDWIDTH=(\d+)", variants[1][0]).group(1)
    )


def test_segments_and_keyframes_are_aligned_across_rungs(wide):
    low, high = wide.text("hls/360p/index.m3u8"), wide.text("hls/480p/index.m3u8")
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in low and '#EXT-X-MAP:URI="init.mp4"' in low
    assert extinf(low) == extinf(high) == ["2.000000", "2.000000", "1.000000"]
    assert keyframe_times(wide.path("mp4/360p.mp4")) == keyframe_times(wide.path("mp4/480p.mp4")) == [0.0, 2.0, 4.0]


def test_downloads_are_playable_faststart_mp4_with_stereo_48k_aac(wide):
    for path in wide.paths("mp4"):
        video, audio = streams(wide.path(path))
        assert (video["codec_name"], video["pix_fmt"], audio["codec_name"]) == ("h264", "yuv420p", "aac")
        assert (audio["channels"], audio["sample_rate"]) == (2, "48000")
        with open(wide.path(path), "rb") as file:
            head = file.read(4096)
        assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # the index comes first
        assert decodes_cleanly(wide.path(path))
    assert streams(wide.path("audio.mp3"))[0]["codec_name"] == "mp3"
    assert [s["codec_type"] for s in streams(wide.path("audio.m4a"))] == ["audio"]


def test_thumbnails_and_storyboard(wide):
    assert [streams(wide.path(p))[0]["width"] for p in wide.paths("thumbnail")] == [854] * 4
    sprite = streams(wide.path("storyboard.jpg"))[0]
    assert (sprite["width"], sprite["height"]) == (5 * 160, 90)
    cues = re.findall(r"storyboard\.jpg#xywh=(\d+),(\d+),(\d+),(\d+)", wide.text("storyboard.vtt"))
    assert cues == [(str(160 * i), "0", "160", "90") for i in range(5)]


def test_progress_is_monotonic_and_reaches_one(wide):
    assert wide.progress == sorted(wide.progress)
    assert wide.progress[-1] == 1.0 and all(0 <= p <= 1 for p in wide.progress)
    assert any(0.9 <= p < 1.0 for p in wide.progress)  # packaging reported after the encode


@pytest.mark.parametrize(
    ("maker", "pictures"),
    [
        (
            mediafiles.make_clip,
            {"storyboard": ["storyboard.jpg"], "thumbnail": [f"thumbs/poster_{n}.jpg" for n in (1, 2, 3, 4)]},
        ),
        (mediafiles.make_mp3, {"waveform": ["thumbs/poster_1.jpg"]}),  # a waveform is drawn from the whole sound
    ],
)
def test_progress_advances_steadily_through_the_encode(media, worker, tmp_path, monkeypatch, maker, pictures):
    monkeypatch.setattr(command, "PROGRESS_SECONDS", 0.05)  # enough reports however fast the machine
    source = media(maker, seconds=10)
    # A storyboard frame every second: its sprite is complete only at the end of the source.
    encoded = run_encode(worker(storyboard_interval=1), source, tmp_path)
    during = sorted({p for p in encoded.progress if p < ENCODE_SHARE})  # while decoding and encoding
    assert len(during) >= 5, encoded.progress
    steps = [b - a for a, b in zip([0.0, *during], [*during, ENCODE_SHARE], strict=True)]
    assert max(steps) < 0.3, encoded.progress  # no long silence, at the start or later
    assert {kind: encoded.paths(kind) for kind in pictures} == pictures
    assert not os.path.exists(encoded.path("storyboard-frames"))


def test_ts_segments_when_chosen(media, worker, tmp_path):
    source = media(mediafiles.make_clip, name="wide.mp4", seconds=5, size="854x480")
    encoded = run_encode(worker(segment_type="ts"), source, tmp_path)
    segments = encoded.paths("hls-segment")
    assert segments and all(p.endswith(".ts") for p in segments)
    assert all(o.mime == "video/mp2t" for o in encoded.result.of_kind("hls-segment"))
    assert "#EXT-X-MAP" not in encoded.text("hls/360p/index.m3u8")


# --- encode: awkward sources ----------------------------------------------------


@pytest.mark.parametrize(
    ("maker", "size"),
    [
        (mediafiles.make_vertical_video, (180, 320)),
        (mediafiles.make_odd_size_video, (320, 240)),
        (mediafiles.make_vp9_opus_mkv, (320, 240)),
        (mediafiles.make_hevc_10bit, (320, 240)),
        (mediafiles.make_surround_video, (320, 240)),
        (mediafiles.make_vfr_video, (320, 240)),
        (mediafiles.make_interlaced_mpeg2, (352, 288)),
        (mediafiles.make_half_second_clip, (320, 240)),
    ],
)
def test_awkward_videos_end_with_h264_aac_outputs(media, worker, tmp_path, maker, size):
    encoded = run_encode(worker(), media(maker), tmp_path)
    (mp4,) = encoded.paths("mp4")
    video, audio = streams(encoded.path(mp4))
    assert (video["width"], video["height"]) == size  # displayed size: rotation applied, never stored sideways
    assert (video["codec_name"], video["pix_fmt"], video.get("field_order", "progressive")) == (
        "h264",
        "yuv420p",
        "progressive",
    )
    assert "side_data_list" not in video
    assert (audio["codec_name"], audio["channels"], audio["sample_rate"]) == ("aac", 2, "48000")
    assert encoded.paths("thumbnail") and encoded.paths("storyboard") and decodes_cleanly(encoded.path(mp4))
    assert "RESOLUTION={}x{}".format(*size) in encoded.text("hls/master.m3u8")


def test_a_video_without_audio_has_no_audio_outputs(media, worker, tmp_path):
    encoded = run_encode(worker(), media(mediafiles.make_video_without_audio), tmp_path)
    assert not encoded.paths("audio") and not encoded.paths("mp3")
    assert [s["codec_type"] for s in streams(encoded.path("mp4/240p.mp4"))] == ["video"]
    master = encoded.text("hls/master.m3u8")
    assert "AUDIO=" not in master and re.search(r'CODECS="avc1\.[0-9A-F]{6}"', master)


@pytest.mark.parametrize(
    ("maker", "poster_kind"), [(mediafiles.make_mp3, "waveform"), (mediafiles.make_m4a_with_cover, "thumbnail")]
)
def test_audio_only_sources_get_audio_outputs_a_poster_and_an_audio_playlist(
    media, worker, tmp_path, maker, poster_kind
):
    encoded = run_encode(worker(), media(maker), tmp_path)
    assert encoded.ladder == [] and not encoded.paths("mp4") and not encoded.paths("storyboard")
    assert encoded.paths("audio") == ["audio.m4a"] and encoded.paths("mp3") == ["audio.mp3"]
    assert encoded.paths(poster_kind) == ["thumbs/poster_1.jpg"]
    poster = streams(encoded.path("thumbs/poster_1.jpg"))[0]
    assert (poster["width"], poster["height"]) == ((1280, 360) if poster_kind == "waveform" else (300, 300))
    master = encoded.text("hls/master.m3u8")
    assert 'CODECS="mp4a.40.2"' in master and master.strip().endswith("audio/index.m3u8")
    assert encoded.progress[-1] == 1.0


# --- failures, cancellation, GPU, sites ------------------------------------------


def test_cancelling_kills_ffmpeg_and_waits_for_it(media, worker, tmp_path, monkeypatch):
    started = []
    real_popen = subprocess.Popen

    def recording_popen(*args, **kw):
        started.append(real_popen(*args, **kw))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    source = media(mediafiles.make_clip, name="wide.mp4", seconds=5, size="854x480")
    with pytest.raises(EncodeCancelled):
        run_encode(worker(preset="veryslow"), source, tmp_path, progress=lambda fraction: False)
    (process,) = [p for p in started if p.args[0] == "ffmpeg"]
    assert process.returncode == -9  # killed, and reaped
    assert not os.path.exists(tmp_path / "hls" / "master.m3u8")


def test_an_ffmpeg_failure_is_a_media_error_with_the_stderr_kept(media, worker, tmp_path):
    source = str(tmp_path / "gone.mp4")
    os.link(media(mediafiles.make_clip), source)
    job = worker()
    info = encoder.amphi_probe(path=source)
    ladder = encoder.amphi_encoding_ladder(job=job, info=info)
    os.unlink(source)  # vanished between probe and encode
    with pytest.raises(MediaError) as caught:
        encoder.amphi_encode(
            job=job, source=source, info=info, ladder=ladder, out=str(tmp_path / "out"), progress=lambda f: True
        )
    assert caught.value.message.startswith("The encoder failed (") and "gone.mp4" in caught.value.info["stderr"]


@pytest.mark.skipif(nvenc_usable(), reason="h264_nvenc works here: the fallback cannot be seen")
def test_gpu_setting_falls_back_to_the_cpu_when_nvenc_is_unusable(media, worker, tmp_path, caplog, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.encoder_ffmpeg.gpu", "true")  # a server setting (ini)
    with caplog.at_level(logging.WARNING):
        encoded = run_encode(worker(), media(mediafiles.make_clip), tmp_path)
    assert "encoding on the CPU" in caplog.text
    assert streams(encoded.path("mp4/240p.mp4"))[0]["codec_name"] == "h264"


@pytest.mark.skipif(not nvenc_usable(), reason="h264_nvenc is not usable on this machine (no GPU or driver)")
def test_gpu_encode_with_nvenc(media, worker, tmp_path, caplog, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "amphi.encoder_ffmpeg.gpu", "true")
    source = media(mediafiles.make_clip, name="wide.mp4", seconds=5, size="854x480")
    with caplog.at_level(logging.WARNING):
        encoded = run_encode(worker(), source, tmp_path)
    assert "encoding on the CPU" not in caplog.text
    assert keyframe_times(encoded.path("mp4/360p.mp4")) == keyframe_times(encoded.path("mp4/480p.mp4"))
    assert extinf(encoded.text("hls/360p/index.m3u8")) == extinf(encoded.text("hls/480p/index.m3u8"))
    assert all(decodes_cleanly(encoded.path(p)) for p in encoded.paths("mp4"))


def test_silent_on_a_site_that_did_not_enable_it(make_site, make_request, media):
    request = make_request(make_site("quiet", plugins=["auth_local"]))
    assert request.hooks.amphi_probe(path=media(mediafiles.make_clip)) is None


def test_the_hooks_answer_on_a_site_that_enabled_it(site, make_request, media):
    request = make_request(site)
    info = request.hooks.amphi_probe(path=media(mediafiles.make_clip))
    assert [r.name for r in request.hooks.amphi_encoding_ladder(job=JobContext.of(request), info=info)] == ["240p"]


def test_only_offered_renditions_are_kept_as_downloads(media, worker, tmp_path):
    source = media(mediafiles.make_clip, name="wide.mp4", seconds=2, size="854x480")
    encoded = run_encode(worker(download_rungs="480p"), source, tmp_path / "offered")
    assert encoded.paths("mp4") == ["mp4/480p.mp4"]
    assert {"hls/360p/index.m3u8", "hls/480p/index.m3u8"} <= set(encoded.paths("hls-playlist"))
    fallback = run_encode(worker(download_rungs="1080p"), source, tmp_path / "fallback")
    assert fallback.paths("mp4") == ["mp4/360p.mp4"]  # none offered exists: the smallest stays


def test_the_default_downloads_are_the_360p_and_720p_renditions(media, app, site, make_request, tmp_path):
    from core.platform.sites import set_plugin_overrides

    set_plugin_overrides(app.registry, site, encoder.NAME, {"rungs": "360p 720p", "preset": "ultrafast"})
    source = media(mediafiles.make_clip, name="hd.mp4", seconds=2, size="1280x720")
    encoded = run_encode(make_request(site), source, tmp_path)  # download_rungs: its declared default
    assert encoded.paths("mp4") == ["mp4/360p.mp4", "mp4/720p.mp4"]
    # Shorter than half the storyboard's interval (5 s), and still one frame in its sprite.
    assert encoded.paths("storyboard") == ["storyboard.jpg"] and "storyboard.jpg#xywh=0,0,160,90" in encoded.text(
        "storyboard.vtt"
    )
