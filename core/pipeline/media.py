"""What the media hooks exchange: probe results, ladder rungs, encoder outputs.

The core never runs ffmpeg itself: an encoder plugin implements ``amphi_probe``,
``amphi_encoding_ladder`` and ``amphi_encode`` with these types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.platform.errors import AmphiError


class MediaError(AmphiError):
    """The file cannot be processed; ``message`` is the reason shown to the owner."""

    status = 422
    code = "media-error"


class EncodeCancelled(AmphiError):
    """The job was cancelled while encoding."""

    status = 409
    code = "cancelled"


#: The content type of each kind of file an encode writes (by extension), for storage and for viewers.
MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".ts": "video/mp2t",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".mp3": "audio/mpeg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".vtt": "text/vtt",
}

#: How two tracks become one picture: the camera in a corner of the screen, or side by side.
LAYOUTS = ("pip-bottom-right", "pip-bottom-left", "pip-top-right", "pip-top-left", "side-by-side")
DEFAULT_LAYOUT = "pip-bottom-right"


@dataclass(frozen=True)
class ComposeSource:
    """One input of ``amphi_compose``: a local file, its flavor, the part to keep (seconds)."""

    path: str
    flavor: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class AudioStream:
    """One audio stream of a source: its position among the audio streams, language (BCP 47, empty when
    unknown), title (the stream's own, else empty), whether it is marked default, its channels."""

    index: int
    language: str = ""
    title: str = ""
    default: bool = False
    channels: int = 0


@dataclass(frozen=True)
class MediaInfo:
    """What a probe learned of a source file.

    ``width`` and ``height`` are the *displayed* dimensions, after rotation
    metadata (a phone video recorded upright is taller than wide).
    """

    container: str
    duration: float
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    rotation: int = 0
    fps: float = 0.0
    video_codec: str = ""
    pix_fmt: str = ""
    interlaced: bool = False
    audio_codec: str = ""
    audio_channels: int = 0
    audio_sample_rate: int = 0
    has_cover_art: bool = False
    bitrate: int = 0
    #: Every audio stream, in the source's order (the fields ``audio_*`` above describe the first).
    audio_streams: tuple[AudioStream, ...] = ()

    @property
    def is_audio_only(self) -> bool:
        return not self.has_video and self.has_audio


@dataclass(frozen=True)
class Rung:
    """One rendition of the ladder: ``name`` such as ``720p``; ``width``/``height`` even numbers."""

    name: str
    width: int
    height: int
    video_bitrate: int  # bits per second
    maxrate: int
    bufsize: int
    audio_bitrate: int = 128_000
    video_codec: str = "libx264"
    audio_codec: str = "aac"


@dataclass(frozen=True)
class EncodeOutput:
    """One file the encoder wrote, relative to its output folder.

    ``kind`` is one of ``hls-master``, ``hls-playlist``, ``hls-audio`` (an audio rendition's playlist:
    ``language``, ``label`` and ``default`` say which), ``hls-segment``, ``mp4``, ``audio`` (m4a), ``mp3``,
    ``thumbnail``, ``storyboard``, ``storyboard-vtt``, ``waveform``.
    """

    kind: str
    path: str
    mime: str
    rendition: str = ""
    width: int | None = None
    height: int | None = None
    bitrate: int | None = None
    language: str = ""
    label: str = ""
    default: bool = False


@dataclass
class EncodeResult:
    outputs: list[EncodeOutput] = field(default_factory=list)
    duration: float = 0.0

    def of_kind(self, kind: str) -> list[EncodeOutput]:
        return [o for o in self.outputs if o.kind == kind]


#: ``progress(fraction)`` with 0 <= fraction <= 1; returns False to cancel the work.
ProgressCallback = Callable[[float], bool]
