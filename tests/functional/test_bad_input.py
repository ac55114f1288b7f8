"""Bad and awkward input through the whole pipeline, with the real encoder: ready or failed with a reason."""

import pytest

from core.models import Video
from core.platform.tasks import worker_request
from tests import mediafiles
from tests.standin import upload

CASES = [
    ("make_text_file", "failed", "This is not a video or audio file."),
    ("make_truncated_mp4", "failed", "The file is truncated or damaged."),
    ("make_half_second_clip", "ready", None),
    ("make_mp3", "ready", None),
    ("make_vertical_video", "ready", None),
    ("make_vp9_opus_mkv", "ready", None),
]


@pytest.mark.parametrize("maker, status, reason", CASES, ids=[c[0].removeprefix("make_") for c in CASES])
def test_each_file_ends_ready_or_failed_with_a_reason(committed_site, fast_pipeline, tmp_path, maker, status, reason):
    path = getattr(mediafiles, maker)(tmp_path)
    video_id = upload(*committed_site, content=path.read_bytes(), filename=path.name)
    with worker_request() as request:
        video = request.dbsession.get(Video, video_id)
        kinds = {f.kind for f in video.files}
        job = video.jobs[-1]
        assert (video.status, job.state) == (status, "done" if status == "ready" else "failed"), job.error
        if reason:
            assert video.status_reason == reason
            assert kinds == {"source"}  # the original is kept, nothing half-made is published
        else:
            assert "hls-master" in kinds and video.duration > 0
            if maker == "make_mp3":
                assert {"audio", "mp3"} <= kinds and "mp4" not in kinds
            if maker == "make_vertical_video":
                mp4 = next(f for f in video.files if f.kind == "mp4")
                assert mp4.height > mp4.width  # vertical stays vertical
