"""What the fake server serves besides its API: the client's landing page after a join, and the
recordings' playback (a presentation page with moving picture and sound, a real MP4, an Ogg file)."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import tempfile
import threading

from plugin_bbb.testing.state import FakeAttendee, FakeRecording


def joined_page(person: FakeAttendee) -> str:
    """The "client" a join lands on: who joined, and the meeting itself as a moving picture with a tone
    (what a streamer films in place of BigBlueButton's HTML5 client). It plays from its load on: a
    browser needs ``--autoplay-policy=no-user-gesture-required`` for the sound, as the capture's has."""
    return (
        MEETING_PAGE.replace("__NAME__", html.escape(person.full_name))
        .replace("__ROLE__", html.escape(person.role))
        .replace("__GUEST__", "guest" if person.guest else "member")
    )


def video_page(recording: FakeRecording) -> str:
    """The ``video`` format's playback page, as BigBlueButton lays it out: ``video-0.m4v`` next to it."""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(recording.name)}</title>'
        '</head><body><video controls><source src="video-0.m4v" type="video/mp4"></video></body></html>'
    )


MEETING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fake BigBlueButton</title>
<style>html,body{margin:0;height:100%;overflow:hidden;background:#0b2239;color:#fff;font:20px sans-serif}
main{position:absolute;top:0;left:0;padding:.5rem 1rem;background:rgba(0,0,0,.6)}h1{font-size:1.2rem;margin:0}
p{margin:.2rem 0}canvas{display:block;width:100vw;height:100vh}</style></head>
<body><canvas id="meeting" width="640" height="360" aria-label="The meeting"></canvas>
<main><h1>In the meeting</h1><p id="who">__NAME__ (__ROLE__)</p><p id="guest">__GUEST__</p></main>
<script>
const ctx = document.getElementById("meeting").getContext("2d");
function frame(now) {
  ctx.fillStyle = "#0b2239"; ctx.fillRect(0, 0, 640, 360);
  ctx.fillStyle = "hsl(" + Math.round(now / 20) % 360 + ",80%,55%)";
  ctx.fillRect(270 + 220 * Math.sin(now / 500), 140, 100, 100);
  requestAnimationFrame(frame);
}
function tone() {
  try {
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    const beep = audio.createOscillator(), gain = audio.createGain();
    beep.frequency.value = 523; gain.gain.value = 0.2;
    beep.connect(gain).connect(audio.destination); beep.start(); audio.resume();
  } catch (error) { console.log("no sound: " + error); }
}
window.addEventListener("load", function () { tone(); requestAnimationFrame(frame); });
</script></body></html>
"""


def presentation_page(recording: FakeRecording) -> str:
    """A playback page with a moving picture and a sound for ``recording.duration`` seconds, from the press
    of its play button (as BigBlueButton's playback, which does not start by itself)."""
    return PRESENTATION_PAGE.replace("__DURATION__", json.dumps(recording.duration)).replace(
        "__NAME__", html.escape(recording.name)
    )


PRESENTATION_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>__NAME__</title>
<style>html,body{margin:0;background:#102030;color:#fff;font:20px sans-serif;overflow:hidden}
canvas{display:block;width:100vw;height:100vh}</style></head>
<body data-state="loading"><canvas id="screen" width="640" height="360" aria-label="Playback"></canvas>
<button class="vjs-big-play-button" type="button" style="position:fixed;left:45%;top:45%">Play</button>
<script>
const duration = __DURATION__;
window.amphiPlayback = {duration: duration, state: "loading", elapsed: 0};
const ctx = document.getElementById("screen").getContext("2d");
let start = null;
function sound() {
  try {
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    const tone = audio.createOscillator(), gain = audio.createGain();
    gain.gain.value = 0.2;
    tone.frequency.setValueAtTime(440, audio.currentTime);
    tone.frequency.linearRampToValueAtTime(880, audio.currentTime + duration);
    tone.connect(gain).connect(audio.destination);
    tone.start(); tone.stop(audio.currentTime + duration);
    audio.resume();
  } catch (error) { console.log("no sound: " + error); }
}
function frame(now) {
  if (start === null) start = now;
  const elapsed = Math.min((now - start) / 1000, duration);
  window.amphiPlayback.elapsed = elapsed;
  ctx.fillStyle = "#102030"; ctx.fillRect(0, 0, 640, 360);
  ctx.fillStyle = "hsl(" + Math.round(elapsed * 90) % 360 + ",80%,55%)";
  ctx.fillRect(20 + (elapsed / duration) * 520, 130, 100, 100);
  ctx.fillStyle = "#fff"; ctx.fillText(elapsed.toFixed(1) + " s", 20, 40);
  if (elapsed < duration) { requestAnimationFrame(frame); return; }
  window.amphiPlayback.state = "ended"; document.title = "ended"; document.body.dataset.state = "ended";
}
function play() {
  if (window.amphiPlayback.state !== "ready") return;
  document.querySelector(".vjs-big-play-button").remove();
  window.amphiPlayback.state = "playing"; document.body.dataset.state = "playing";
  sound(); requestAnimationFrame(frame);
}
window.amphiPlayback.play = play;
document.querySelector(".vjs-big-play-button").addEventListener("click", play);
window.addEventListener("load", function () {
  ctx.font = "28px sans-serif";
  ctx.fillStyle = "#102030"; ctx.fillRect(0, 0, 640, 360);
  window.amphiPlayback.state = "ready"; document.body.dataset.state = "ready";
});
</script></body></html>
"""

_MEDIA: dict[tuple[str, float], bytes] = {}
_MEDIA_LOCK = threading.Lock()


def media_bytes(kind: str, duration: float) -> bytes:
    """A real ``video`` (MP4, 320x240, H.264 and AAC) or ``podcast`` (Ogg Vorbis) of ``duration`` seconds,
    made once per process with ffmpeg."""
    key = (kind, round(duration, 2))
    with _MEDIA_LOCK:
        if key not in _MEDIA:
            _MEDIA[key] = _make_media(kind, duration)
        return _MEDIA[key]


def _make_media(kind: str, duration: float) -> bytes:
    folder = tempfile.mkdtemp(prefix="fake-bbb-")
    try:
        if kind == "video":
            path = os.path.join(folder, "video.mp4")
            inputs = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-f", "lavfi", "-i", "sine=frequency=440"]
            codecs = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
            codecs += ["-movflags", "+faststart"]
        else:
            path = os.path.join(folder, "audio.ogg")
            inputs, codecs = ["-f", "lavfi", "-i", "sine=frequency=330"], ["-c:a", "libvorbis"]
        subprocess.run(
            ["ffmpeg", "-nostdin", "-loglevel", "error", *inputs, "-t", str(duration), *codecs, path],
            check=True,
            timeout=60,
        )
        with open(path, "rb") as file:
            return file.read()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
