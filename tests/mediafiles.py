"""Real media files made with ffmpeg for tests and benchmarks (a helper module, not a test file).

Every function writes into ``folder`` and returns the new file's :class:`pathlib.Path`.
Clips are tiny (a few seconds, small sizes) so a test suite stays quick::

    from tests.mediafiles import make_clip, make_vertical_video
    path = make_clip(tmp_path, seconds=2)

``make_video`` is an alias of :func:`make_clip`; core.testing also has a *fixture* named
``make_video`` (a Video row), so prefer ``make_clip`` in test modules.
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

FFMPEG = "ffmpeg"

__all__ = [
    "make_clip",
    "make_video",
    "make_text_file",
    "make_empty_file",
    "make_truncated_mp4",
    "make_mp3",
    "make_m4a_with_cover",
    "make_video_without_audio",
    "make_vertical_video",
    "make_odd_size_video",
    "make_vp9_opus_mkv",
    "make_browser_webm",
    "make_hevc_10bit",
    "make_surround_video",
    "make_vfr_video",
    "make_interlaced_mpeg2",
    "make_half_second_clip",
    "make_4k_video",
    "make_picture",
    "run_ffmpeg",
    "make_speech_clip",
    "make_anamorphic_video",
    "make_screen_recording",
    "make_bilingual_video",
    "make_tone",
    "dominant_frequency",
]

#: Korean sentences for speech clips (the test model is Korean; espeak-ng speaks them, not well).
KOREAN_LECTURE = "안녕하세요. 오늘은 알고리즘 강의를 시작합니다."


def run_ffmpeg(args: list[str]) -> None:
    """Run ``ffmpeg -y <args>`` quietly; raise with ffmpeg's message when it fails."""
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args], capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"ffmpeg failed: {done.stderr.strip()[-800:]}")


def video_source(size: str, fps: float, seconds: float, pattern: str = "testsrc2") -> list[str]:
    return ["-f", "lavfi", "-i", f"{pattern}=size={size}:rate={fps}:duration={seconds}"]


def audio_source(seconds: float, channels: int = 2, rate: int = 44100) -> list[str]:
    """A tone per channel (different pitches), so a downmix still has signal."""
    tones = "|".join(f"0.2*sin({2 * (i + 2) * 110}*PI*t)" for i in range(channels))
    layout = {1: "mono", 2: "stereo", 6: "5.1"}.get(channels, f"{channels}c")
    return ["-f", "lavfi", "-i", f"aevalsrc={tones}:sample_rate={rate}:channel_layout={layout}:duration={seconds}"]


