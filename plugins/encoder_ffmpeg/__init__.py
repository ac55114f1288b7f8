"""Encoding with ffmpeg (ffmpeg-python): probe, ladder, one-decode encode, HLS, MP4, audio, images, card images."""

from core import hookimpl
from core.plugin_api import EffectiveSettings, Setting, _, setting
from plugins.encoder_ffmpeg.compose import compose
from plugins.encoder_ffmpeg.encode import encode
from plugins.encoder_ffmpeg.images import card_image
from plugins.encoder_ffmpeg.ladder import DEFAULT_RUNGS, KNOWN_RUNGS, MAX_FPS, encoding_ladder
from plugins.encoder_ffmpeg.probe import probe
from plugins.encoder_ffmpeg.track import encode_audio_track, replace_audio

NAME = "encoder_ffmpeg"
AMPHI_TITLE = _("Encoding with ffmpeg")
AMPHI_DESCRIPTION = _("Encodes uploads for adaptive streaming (HLS), MP4 downloads, audio and images.")
AMPHI_HOOKS = ">=2.2,<3"  # amphi_card_image came with 2.1, amphi_encode_audio_track with 2.2
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
DEFAULT_PRESET = "veryfast"  # x4 faster than the reference at equal or better SSIM (bench/encode.py)
DEFAULT_CRF = 18  # SSIM >= the reference (CRF 20, slow) on every rung; see bench/encode.py


def bitrate_settings() -> list[Setting]:
    return [
        Setting(
            f"bitrate_{name}",
            "int",
            kbits,
            label=_("Video bitrate of ${rung} (kbit/s)", mapping={"rung": name}),
            help=_("The cap with a quality target (CRF), the average without one."),
        )
        for name, kbits in KNOWN_RUNGS.items()
    ]


@hookimpl
def amphi_settings():
    return [
        Setting(
            "rungs",
            "list",
            DEFAULT_RUNGS,
            label=_("Renditions"),
            help=_("Among 360p 480p 720p 1080p 1440p 2160p; never above the source's size."),
        ),
        *bitrate_settings(),
        Setting(
            "download_rungs",
            "list",
            "360p 720p",
            label=_("Renditions offered as MP4 downloads"),
            help=_(
                "Each one is stored beside its HLS copy; the smallest rendition is kept when none of these applies."
            ),
        ),
        Setting("audio_bitrate", "int", 128, label=_("Audio bitrate (kbit/s)")),
        Setting(
            "max_fps",
            "int",
            MAX_FPS,
            label=_("Highest frame rate (frames per second)"),
            help=_("A source above it is encoded at half its rate when that is close, else at this rate."),
        ),
        Setting(
            "crf",
            "int",
            DEFAULT_CRF,
            label=_("Quality target (x264 CRF, 0 for plain bitrates)"),
            help=_("Lower is better and bigger; the rung's bitrate stays the ceiling."),
        ),
        Setting("preset", "choice", DEFAULT_PRESET, choices=X264_PRESETS, label=_("x264 preset")),
        Setting("threads", "int", 0, label=_("Threads per encoder (0: ffmpeg decides)"), site_editable=False),
        Setting("segment_seconds", "int", 6, label=_("HLS segment length (seconds)")),
        Setting("segment_type", "choice", "fmp4", choices=("fmp4", "ts"), label=_("HLS segment type")),
        Setting("thumbnails", "int", 4, label=_("Poster candidates")),
        Setting("storyboard_interval", "int", 5, label=_("Storyboard: seconds between frames")),
        Setting("storyboard_max", "int", 100, label=_("Storyboard: most frames")),
        Setting("storyboard_width", "int", 160, label=_("Storyboard: frame size (long side, pixels)")),
        Setting("storyboard_columns", "int", 10, label=_("Storyboard: frames per row")),
        Setting("mp3_quality", "int", 5, label=_("MP3 quality (LAME VBR 0 best to 9)")),
        Setting(
            "gpu",
            "bool",
            False,
            label=_("Encode on the GPU (NVENC) when available"),
            site_editable=False,
            help=_("Used only where ffmpeg lists h264_nvenc and it runs; otherwise the CPU encodes."),
        ),
        Setting(
            "gpu_preset",
            "choice",
            "p5",
            choices=tuple(f"p{i}" for i in range(1, 8)),
            label=_("NVENC preset"),
            site_editable=False,
        ),
        Setting(
            "pip_size",
            "int",
            25,
            label=_("Recordings: camera inset width (percent of the screen width)"),
            help=_("When a screen and a camera recording are composed picture-in-picture."),
        ),
        Setting(
            "compose_preset",
            "choice",
            "veryfast",
            choices=X264_PRESETS,
            label=_("Recordings: x264 preset of the composed intermediate"),
            site_editable=False,
        ),
    ]


def worker_settings(job) -> EffectiveSettings:
    """The site's settings with this worker's encoder (``amphi worker --encoder``, ``amphi.worker.encoder``):
    ``cpu`` or ``nvenc`` decide ``gpu`` for this worker, ``auto`` leaves the site's setting."""
    values = job.plugin_settings(NAME)
    chosen = setting(job.registry.settings, "amphi.worker.encoder")
    if chosen == "auto":
        return values
    return EffectiveSettings(NAME, {**values, "gpu": chosen == "nvenc"})


@hookimpl
def amphi_probe(path):
    return probe(path)


@hookimpl
def amphi_encoding_ladder(job, info):
    return encoding_ladder(job.plugin_settings(NAME), info)


@hookimpl
def amphi_encode(job, source, info, ladder, out, progress):
    return encode(worker_settings(job), source, info, list(ladder), out, progress)


@hookimpl
def amphi_encode_audio_track(job, source, duration, offset, out, progress):
    return encode_audio_track(job.plugin_settings(NAME), source, duration, offset, out, progress)


@hookimpl
def amphi_replace_audio(job, source, audio, out, progress):
    return replace_audio(job.plugin_settings(NAME), source, audio, out, progress)


@hookimpl
def amphi_compose(job, sources, layout, out, progress):
    return compose(worker_settings(job), list(sources), layout, out, progress)


@hookimpl
def amphi_card_image(source, out, width, height):
    return card_image(source, out, width, height)
