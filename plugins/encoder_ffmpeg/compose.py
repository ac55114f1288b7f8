"""Composing recorded tracks: the screen with the camera in a corner, or both side by side; trims.

One ffmpeg process reads every track (cut with input seeking), builds the picture with a
filter graph, mixes the microphones and writes a high-quality intermediate Matroska file,
which the encode job then turns into the published renditions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from core.plugin_api import ComposeSource, MediaError, ProgressCallback, _
from plugins.encoder_ffmpeg.command import global_args
from plugins.encoder_ffmpeg.ladder import even
from plugins.encoder_ffmpeg.probe import frame_rate, is_picture, parse_rate, probe_data
from plugins.encoder_ffmpeg.run import Progress, run_ffmpeg

MAX_HEIGHT = 1080


@dataclass(frozen=True)
class Track:
    """What composing needs to know of one source (browser recordings often lack a duration)."""

    source: ComposeSource
    width: int
    height: int
    fps: float
    has_audio: bool
    duration: float

    @property
    def has_video(self) -> bool:
        return self.width > 0

    @property
    def kept(self) -> float:
        """Seconds kept after the trims (0 when unknown)."""
        end = self.duration if self.source.end is None else min(self.source.end, self.duration or self.source.end)
        return max(0.0, end - (self.source.start or 0.0))


def describe(source: ComposeSource) -> Track:
    data = probe_data(source.path)
    streams = data.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video" and not is_picture(s)), None)
    durations = [
        parse_rate(x)
        for x in [(data.get("format") or {}).get("duration"), *(s.get("duration") for s in streams)]
        if x not in (None, "N/A")
    ]
    return Track(
        source,
        int(video.get("width") or 0) if video else 0,
        int(video.get("height") or 0) if video else 0,
        frame_rate(video) if video else 0.0,
        any(s.get("codec_type") == "audio" for s in streams),
        max(durations, default=0.0),
    )


def input_args(track: Track) -> list[str]:
    args = []
    if track.source.start:
        args += ["-ss", f"{track.source.start:.3f}"]
    if track.source.end is not None:
        args += ["-t", f"{track.source.end - (track.source.start or 0.0):.3f}"]
    return args + ["-i", track.source.path]


def main_and_inset(tracks: list[Track]) -> tuple[int, int | None]:
    """Indexes of the main picture (the screen, ``presentation/*``) and of the inset (the camera)."""
    videos = [i for i, t in enumerate(tracks) if t.has_video]
    if not videos:
        raise MediaError(_("None of the recorded tracks holds a picture."))
    main = next((i for i in videos if tracks[i].source.flavor.startswith("presentation")), videos[0])
    inset = next((i for i in videos if i != main), None)
    return main, inset


def picture_graph(tracks: list[Track], layout: str, pip_percent: int) -> list[str]:
    """Filter graph parts ending in ``[v]``."""
    main, inset = main_and_inset(tracks)
    top = tracks[main]
    fps = top.fps if 10 <= top.fps <= 60 else 30
    height = even(min(top.height, MAX_HEIGHT))
    if inset is None:
        return [f"[{main}:v]scale=-2:{height},fps={fps},format=yuv420p[v]"]
    if layout == "side-by-side":
        height = even(min(top.height, tracks[inset].height, MAX_HEIGHT))
        return [
            f"[{main}:v]scale=-2:{height},setsar=1[a]",
            f"[{inset}:v]scale=-2:{height},setsar=1[b]",
            f"[a][b]hstack=inputs=2,fps={fps},format=yuv420p[v]",
        ]
    width = even(top.width * height / max(top.height, 1))
    small, margin = even(width * pip_percent / 100), even(width * 0.02)
    corner = layout.removeprefix("pip-")
    x = f"{margin}" if corner.endswith("left") else f"W-w-{margin}"
    y = f"{margin}" if corner.startswith("top") else f"H-h-{margin}"
    return [
        f"[{main}:v]scale={width}:{height},setsar=1[a]",
        f"[{inset}:v]scale={small}:-2,setsar=1[b]",
        f"[a][b]overlay=x={x}:y={y}:eof_action=pass,fps={fps},format=yuv420p[v]",
    ]


def sound_graph(tracks: list[Track]) -> list[str]:
    """Filter graph parts ending in ``[s]`` (every microphone mixed), or none without sound."""
    voiced = [i for i, t in enumerate(tracks) if t.has_audio]
    if not voiced:
        return []
    if len(voiced) == 1:
        return [f"[{voiced[0]}:a]anull[s]"]
    inputs = "".join(f"[{i}:a]" for i in voiced)
    return [f"{inputs}amix=inputs={len(voiced)}:duration=longest:normalize=0[s]"]


def compose_command(tracks: list[Track], layout: str, out: str, pip_percent: int, preset: str) -> list[str]:
    argv = ["ffmpeg", *global_args(), "-y"]
    for track in tracks:
        argv += input_args(track)
    sound = sound_graph(tracks)
    argv += ["-filter_complex", ";".join(picture_graph(tracks, layout, pip_percent) + sound), "-map", "[v]"]
    if sound:
        argv += ["-map", "[s]", "-c:a", "flac"]
    argv += ["-c:v", "libx264", "-preset", preset, "-crf", "16", "-f", "matroska", out]
    return argv


def compose(settings, sources: list[ComposeSource], layout: str, out: str, progress: ProgressCallback | None) -> str:
    """Write the composed recording to ``out``; return it."""
    tracks = [describe(source) for source in sources]
    argv = compose_command(
        tracks, layout, os.path.abspath(out), max(5, min(50, settings["pip_size"])), settings["compose_preset"]
    )
    duration = max((t.kept for t in tracks), default=0.0)
    run_ffmpeg(argv, os.path.dirname(os.path.abspath(out)), Progress(progress, duration, 0.0, 1.0))
    return out