def make_clip(
    folder,
    name: str = "clip.mp4",
    seconds: float = 3,
    size: str = "320x240",
    fps: float = 25,
    vcodec: str = "libx264",
    acodec: str | None = "aac",
    channels: int = 2,
    extra: list[str] | None = None,
    pattern: str = "testsrc2",
) -> Path:
    """A clip with a moving test pattern and (unless ``acodec`` is None) a tone.

    ``extra`` are output options added before the file name (``["-pix_fmt", "yuv444p"]``...).
    """
    path = Path(folder) / name
    args = video_source(size, fps, seconds, pattern)
    if acodec:
        args += audio_source(seconds, channels)
    args += ["-c:v", vcodec]
    if vcodec == "libx264":
        args += ["-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    args += ["-c:a", acodec, "-ac", str(channels)] if acodec else ["-an"]
    run_ffmpeg([*args, *(extra or []), "-shortest", str(path)])
    return path


make_video = make_clip


def make_text_file(folder, name: str = "notes.mp4") -> Path:
    """A text file with a video's name."""
    path = Path(folder) / name
    path.write_text("These are my lecture notes, not a video.\n" * 20, encoding="utf-8")
    return path


def make_empty_file(folder, name: str = "empty.mp4") -> Path:
    path = Path(folder) / name
    path.write_bytes(b"")
    return path


def make_truncated_mp4(folder, name: str = "truncated.mp4", keep: float = 0.5) -> Path:
    """An MP4 cut short, as an interrupted copy leaves it (its index, at the end, is lost)."""
    whole = make_clip(folder, "whole-" + name, seconds=3)
    data = whole.read_bytes()
    path = Path(folder) / name
    path.write_bytes(data[: int(len(data) * keep)])
    whole.unlink()
    return path


def make_mp3(folder, name: str = "talk.mp3", seconds: float = 3) -> Path:
    path = Path(folder) / name
    run_ffmpeg([*audio_source(seconds), "-c:a", "libmp3lame", "-b:a", "96k", str(path)])
    return path


def make_picture(folder, name: str = "cover.jpg", size: str = "300x300") -> Path:
    path = Path(folder) / name
    run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=1", "-frames:v", "1", str(path)])
    return path


def make_m4a_with_cover(folder, name: str = "podcast.m4a", seconds: float = 3) -> Path:
    """AAC audio in an M4A with cover art (an ``attached_pic`` stream)."""
    cover = make_picture(folder, "cover-for-" + Path(name).stem + ".jpg")
    path = Path(folder) / name
    run_ffmpeg(
        [
            *audio_source(seconds),
            "-i",
            str(cover),
            "-map",
            "0:a",
            "-map",
            "1:v",
            "-c:a",
            "aac",
            "-c:v",
            "copy",
            "-disposition:v:0",
            "attached_pic",
            str(path),
        ]
    )
    return path


def make_video_without_audio(folder, name: str = "silent.mp4", seconds: float = 2) -> Path:
    return make_clip(folder, name, seconds=seconds, acodec=None)


def make_vertical_video(folder, name: str = "phone.mp4", seconds: float = 2, size: str = "320x180") -> Path:
    """A phone video recorded upright: 320x180 stored, a display matrix (90° clockwise) showing it 180x320.

    ffmpeg 5.1 has no option to write a display matrix, so the track header's matrix is set by hand.
    """
    path = make_clip(folder, name, seconds=seconds, size=size, extra=["-movflags", "+faststart"])
    set_rotation_matrix(path, 90)
    return path


def set_rotation_matrix(path: Path, degrees: int) -> None:
    """Write a rotation into the video track header (``tkhd``) matrix of an MP4, as phones do."""
    import struct

    one, minus_one, w = 0x00010000, 0xFFFF0000, 0x40000000
    matrices = {
        90: (0, one, 0, minus_one, 0, 0, 0, 0, w),
        180: (minus_one, 0, 0, 0, minus_one, 0, 0, 0, w),
        270: (0, minus_one, 0, one, 0, 0, 0, 0, w),
    }
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")  # the first track is the video track in files made by make_clip
    version = data[at + 4]
    matrix_at = at + 4 + 4 + (32 if version == 1 else 20) + 8 + 8
    data[matrix_at : matrix_at + 36] = struct.pack(">9I", *matrices[degrees])
    path.write_bytes(bytes(data))


def make_odd_size_video(folder, name: str = "odd.mp4", seconds: float = 2, size: str = "321x241") -> Path:
    """Odd width and height (4:4:4 H.264 allows them)."""
    path = Path(folder) / name
    width, height = size.split("x")
    run_ffmpeg(
        [
            *video_source("320x240", 25, seconds),
            *audio_source(seconds),
            "-vf",
            f"scale={width}:{height}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv444p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ]
    )
    return path


def make_vp9_opus_mkv(folder, name: str = "web.mkv", seconds: float = 2) -> Path:
    return make_clip(
        folder,
        name,
        seconds=seconds,
        vcodec="libvpx-vp9",
        acodec="libopus",
        extra=["-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"],
    )


def make_browser_webm(
    folder,
    name: str = "recording.webm",
    seconds: float = 2,
    size: str = "320x240",
    vcodec: str = "libvpx",
    acodec: str | None = "libopus",
    pattern: str = "testsrc2",
    streamed: bool = True,
) -> Path:
    """A WebM as a browser's MediaRecorder writes it (VP8 or VP9, Opus, 30 fps).

    ``streamed`` writes it through a pipe, as MediaRecorder does: no duration in the
    header and no cues, which is what Opencast Studio uploads.
    """
    path = Path(folder) / name
    args = video_source(size, 30, seconds, pattern) + (audio_source(seconds, 1, 48000) if acodec else [])
    args += ["-c:v", vcodec, "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"]
    args += ["-c:a", acodec] if acodec else ["-an"]
    if not streamed:
        run_ffmpeg([*args, "-shortest", str(path)])
        return path
    done = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", *args, "-shortest", "-f", "webm", "pipe:1"],
        capture_output=True,
    )
    if done.returncode:
        raise RuntimeError(f"ffmpeg failed: {done.stderr.decode(errors='replace')[-800:]}")
    path.write_bytes(done.stdout)
    return path


def make_hevc_10bit(folder, name: str = "hevc10.mp4", seconds: float = 2) -> Path:
    return make_clip(
        folder,
        name,
        seconds=seconds,
        vcodec="libx265",
        extra=["-preset", "ultrafast", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1", "-x265-params", "log-level=error"],
    )


def make_surround_video(folder, name: str = "surround.mp4", seconds: float = 2) -> Path:
    """5.1 AAC audio."""
    return make_clip(folder, name, seconds=seconds, channels=6)


def make_vfr_video(folder, name: str = "vfr.mp4", seconds: float = 3) -> Path:
    """Variable frame rate: a 25 fps pattern with frames dropped in bursts (gaps of 0.3 s)."""
    path = Path(folder) / name
    drop = "select='not(between(mod(n\\,25)\\,10\\,17))'"
    run_ffmpeg(
        [
            *video_source("320x240", 25, seconds),
            *audio_source(seconds),
            "-vf",
            drop,
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ]
    )
    return path


def make_screen_recording(folder, name: str = "screen.mp4", seconds: float = 4) -> Path:
    """Variable frame rate as a screen recorder writes it: 60 fps, then 30 fps (every other frame), in turns
    of half a second; ffprobe's average is 45 fps, the real rate 60."""
    path = Path(folder) / name
    keep = "select='lt(mod(t\\,1)\\,0.5)+not(mod(n\\,2))'"
    run_ffmpeg(
        [
            *video_source("320x240", 60, seconds),
            *audio_source(seconds),
            "-vf",
            keep,
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ]
    )
    return path


def make_anamorphic_video(
    folder, name: str = "dv.mp4", seconds: float = 2, size: str = "720x576", sar: str = "64/45"
) -> Path:
    """Non-square pixels, as DV and DVD store 16:9: 720x576 stored, 1024x576 shown (sample aspect 64:45)."""
    path = Path(folder) / name
    run_ffmpeg(
        [
            *video_source(size, 25, seconds),
            *audio_source(seconds),
            "-vf",
            f"setsar={sar}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ]
    )
    return path


def make_interlaced_mpeg2(folder, name: str = "broadcast.mpg", seconds: float = 2) -> Path:
    """Interlaced MPEG-2 (top field first) with MP2 audio in an MPEG program stream."""
    path = Path(folder) / name
    run_ffmpeg(
        [
            *video_source("352x288", 50, seconds),
            *audio_source(seconds, rate=48000),
            "-vf",
            "interlace=scan=tff",
            "-c:v",
            "mpeg2video",
            "-flags",
            "+ilme+ildct",
            "-top",
            "1",
            "-b:v",
            "2M",
            "-c:a",
            "mp2",
            "-shortest",
            str(path),
        ]
    )
    return path


def make_half_second_clip(folder, name: str = "blink.mp4") -> Path:
    return make_clip(folder, name, seconds=0.5)


def make_4k_video(folder, name: str = "uhd.mp4", seconds: float = 1) -> Path:
    """A 3840x2160 source (1 s, 10 fps) for probe and ladder checks."""
    return make_clip(folder, name, seconds=seconds, size="3840x2160", fps=10)


def make_speech_clip(
    folder, text: str = KOREAN_LECTURE, voice: str = "ko", name: str = "speech.mp4", size: str = "160x120"
) -> Path:
    """A small video whose sound is ``text`` spoken by espeak-ng (Debian package ``espeak-ng``)."""
    speech = Path(folder) / (name + ".wav")
    done = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", "150", "-w", str(speech), text], capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"espeak-ng failed: {done.stderr.strip()}")
    path = Path(folder) / name
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={size}:rate=10",
            "-i",
            str(speech),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ]
    )
    speech.unlink()
    return path


def make_bilingual_video(
    folder,
    name: str = "bilingual.mkv",
    seconds: float = 3,
    size: str = "320x240",
    default: int = 0,
    english: tuple[float, float] | None = None,
) -> Path:
    """A picture with two audio streams: French at 440 Hz, English (titled "English") at 880 Hz; ``default`` is the
    audio stream marked default; ``english`` = (start, length) in seconds when the English stream does not span
    the video (an interpreter who joins late). Matroska keeps a stream's title (MP4 drops it)."""
    path = Path(folder) / name
    args = video_source(size, 25, seconds)
    start, length = english or (0.0, seconds)
    for frequency, offset, span in ((440, 0.0, seconds), (880, start, length)):
        args += ["-itsoffset", str(offset)] if offset else []
        args += ["-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=48000:duration={span}"]
    args += ["-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:v", "libx264", "-preset", "ultrafast"]
    args += ["-pix_fmt", "yuv420p", "-c:a", "aac", "-metadata:s:a:0", "language=fre"]
    args += ["-metadata:s:a:1", "language=eng", "-metadata:s:a:1", "title=English"]
    args += [f"-disposition:a:{default}", "default", f"-disposition:a:{1 - default}", "0"]
    run_ffmpeg([*args, str(path)])
    return path


def make_tone(folder, name: str = "interpreter.wav", seconds: float = 2, frequency: int = 660) -> Path:
    """A sound alone (an interpreter's recording, say): a sine of ``frequency`` Hz."""
    path = Path(folder) / name
    run_ffmpeg(["-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=48000:duration={seconds}", str(path)])
    return path


def dominant_frequency(path: str, stream: str = "a:0", seconds: float = 1.0, start: float = 0.0) -> float:
    """The pitch of a pure tone, from its zero crossings (mono 16-bit PCM of ``seconds`` from ``start``)."""
    trim = f"atrim=start={start}:duration={seconds}"
    done = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-map", f"0:{stream}", "-af", trim, "-ac", "1", "-ar", "48000"]
        + ["-f", "s16le", "-"],
        capture_output=True,
        check=True,
    )
    samples = [int.from_bytes(done.stdout[i : i + 2], "little", signed=True) for i in range(0, len(done.stdout), 2)]
    crossings = sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))
    return crossings / 2 / (len(samples) / 48000)
