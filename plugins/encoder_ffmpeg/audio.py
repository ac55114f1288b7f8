"""Every audio stream of a source becomes an HLS audio rendition (an interpreter's English beside the French).

The default one (the stream marked ``default``, else the first) is ``audio.m4a``, the sound of the MP4
downloads and of the audio-only downloads; the others are intermediate AAC files, remuxed into HLS and removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.plugin_api import AudioStream, MediaInfo, audio_name

MAIN_FILE = "audio.m4a"
MAIN_FOLDER = "audio"
EXTRA_FOLDER = "audio-extra"  # scratch: the other languages' AAC, before HLS


@dataclass(frozen=True)
class AudioRendition:
    """One audio stream to encode: where it goes, what the master playlist says of it."""

    stream: int  # the position among the source's audio streams (``a:N``)
    folder: str  # under ``hls/``
    file: str  # the encoded AAC, relative to the output folder
    language: str
    name: str
    default: bool


def audio_renditions(info: MediaInfo) -> list[AudioRendition]:
    """The source's audio streams, in its order, the default one marked."""
    streams = list(info.audio_streams) or ([AudioStream(0)] if info.has_audio else [])
    if not streams:
        return []
    chosen = next((s for s in streams if s.default), streams[0])
    renditions = []
    for position, stream in enumerate(streams, 1):
        main = stream is chosen
        renditions.append(
            AudioRendition(
                stream=stream.index,
                folder=MAIN_FOLDER if main else f"audio_{position}",
                file=MAIN_FILE if main else f"{EXTRA_FOLDER}/audio_{position}.m4a",
                language=stream.language,
                name=audio_name(stream.title, stream.language, position),
                default=main,
            )
        )
    return renditions


def default_rendition(renditions: list[AudioRendition]) -> AudioRendition | None:
    return next((r for r in renditions if r.default), None)


def continuous(stream, duration: float):
    """A stream on one clock from 0, silence filling its gaps and its end up to ``duration``.

    Every language then starts and ends with the picture, whatever the source's streams did (an
    interpreter's recording that starts late, drops for a while or stops early stays in sync).
    """
    stream = stream.filter("aresample", **{"async": 1, "first_pts": 0})
    return stream.filter("apad", whole_dur=f"{max(duration, 0.0):.3f}")


def aligned(stream, duration: float, offset: float):
    """An added track on the video's clock: ``offset`` seconds late (or that much of its start dropped),
    then silence up to ``duration``, and nothing after it."""
    if offset < 0:
        stream = stream.filter("atrim", start=f"{-offset:.3f}").filter("asetpts", "PTS-STARTPTS")
    stream = stream.filter("aresample", **{"async": 1, "first_pts": 0})
    if offset > 0:
        stream = stream.filter("adelay", delays=f"{int(round(offset * 1000))}", all=1)
    return continuous(stream, duration).filter("atrim", end=f"{duration:.3f}")
