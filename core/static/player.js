/* Amphi player: hls.js (or native HLS), controls over the picture (seek bar with chapter marks and
   storyboard previews, volume, captions and their style, quality, speed, audio track, picture in
   picture, full screen, theatre mode and a small docked player on the video page), the keyboard,
   resume where the viewer stopped, watch time reports, what the viewer does (play, pause, seek...) for the
   plugins that want it, share link at the current time.

   Without JavaScript the browser's own controls show. The viewer's choices (caption style, theatre
   mode, volume, audio language) are kept in localStorage: the page itself is the same for every viewer.

   The public API for plugin panels (notes, chapters, transcript...):
   - window.Amphi.player.seek(seconds), .currentTime(), .video (the <video> element, or null), .hls (hls.js);
   - any element with data-seek="<seconds>" seeks the player when activated (click or Enter);
   - the document receives an "amphi:time" CustomEvent ({detail: {time}}) on every timeupdate,
     and "amphi:ready" once the player is set up. */
(function () {
  "use strict";

  var SEEK_STEP = 5, VOLUME_STEP = 0.1, IDLE_MS = 3000;
  var SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

  function stored(key, fallback) {
    try { var value = window.localStorage.getItem("amphi." + key); return value === null ? fallback : value; }
    catch (e) { return fallback; }
  }

  function store(key, value) {
    try { window.localStorage.setItem("amphi." + key, value); } catch (e) { /* private mode: not kept */ }
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return (h ? h + ":" + (m < 10 ? "0" : "") : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }

  function setupSource(ui, video, src) {
    if (window.Hls && Hls.isSupported()) {
      var hls = new Hls({ capLevelToPlayerSize: true });
      hls.loadSource(src);
      hls.attachMedia(video);
      hls.on(Hls.Events.MANIFEST_PARSED, function (_event, data) {
        data.levels.forEach(function (level, index) {
          var option = document.createElement("option");
          option.value = index;
          option.textContent = level.height ? level.height + "p" : Math.round(level.bitrate / 1000) + " kb/s";
          ui.quality.appendChild(option);
        });
      });
      ui.quality.addEventListener("change", function () { hls.currentLevel = parseInt(ui.quality.value, 10); });
      hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, function (_event, data) { audioTracks(ui, hls, data.audioTracks); });
      hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, function (_event, data) { ui.audio.value = String(data.id); });
      return hls;
    }
    video.src = src; // Safari and iOS play HLS natively
    ui.quality.closest("label").hidden = true;
    return null;
  }

  // Several audio languages (hls.js): a menu, by name; one: none. The player starts on the language the
  // viewer chose last time (any video), else on the first of the browser's languages that the video
  // has, else on the video's default; a choice is remembered.
  function primary(tag) { return String(tag || "").toLowerCase().split(/[-_]/)[0]; }

  function preferredTrack(tracks) {
    var language = stored("audio.language", null), name = stored("audio.name", null), found = -1;
    if (language !== null || name !== null) {
      tracks.forEach(function (track, index) {
        if (found < 0 && track.name === name && primary(track.lang) === primary(language)) { found = index; }
      });
      tracks.forEach(function (track, index) {
        if (found < 0 && language && primary(track.lang) === primary(language)) { found = index; }
      });
      if (found >= 0) { return found; }
    }
    (navigator.languages || [navigator.language]).some(function (wanted) {
      tracks.forEach(function (track, index) {
        if (found < 0 && track.lang && primary(track.lang) === primary(wanted)) { found = index; }
      });
      return found >= 0;
    });
    return found;
  }

  function audioTracks(ui, hls, tracks) {
    var first = !ui.audio.dataset.chosen;
    ui.audio.dataset.chosen = "1";
    if (first && tracks.length > 1) {
      var preferred = preferredTrack(tracks);
      if (preferred >= 0 && preferred !== hls.audioTrack) { hls.audioTrack = preferred; }
    }
    ui.audio.textContent = "";
    tracks.forEach(function (track, index) {
      var option = document.createElement("option");
      option.value = index;
      option.textContent = track.name || track.lang || String(index + 1);
      if (track.lang) { option.lang = track.lang; }
      option.selected = index === hls.audioTrack;
      ui.audio.appendChild(option);
    });
    ui.audioField.hidden = tracks.length < 2;
    ui.audio.onchange = function () {
      var index = parseInt(ui.audio.value, 10), track = tracks[index];
      hls.audioTrack = index;
      if (track) { store("audio.language", track.lang || ""); store("audio.name", track.name || ""); }
    };
  }

  function parseStoryboard(text, base) {
    var cues = [], blocks = text.split(/\r?\n\r?\n/);
    blocks.forEach(function (block) {
      var match = block.match(/([\d:.]+) --> ([\d:.]+)\s*\n(.+)/);
      if (!match) { return; }
      var url = match[3].trim(), xywh = url.split("#xywh=");
      cues.push({ start: toSeconds(match[1]), end: toSeconds(match[2]),
                  src: new URL(xywh[0], base).href, box: (xywh[1] || "0,0,0,0").split(",").map(Number) });
    });
    return cues;
  }

  function toSeconds(stamp) {
    return stamp.split(":").reduce(function (total, part) { return total * 60 + parseFloat(part); }, 0);
  }

  // Hovering the seek bar shows the storyboard's picture of that moment.
  function setupStoryboard(player, ui, video, url) {
    var preview = player.querySelector(".storyboard-preview"), image = preview.querySelector(".storyboard-image");
    var label = preview.querySelector("span"), cues = [];
    if (url) {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (text) { cues = parseStoryboard(text, url); });
    }
    ui.seek.addEventListener("pointermove", function (event) {
      var rect = ui.seek.getBoundingClientRect(), frame = ui.frame.getBoundingClientRect();
      if (!video.duration) { return; }
      var time = Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width)) * video.duration;
      var cue = cues.find(function (c) { return time >= c.start && time < c.end; }) || cues[cues.length - 1];
      image.hidden = !cue;
      if (cue) {
        image.style.width = cue.box[2] + "px";
        image.style.height = cue.box[3] + "px";
        image.style.backgroundImage = "url('" + cue.src + "')";
        image.style.backgroundPosition = -cue.box[0] + "px " + -cue.box[1] + "px";
      }
      label.textContent = clock(time);
      var width = cue ? cue.box[2] : 60;
      preview.style.left = Math.max(0, Math.min(frame.width - width - 4, event.clientX - frame.left - width / 2)) + "px";
      preview.style.bottom = (frame.bottom - rect.top + 4) + "px";
      preview.hidden = false;
    });
    ui.seek.addEventListener("pointerleave", function () { preview.hidden = true; });
  }

  function seekTo(video, seconds) {
    video.currentTime = Math.max(0, Math.min(video.duration || 0, seconds));
  }

  function changeVolume(video, step) {
    video.volume = Math.round(Math.max(0, Math.min(1, video.volume + step)) * 10) / 10;
    if (step > 0) { video.muted = false; }
  }

  function changeSpeed(ui, video, direction) {
    var index = SPEEDS.indexOf(video.playbackRate);
    index = Math.max(0, Math.min(SPEEDS.length - 1, (index < 0 ? 2 : index) + direction));
    video.playbackRate = SPEEDS[index];
    ui.speed.value = String(SPEEDS[index]);
  }

  function togglePlay(video) {
    return video.paused ? video.play() : video.pause();
  }

  function toggleFullscreen(player) {
    if (document.fullscreenElement) { return document.exitFullscreen(); }
    return player.requestFullscreen ? player.requestFullscreen() : null;
  }

  // YouTube's keys. With our controls the <video> has no native controls, so nothing else answers
  // Space: one press toggles once. A focused button or menu keeps Space and Enter for itself.
  var KEY_ACTIONS = {
    "k": function (p) { return togglePlay(p.video); },
    " ": function (p) { return togglePlay(p.video); },
    "j": function (p) { seekTo(p.video, p.video.currentTime - 10); },
    "l": function (p) { seekTo(p.video, p.video.currentTime + 10); },
    "arrowleft": function (p) { seekTo(p.video, p.video.currentTime - SEEK_STEP); },
    "arrowright": function (p) { seekTo(p.video, p.video.currentTime + SEEK_STEP); },
    "arrowup": function (p) { changeVolume(p.video, VOLUME_STEP); },
    "arrowdown": function (p) { changeVolume(p.video, -VOLUME_STEP); },
    "home": function (p) { seekTo(p.video, 0); },
    "end": function (p) { seekTo(p.video, p.video.duration || 0); },
    "<": function (p) { changeSpeed(p.ui, p.video, -1); },
    ">": function (p) { changeSpeed(p.ui, p.video, 1); },
    "m": function (p) { p.video.muted = !p.video.muted; },
    "c": function (p) { p.toggleCaptions(); },
    "f": function (p) { return toggleFullscreen(p.player); }
  };

  function handledKey(event, p) {
    var target = event.target, tag = target.tagName;
    if (event.altKey || event.ctrlKey || event.metaKey) { return null; }
    if (tag === "SELECT" || tag === "TEXTAREA" || (tag === "INPUT" && target !== p.ui.seek)) { return null; }
    var key = event.key.toLowerCase();
    if (/^[0-9]$/.test(key)) { return key; }
    if (!KEY_ACTIONS[key]) { return null; }
    var pressable = tag === "BUTTON" || tag === "A";
    if (pressable && (key === " " || key === "enter")) { return null; }
    // The arrows, Home and End of a focused button or link stay the page's (scrolling, tab lists).
    if (pressable && (key.indexOf("arrow") === 0 || key === "home" || key === "end")) { return null; }
    return key;
  }

  function setupKeyboard(p) {
    p.player.addEventListener("keydown", function (event) {
      var key = handledKey(event, p);
      if (!key) { return; }
      event.preventDefault();
      event.stopPropagation();
      p.wake();
      if (event.repeat && (key === " " || key === "k")) { return; }
      if (/^[0-9]$/.test(key)) { seekTo(p.video, (p.video.duration || 0) * parseInt(key, 10) / 10); return; }
      KEY_ACTIONS[key](p);
    }, true);
    ["keyup", "keypress"].forEach(function (type) {
      p.player.addEventListener(type, function (event) {
        if (handledKey(event, p)) { event.preventDefault(); event.stopPropagation(); }
      }, true);
    });
  }

  // The text tracks: captions (one showing at most, toggled by "c"), chapters (marks, current title).
  function setupTracks(p) {
    var ui = p.ui, video = p.video, elements = Array.prototype.slice.call(video.querySelectorAll("track"));
    var captions = elements.filter(function (t) { return t.kind === "subtitles" || t.kind === "captions"; });
    var chosen = captions.filter(function (t) { return t.default; })[0] || captions[0] || null, showing = null;

    function show(element) {
      captions.forEach(function (t) { t.track.mode = t === element ? "showing" : "disabled"; });
      showing = element;
      if (element) { chosen = element; }
      if (ui.captions) {
        ui.captions.setAttribute("aria-pressed", element ? "true" : "false");
        ui.captions.setAttribute("aria-label", element ? p.labels.captionsOff : p.labels.captionsOn);
      }
      if (ui.captionTrack) { ui.captionTrack.value = element ? element.srclang + "|" + element.label : ""; }
    }
    p.toggleCaptions = function () { show(showing ? null : chosen); };
    show(captions.filter(function (t) { return t.default; })[0] || null);
    if (ui.captions) { ui.captions.addEventListener("click", p.toggleCaptions); }
    if (ui.captionTrack) {
      ui.captionTrack.addEventListener("change", function () {
        show(captions.filter(function (t) { return t.srclang + "|" + t.label === ui.captionTrack.value; })[0] || null);
      });
    }
    setupCaptionStyle(p);
    elements.filter(function (t) { return t.kind === "chapters"; }).slice(0, 1).forEach(function (element) {
      setupChapters(p, element);
    });
  }

  function setupChapters(p, element) {
    var track = element.track, ui = p.ui, video = p.video;
    track.mode = "hidden"; // loads the cues without showing them
    function marks() {
      if (!track.cues || !video.duration) { return; }
      ui.marks.textContent = "";
      Array.prototype.forEach.call(track.cues, function (cue) {
        if (cue.startTime <= 0) { return; }
        var mark = document.createElement("span");
        mark.className = "player-mark";
        mark.style.left = (cue.startTime / video.duration * 100) + "%";
        mark.title = cue.text;
        ui.marks.appendChild(mark);
      });
      current();
    }
    function current() {
      var now = video.currentTime, title = "";
      Array.prototype.forEach.call(track.cues || [], function (cue) {
        if (now >= cue.startTime && now < cue.endTime) { title = cue.text; }
      });
      if (ui.chapter.textContent !== title) {
        ui.chapter.textContent = title;
        ui.chapter.title = title;
      }
      p.chapter = title;
    }
    element.addEventListener("load", marks);
    video.addEventListener("loadedmetadata", marks);
    video.addEventListener("durationchange", marks);
    video.addEventListener("timeupdate", current);
    video.addEventListener("seeked", current);
    marks();
  }

  // Caption size and background opacity, kept per viewer.
  function setupCaptionStyle(p) {
    var ui = p.ui;
    if (!ui.captionSize) { return; }
    var style = document.createElement("style");
    document.head.appendChild(style);
    function apply() {
      var size = parseInt(ui.captionSize.value, 10) || 100, opacity = parseInt(ui.captionBackground.value, 10);
      if (isNaN(opacity)) { opacity = 75; }
      style.textContent = ".player video::cue { font-size: " + size + "%; background-color: rgba(0, 0, 0, " +
        opacity / 100 + "); }";
      store("captionSize", String(size));
      store("captionBackground", String(opacity));
    }
    ui.captionSize.value = stored("captionSize", "100");
    ui.captionBackground.value = stored("captionBackground", "75");
    if (!ui.captionSize.value) { ui.captionSize.value = "100"; }
    if (!ui.captionBackground.value) { ui.captionBackground.value = "75"; }
    ui.captionSize.addEventListener("change", apply);
    ui.captionBackground.addEventListener("change", apply);
    apply();
  }

  // The seek bar, the time, the play and mute buttons follow the video.
  function setupBar(p) {
    var ui = p.ui, video = p.video;
    function time() {
      var duration = video.duration || 0, now = video.currentTime;
      if (!ui.seek.matches(":active")) { ui.seek.value = String(now); }
      ui.seek.style.setProperty("--played", (duration ? now / duration * 100 : 0) + "%");
      ui.time.textContent = clock(now);
      ui.seek.setAttribute("aria-valuetext", p.labels.timeOf.replace("{time}", clock(now)).replace("{duration}", clock(duration)));
    }
    function duration() {
      ui.seek.max = String(video.duration || 0);
      ui.duration.textContent = clock(video.duration);
      time();
    }
    function playing() {
      ui.play.setAttribute("aria-label", video.paused ? p.labels.play : p.labels.pause);
      p.player.classList.toggle("playing", !video.paused);
      p.wake();
    }
    function volume() {
      var muted = video.muted || video.volume === 0;
      ui.mute.setAttribute("aria-label", muted ? p.labels.unmute : p.labels.mute);
      p.player.classList.toggle("muted", muted);
      ui.volume.value = String(video.muted ? 0 : video.volume);
      ui.volume.style.setProperty("--played", (video.muted ? 0 : video.volume * 100) + "%");
      store("volume", String(video.volume));
    }
    video.addEventListener("timeupdate", time);
    video.addEventListener("seeked", time);
    video.addEventListener("loadedmetadata", duration);
    video.addEventListener("durationchange", duration);
    video.addEventListener("play", playing);
    video.addEventListener("pause", playing);
    video.addEventListener("volumechange", volume);
    ui.seek.addEventListener("input", function () { seekTo(video, parseFloat(ui.seek.value)); });
    ui.play.addEventListener("click", function () { togglePlay(video); });
    video.addEventListener("click", function () { togglePlay(video); video.focus(); });
    video.addEventListener("dblclick", function () { toggleFullscreen(p.player); });
    ui.mute.addEventListener("click", function () { video.muted = !video.muted; });
    ui.volume.addEventListener("input", function () {
      video.volume = parseFloat(ui.volume.value);
      video.muted = video.volume === 0;
    });
    ui.speed.addEventListener("change", function () { video.playbackRate = parseFloat(ui.speed.value); });
    var saved = parseFloat(stored("volume", "1"));
    if (saved >= 0 && saved <= 1) { video.volume = saved; }
    duration();
    playing();
    volume();
  }

  function setupMenus(p) {
    var ui = p.ui, player = p.player;
    function open(opened) {
      ui.settingsPanel.hidden = !opened;
      ui.settings.setAttribute("aria-expanded", opened ? "true" : "false");
      if (opened) { ui.settingsPanel.querySelector("select").focus(); }
    }
    ui.settings.addEventListener("click", function () { open(ui.settingsPanel.hidden); });
    ui.settingsPanel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.stopPropagation(); open(false); ui.settings.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!ui.settingsPanel.hidden && !ui.settingsPanel.contains(event.target) && !ui.settings.contains(event.target)) {
        open(false);
      }
    });
    if (document.pictureInPictureEnabled && !p.video.disablePictureInPicture) {
      ui.pip.hidden = false;
      ui.pip.addEventListener("click", function () {
        return document.pictureInPictureElement ? document.exitPictureInPicture() : p.video.requestPictureInPicture();
      });
      ["enterpictureinpicture", "leavepictureinpicture"].forEach(function (type) {
        p.video.addEventListener(type, function () {
          ui.pip.setAttribute("aria-label", document.pictureInPictureElement ? p.labels.exitPip : p.labels.pip);
        });
      });
    }
    if (!player.requestFullscreen) { ui.fullscreen.hidden = true; }
    ui.fullscreen.addEventListener("click", function () { toggleFullscreen(player); });
    document.addEventListener("fullscreenchange", function () {
      var full = document.fullscreenElement === player;
      player.classList.toggle("fullscreen", full);
      ui.fullscreen.setAttribute("aria-label", full ? p.labels.exitFullscreen : p.labels.fullscreen);
    });
  }

  // The controls hide during playback after 3 s without the pointer; they come back on a move or a focus.
  function setupIdle(p) {
    var timer = null, player = p.player;
    p.wake = function () {
      player.classList.remove("idle");
      clearTimeout(timer);
      timer = setTimeout(function () {
        var busy = p.ui.chrome.contains(document.activeElement) && document.activeElement !== p.ui.seek;
        if (!p.video.paused && !busy && p.ui.settingsPanel.hidden) { player.classList.add("idle"); }
      }, IDLE_MS);
    };
    ["pointermove", "pointerdown", "focusin"].forEach(function (type) { player.addEventListener(type, p.wake); });
  }

  // On the video page: theatre mode (kept per viewer) and a small player docked while reading below.
  function setupPage(p) {
    var page = p.player.closest("[data-watch]"), holder = p.player.parentNode, ui = p.ui;
    if (!page) { return; }
    ui.theatre.hidden = false;
    function theatre(on) {
      page.classList.toggle("theatre", on);
      ui.theatre.setAttribute("aria-pressed", on ? "true" : "false");
      store("theatre", on ? "1" : "0");
    }
    theatre(stored("theatre", "0") === "1");
    ui.theatre.addEventListener("click", function () { theatre(!page.classList.contains("theatre")); });
    if (!window.IntersectionObserver || !window.matchMedia) { return; }
    var wide = window.matchMedia("(min-width: 60rem)"), dismissed = false, visible = true;
    function dock() {
      var docked = !visible && !dismissed && !p.video.paused && wide.matches;
      if (docked === p.player.classList.contains("docked")) { return; }
      holder.style.minHeight = docked ? holder.offsetHeight + "px" : "";
      p.player.classList.toggle("docked", docked);
    }
    new IntersectionObserver(function (entries) {
      visible = entries[0].intersectionRatio >= 0.25;  // docks once three quarters are out of view
      if (visible) { dismissed = false; }
      dock();
    }, { threshold: [0, 0.25, 0.5] }).observe(holder);
    p.video.addEventListener("play", dock);
    wide.addEventListener("change", dock);
    ui.undock.addEventListener("click", function () { dismissed = true; p.video.pause(); dock(); });
  }

  // Seconds of media really played (seeks excluded), counted between two reports.
  function watchCounter(video) {
    var counter = { seconds: 0 }, last = null;
    video.addEventListener("seeking", function () { last = null; });
    video.addEventListener("timeupdate", function () {
      var now = video.currentTime;
      if (last !== null && !video.paused && now > last && now - last <= 1 + video.playbackRate) {
        counter.seconds += now - last;
      }
      last = now;
    });
    return counter;
  }

  // ?t= (start_at) wins; otherwise a signed-in viewer resumes where they stopped (asked of the API, as
  // the page is the same for everyone). The same answer gives the token the reports need.
  function setupResume(player, video, auth) {
    var start = parseFloat(player.dataset.start || "0"), url = player.dataset.positionUrl, saved = -1, token = "";
    function startAt(seconds) {
      if (!(seconds > 0)) { return; }
      var go = function () { if (!video.duration || seconds < video.duration - 5) { video.currentTime = seconds; } };
      if (video.readyState >= 1) { go(); } else { video.addEventListener("loadedmetadata", go, { once: true }); }
    }
    if (!url) { startAt(start); return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (body) {
        token = auth.token = body.csrf_token || "";
        startAt(start > 0 ? start : body.position);
      }, function () { startAt(start); });
    var played = watchCounter(video);
    function save() {
      var position = Math.floor(video.currentTime), watched = Math.floor(played.seconds * 10) / 10;
      if (position === saved && watched === 0) { return; }
      saved = position;
      played.seconds -= watched;
      var headers = { "Content-Type": "application/json" };
      if (token) { headers["X-CSRF-Token"] = token; }
      fetch(url, { method: "POST", credentials: "same-origin", keepalive: true, headers: headers,
                   body: JSON.stringify({ position: position, watched: watched }) });
    }
    setInterval(function () { if (!video.paused) { save(); } }, 10000);
    video.addEventListener("pause", save);
    video.addEventListener("ended", save);
    document.addEventListener("visibilitychange", function () { if (document.hidden) { save(); } });
  }

  // What the viewer does (play, pause, seek, speed, volume...), reported where an enabled plugin wants it
  // (data-events-url): in batches, at most one request every EVENTS_MS, the rest when the page goes
  // (pagehide: sendBeacon). Each batch carries the parts of the video really played in this viewing.
  var EVENTS_MS = 5000;

  function randomUuid() {
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = b[6] & 15 | 64;
    b[8] = b[8] & 63 | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function playedParts(video) {
    var parts = { list: [] }, current = null, last = null;
    function advance() {  // from the last time seen to now, if the media played in between (not a seek)
      var now = video.currentTime;
      if (last !== null && now > last && now - last <= 1 + video.playbackRate) {
        if (current) { current[1] = now; } else { current = [last, now]; parts.list.push(current); }
      } else if (now !== last) { current = null; }
      last = now;
    }
    video.addEventListener("seeking", function () { current = null; last = null; });
    video.addEventListener("play", function () { current = null; last = video.currentTime; });
    video.addEventListener("timeupdate", function () { if (!video.paused) { advance(); } });
    video.addEventListener("pause", function () { advance(); current = null; });  // also at the end
    parts.merged = function () {
      var merged = [];
      parts.list.slice().sort(function (a, b) { return a[0] - b[0]; }).forEach(function (part) {
        var top = merged[merged.length - 1];
        if (top && part[0] <= top[1]) { top[1] = Math.max(top[1], part[1]); } else { merged.push(part.slice()); }
      });
      parts.list = merged;
      current = null;
      return merged.map(function (part) { return [Math.round(part[0] * 10) / 10, Math.round(part[1] * 10) / 10]; });
    };
    return parts;
  }

  function setupEvents(player, video, auth) {
    var url = player.dataset.eventsUrl;
    if (!url || !window.crypto || !window.JSON) { return; }
    var session = randomUuid(), queue = [], timer = null, wanted = true, seekFrom = null, shown = null, last = 0;
    var played = playedParts(video);
    function batch() {
      var body = { session: session, events: queue, played: played.merged() };
      if (auth.token) { body.csrf_token = auth.token; }
      queue = [];
      return JSON.stringify(body);
    }
    function send() {
      timer = null;
      if (!wanted || !queue.length) { return; }
      var headers = { "Content-Type": "application/json" };
      if (auth.token) { headers["X-CSRF-Token"] = auth.token; }
      fetch(url, { method: "POST", credentials: "same-origin", headers: headers, body: batch() })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (answer) { if (answer.wanted === false) { wanted = false; } }, function () {});
    }
    function note(type, values) {
      if (!wanted) { return; }
      var event = { type: type, time: video.currentTime, at: Date.now() }, previous = queue[queue.length - 1];
      Object.keys(values || {}).forEach(function (key) { event[key] = values[key]; });
      // A dragged volume slider says one thing, not fifty.
      if (previous && previous.type === type && type === "volumechange") { queue.pop(); }
      queue.push(event);
      if (!timer) { timer = setTimeout(send, EVENTS_MS); }
    }
    function ready() { note("ready"); }
    if (video.readyState >= 1) { ready(); } else { video.addEventListener("loadedmetadata", ready, { once: true }); }
    video.addEventListener("timeupdate", function () { if (!video.seeking) { last = video.currentTime; } });
    video.addEventListener("play", function () { note("play"); });
    video.addEventListener("pause", function () { if (!video.ended) { note("pause"); } });
    video.addEventListener("ended", function () { note("ended"); });
    video.addEventListener("seeking", function () { if (seekFrom === null) { seekFrom = last; } });
    video.addEventListener("seeked", function () {
      note("seeked", { from: seekFrom === null ? last : seekFrom });
      seekFrom = null;
      last = video.currentTime;
    });
    video.addEventListener("ratechange", function () { note("ratechange", { rate: video.playbackRate }); });
    video.addEventListener("volumechange", function () { note("volumechange", { volume: video.volume, muted: video.muted }); });
    document.addEventListener("fullscreenchange", function () { note("fullscreen", { on: document.fullscreenElement === player }); });
    video.textTracks.addEventListener("change", function () {
      var showing = Array.prototype.filter.call(video.textTracks, function (t) { return t.mode === "showing"; })[0];
      var language = showing ? showing.language : "";
      if (language !== shown) { if (shown !== null || language) { note("captions", { language: language }); } shown = language; }
    });
    window.addEventListener("pagehide", function () {
      if (!wanted) { return; }
      clearTimeout(timer);
      timer = null;
      note("leave");
      clearTimeout(timer);
      var body = batch(), sent = false;
      try { sent = navigator.sendBeacon(url, new Blob([body], { type: "application/json" })); } catch (e) { sent = false; }
      if (!sent) {
        fetch(url, { method: "POST", credentials: "same-origin", keepalive: true, body: body,
                     headers: { "Content-Type": "application/json" } });
      }
    });
  }

  function setupShare(video) {
    var input = document.querySelector("[data-share-base]"), box = document.querySelector("[data-share-time]");
    if (!input || !box) { return; }
    function update() {
      input.value = input.dataset.shareBase + (box.checked ? "?t=" + Math.floor(video.currentTime) : "");
    }
    box.addEventListener("change", update);
    video.addEventListener("pause", update);
    video.addEventListener("seeked", update);
  }

  function setupApi(video, hls) {
    window.Amphi = window.Amphi || {};
    window.Amphi.player = {
      video: video,
      hls: hls,  // the hls.js instance (null where the browser plays HLS itself)
      currentTime: function () { return video.currentTime; },
      seek: function (seconds) {
        video.currentTime = Math.max(0, parseFloat(seconds) || 0);
        video.focus();
      }
    };
    video.addEventListener("timeupdate", function () {
      document.dispatchEvent(new CustomEvent("amphi:time", { detail: { time: video.currentTime } }));
    });
    document.addEventListener("click", function (event) {
      var target = event.target.closest && event.target.closest("[data-seek]");
      if (!target) { return; }
      event.preventDefault();
      window.Amphi.player.seek(target.dataset.seek);
    });
  }

  function parts(player) {
    var q = function (selector) { return player.querySelector(selector); };
    return {
      frame: q(".player-frame"), chrome: q("[data-controls]"), seek: q("[data-seek-bar]"), marks: q("[data-marks]"),
      play: q("[data-play]"), mute: q("[data-mute]"), volume: q("[data-volume]"), time: q("[data-time]"),
      duration: q("[data-duration]"), chapter: q("[data-chapter-title]"), captions: q("[data-captions]"),
      settings: q("[data-settings]"), settingsPanel: q("[data-settings-panel]"), pip: q("[data-pip]"),
      theatre: q("[data-theatre]"), fullscreen: q("[data-fullscreen]"), undock: q("[data-undock]"),
      quality: q("[data-quality]"), speed: q("[data-speed]"), audio: q("[data-audio]"), audioField: q("[data-audio-field]"),
      captionTrack: q("[data-caption-track]"), captionSize: q("[data-caption-size]"),
      captionBackground: q("[data-caption-background]")
    };
  }

  document.querySelectorAll("[data-player]").forEach(function (player) {
    var video = player.querySelector("video");
    var p = { player: player, video: video, ui: parts(player), labels: JSON.parse(player.dataset.labels || "{}"),
              wake: function () {}, toggleCaptions: function () {} };
    video.controls = false;  // ours take over
    video.tabIndex = 0;
    p.ui.chrome.hidden = false;
    player.classList.add("enhanced");
    var hls = setupSource(p.ui, video, player.dataset.src);
    setupApi(video, hls);
    setupIdle(p);
    setupBar(p);
    setupTracks(p);
    setupMenus(p);
    setupStoryboard(player, p.ui, video, player.dataset.storyboard);
    setupKeyboard(p);
    var auth = { token: "" };  // the session's CSRF token, once the position API gave it
    setupResume(player, video, auth);
    setupEvents(player, video, auth);
    setupShare(video);
    setupPage(p);
  });
  if (document.querySelector("[data-player]")) { document.dispatchEvent(new CustomEvent("amphi:ready")); }
})();
