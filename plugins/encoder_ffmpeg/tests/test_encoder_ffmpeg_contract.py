"""encoder_ffmpeg passes the encoder contract on small files made by ffmpeg (tests.mediafiles)."""

import pytest

from core.platform.sites import set_plugin_overrides
from core.testing.contracts import EncoderContract
from tests import mediafiles

QUICK = {
    "segment_seconds": 2,
    "storyboard_interval": 1,
    "preset": "ultrafast",
    "download_rungs": "240p 360p 480p 720p 1080p",
}  # every rung also an MP4, to check each one

MAKERS = {
    "video": lambda folder: mediafiles.make_clip(folder, name="wide.mp4", seconds=3, size="854x480"),
    "audio": mediafiles.make_mp3,
    "truncated": mediafiles.make_truncated_mp4,
    "text": mediafiles.make_text_file,
    "empty": mediafiles.make_empty_file,
}


class TestEncoderFfmpegContract(EncoderContract):
    @pytest.fixture(scope="class")
    @classmethod
    def media(cls, tmp_path_factory):
        folder, made = tmp_path_factory.mktemp("media"), {}

        def get(kind):
            if kind not in made:
                made[kind] = str(MAKERS[kind](folder))
            return made[kind]

        return get

    @pytest.fixture
    def encoder_request(self, app, site, make_request):
        set_plugin_overrides(app.registry, site, "encoder_ffmpeg", QUICK)
        return make_request(site)
