"""The HLS master playlist, written by Amphi for on demand and live alike (never ffmpeg's generic names).

Several audio languages share one ``GROUP-ID``: one ``#EXT-X-MEDIA:TYPE=AUDIO`` per language with its
``LANGUAGE``, ``NAME``, ``URI``, exactly one ``DEFAULT=YES``, and ``AUDIO="<group>"`` on every
``#EXT-X-STREAM-INF`` (what hls.js needs to offer an audio menu; RFC 8216 section 4.3.4.1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: The audio group every video variant refers to.
AUDIO_GROUP = "audio"


@dataclass(frozen=True)
class HlsAudio:
    """One audio rendition: its media playlist (relative to the master), language (BCP 47) and name."""

    uri: str
    language: str = ""
    name: str = "Audio"
    default: bool = False
    codec: str = "mp4a.40.2"
    channels: int = 2
    peak: int = 0  # bits/s, added to each variant's BANDWIDTH
    average: int = 0


@dataclass(frozen=True)
class HlsVariant:
    """One video variant (a rung of the ladder); bitrates in bits/s, without its audio."""

    uri: str
    width: int
    height: int
    peak: int
    average: int = 0
    codec: str = ""  # avc1.PPCCLL; empty when unknown (the CODECS attribute then names the audio only)
    frame_rate: float = 0.0


def _quoted(value: str) -> str:
    # A quoted-string may not hold a double quote or a line break (RFC 8216 section 4.2).
    return '"' + "".join(c for c in value if c not in '"\r\n') + '"'


def hls_master_playlist(
    variants: Sequence[HlsVariant],
    audio: Sequence[HlsAudio] = (),
    *,
    version: int = 7,
    group: str = AUDIO_GROUP,
) -> str:
    """The master playlist's text.

    With several ``audio`` renditions (or one and some video), each becomes an ``EXT-X-MEDIA`` of ``group``
    and every variant names the group; the first marked ``default`` (else the first) is ``DEFAULT=YES``.
    Without video, one audio rendition becomes the variant itself (an audio-only master); several make
    the group, with the default's playlist as the one variant.
    """
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{version}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    audio = list(audio)
    default = next((a for a in audio if a.default), audio[0] if audio else None)
    if not variants and default is not None and len(audio) > 1:
        # Sound only, in several languages: hls.js then offers them as audio tracks, not as bitrates to
        # switch between (verified in Chromium).
        peak, average = max(a.peak for a in audio), max(a.average for a in audio)
        lines += media_lines(audio, default, group)
        lines += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},CODECS={_quoted(default.codec)},"
            f"AUDIO={_quoted(group)}",
            default.uri,
        ]
        return "\n".join(lines) + "\n"
    if not variants:
        for rendition in sorted(audio, key=lambda a: a is not default):
            lines += [
                f"#EXT-X-STREAM-INF:BANDWIDTH={rendition.peak},AVERAGE-BANDWIDTH={rendition.average},"
                f"CODECS={_quoted(rendition.codec)}",
                rendition.uri,
            ]
        return "\n".join(lines) + "\n"
    lines += media_lines(audio, default, group)
    # A variant's bandwidth counts the largest audio it may be played with.
    audio_peak = max((a.peak for a in audio), default=0)
    audio_average = max((a.average for a in audio), default=0)
    audio_codec = default.codec if default else ""
    for variant in variants:
        codecs = ",".join(c for c in (variant.codec, audio_codec) if c)
        attributes = [f"BANDWIDTH={variant.peak + audio_peak}"]
        if variant.average:
            attributes.append(f"AVERAGE-BANDWIDTH={variant.average + audio_average}")
        attributes.append(f"RESOLUTION={variant.width}x{variant.height}")
        if codecs:
            attributes.append(f"CODECS={_quoted(codecs)}")
        if variant.frame_rate:
            attributes.append(f"FRAME-RATE={variant.frame_rate:.3f}")
        if audio:
            attributes.append(f"AUDIO={_quoted(group)}")
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), variant.uri]
    return "\n".join(lines) + "\n"


def media_lines(audio: Sequence[HlsAudio], default: HlsAudio | None, group: str) -> list[str]:
    """One ``#EXT-X-MEDIA:TYPE=AUDIO`` line per rendition of ``group``, ``default`` the one with DEFAULT=YES."""
    lines = []
    for rendition in audio:
        attributes = [f"TYPE=AUDIO,GROUP-ID={_quoted(group)}"]
        if rendition.language:
            attributes.append(f"LANGUAGE={_quoted(rendition.language)}")
        attributes += [
            f"NAME={_quoted(rendition.name)}",
            f"DEFAULT={'YES' if rendition is default else 'NO'}",
            "AUTOSELECT=YES",
            f'CHANNELS="{rendition.channels}"',
            f"URI={_quoted(rendition.uri)}",
        ]
        lines.append("#EXT-X-MEDIA:" + ",".join(attributes))
    return lines


ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^",]*)')


def playlist_attributes(line: str) -> dict[str, str]:
    """A tag's attribute list (``#EXT-X-MEDIA:TYPE=AUDIO,NAME="x"``) as a dict, quotes removed."""
    _tag, _sep, rest = line.partition(":")
    return {key: value.strip('"') for key, value in ATTRIBUTE.findall(rest)}


def master_audio(text: str) -> list[HlsAudio]:
    """The audio renditions a master playlist lists (bitrates unknown: 0)."""
    audio = []
    for line in text.splitlines():
        if line.startswith("#EXT-X-MEDIA:"):
            attributes = playlist_attributes(line)
            if attributes.get("TYPE") == "AUDIO" and attributes.get("URI"):
                audio.append(
                    HlsAudio(
                        uri=attributes["URI"],
                        language=attributes.get("LANGUAGE", ""),
                        name=attributes.get("NAME", "Audio"),
                        default=attributes.get("DEFAULT") == "YES",
                        channels=int(attributes.get("CHANNELS", "2").split("/")[0] or 2),
                    )
                )
    return audio


def with_audio(text: str, audio: Sequence[HlsAudio], *, group: str = AUDIO_GROUP) -> str:
    """``text`` (a master playlist with video variants) with ``audio`` as its audio renditions.

    The video variants stay as they were; each names ``group`` (and the audio codec, when it named none).
    """
    media = hls_master_playlist([HlsVariant("x", 2, 2, 0)], audio, group=group).splitlines()
    renditions = [line for line in media if line.startswith("#EXT-X-MEDIA:")]
    codec = next((a.codec for a in audio), "")
    lines, placed = [], False
    for line in text.splitlines():
        if line.startswith("#EXT-X-MEDIA:") and playlist_attributes(line).get("TYPE") == "AUDIO":
            continue
        if line.startswith("#EXT-X-STREAM-INF:"):
            if not placed:
                lines += renditions
                placed = True
            line = variant_with_audio(line, group, codec) if audio else line
        lines.append(line)
    return "\n".join(lines) + "\n"


def variant_with_audio(line: str, group: str, codec: str) -> str:
    attributes = playlist_attributes(line)
    if "AUDIO" not in attributes:
        line += f",AUDIO={_quoted(group)}"
    codecs = attributes.get("CODECS")
    if codecs is not None and "mp4a" not in codecs and codec:
        line = line.replace(f'CODECS="{codecs}"', f'CODECS="{codecs},{codec}"')
    return line
