"""Each worker chooses its video encoder (``amphi worker --encoder``, ``amphi.worker.encoder``): a GPU host
encodes with NVENC, the others on the CPU, whatever the site's ``gpu`` setting; NVENC falls back to the CPU."""

import logging
import subprocess
import sys

from core.pipeline.jobs import JobContext
from plugins.encoder_ffmpeg import worker_settings
from plugins.encoder_ffmpeg.encode import nvenc_usable, video_encoder


def test_the_worker_encoder_overrides_the_site_gpu_setting(app, site, make_request, monkeypatch, caplog):
    monkeypatch.setitem(app.registry.settings, "amphi.encoder_ffmpeg.gpu", "true")  # the ini's
    job = JobContext.of(make_request(site))
    assert worker_settings(job)["gpu"] is True  # auto: the site's setting
    monkeypatch.setitem(app.registry.settings, "amphi.worker.encoder", "cpu")
    assert video_encoder(worker_settings(job)) == "libx264"
    monkeypatch.setitem(app.registry.settings, "amphi.encoder_ffmpeg.gpu", "false")
    monkeypatch.setitem(app.registry.settings, "amphi.worker.encoder", "nvenc")
    job = JobContext.of(make_request(site))
    assert worker_settings(job)["gpu"] is True
    with caplog.at_level(logging.WARNING):
        chosen = video_encoder(worker_settings(job))
    if nvenc_usable():  # a host with an NVIDIA GPU that has NVENC (L4, L40, T4...)
        assert chosen == "h264_nvenc"
    else:  # no GPU here, or one without NVENC (A100, H100): the CPU, said in the log
        assert chosen == "libx264" and "h264_nvenc is not usable here" in caplog.text


def test_an_unknown_encoder_is_refused():
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "worker", "--encoder", "quicksync"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "invalid choice: 'quicksync'" in done.stderr
