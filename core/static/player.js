/* Amphi player: hls.js (or native HLS), quality and speed menus, keyboard, storyboard previews,
   resume where the viewer stopped, watch time reports, share link at the current time.

   The public API for plugin panels (notes, chapters, transcript...):
   - window.Amphi.player.seek(seconds), .currentTime(), .video (the <video> element, or null);
   - any element with data-seek="<seconds>" seeks the player when activated (click or Enter);
   - the document receives an "amphi:time" CustomEvent ({detail: {time}}) on every timeupdate,
     and "amphi:ready" once the player is set up. */
(function () {
  "use strict";

  function setupSource(video, src, qualitySelect) {
    if (window.Hls && Hls.isSupported()) {
      var hls = new Hls({ capLevelToPlayerSize: true });
      hls.loadSource(src);
      hls.attachMedia(video);
      hls.on(Hls.Events.MANIFEST_PARSED, function (_event, data) {
        data.levels.forEach(function (level, index) {
          var option = document.createElement("option");
          option.value = index;
          option.textContent = level.height ? level.height + "p" : Math.round(level.bitrate / 1000) + " kb/s";
          qualitySelect.appendChild(option);
        });
      });
      qualitySelect.addEventListener("change", function () { hls.currentLevel = parseInt(qualitySelect.value, 10); });
      return hls;
    }
    video.src = src; // Safari and iOS play HLS natively
    qualitySelect.disabled = true;
    return null;
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

  function setupStoryboard(player, video, url) {
    if (!url) { return; }
    var preview = player.querySelector(".storyboard-preview"), image = preview.querySelector(".storyboard-image");
    var label = preview.querySelector("span"), cues = [];
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) { cues = parseStoryboard(text, url); });
    video.addEventListener("mousemove", function (event) {
      var rect = video.getBoundingClientRect();
      // The native timeline sits in the bottom strip of the video element.
      if (!cues.length || !video.duration || event.clientY < rect.bottom - 48) { preview.hidden = true; return; }
      var time = Math.max(0, Math.min(1, (event.clientX - rect.left) / rect.width)) * video.duration;
      var cue = cues.find(function (c) { return time >= c.start && time < c.end; }) || cues[cues.length - 1];
      image.style.width = cue.box[2] + "px";
      image.style.height = cue.box[3] + "px";
      image.style.backgroundImage = "url('" + cue.src + "')";
      image.style.backgroundPosition = -cue.box[0] + "px " + -cue.box[1] + "px";
      label.textContent = new Date(time * 1000).toISOString().substr(11, 8);
      preview.style.left = Math.max(0, event.clientX - rect.left - cue.box[2] / 2) + "px";
      preview.hidden = false;
    });
    video.addEventListener("mouseleave", function () { preview.hidden = true; });
  }

  // YouTube's keys. A focused <video controls> also answers Space itself (Chromium's controls
  // toggle it before the event bubbles up to us): the player takes the keys it handles in the
  // capture phase, so one press toggles once.
  var SEEK_STEP = 5, VOLUME_STEP = 0.1;

  function seekBy(video, seconds) {
    video.currentTime = Math.max(0, Math.min(video.duration || 0, video.currentTime + seconds));
  }

  function changeVolume(video, step) {
    video.volume = Math.round(Math.max(0, Math.min(1, video.volume + step)) * 10) / 10;
    if (step > 0) { video.muted = false; }
  }

  var KEY_ACTIONS = {
    "k": function (video) { return video.paused ? video.play() : video.pause(); },
    " ": function (video) { return video.paused ? video.play() : video.pause(); },
    "j": function (video) { seekBy(video, -10); },
    "l": function (video) { seekBy(video, 10); },
    "arrowleft": function (video) { seekBy(video, -SEEK_STEP); },
    "arrowright": function (video) { seekBy(video, SEEK_STEP); },
    "arrowup": function (video) { changeVolume(video, VOLUME_STEP); },
    "arrowdown": function (video) { changeVolume(video, -VOLUME_STEP); },
    "m": function (video) { video.muted = !video.muted; },
    "f": function (video, player) { return document.fullscreenElement ? document.exitFullscreen() : player.requestFullscreen(); }
  };

  function handledKey(event, video) {
    var tag = event.target.tagName;
    if (tag === "SELECT" || tag === "INPUT" || tag === "TEXTAREA" || tag === "BUTTON" || tag === "A") { return null; }
    if (event.altKey || event.ctrlKey || event.metaKey) { return null; }
    var key = event.key.toLowerCase();
    // Space and the arrows belong to the page (scrolling) unless the video itself has the focus.
    if ((key === " " || key.indexOf("arrow") === 0) && event.target !== video) { return null; }
    return KEY_ACTIONS[key] ? key : null;
  }

  function setupKeyboard(player, video) {
    player.addEventListener("keydown", function (event) {
      var key = handledKey(event, video);
      if (!key) { return; }
      event.preventDefault();
      event.stopPropagation();
      if (!event.repeat || key !== " ") { KEY_ACTIONS[key](video, player); }
    }, true);
    ["keyup", "keypress"].forEach(function (type) {
      player.addEventListener(type, function (event) {
        if (handledKey(event, video)) { event.preventDefault(); event.stopPropagation(); }
      }, true);
    });
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

  function setupResume(player, video) {
    var start = parseFloat(player.dataset.start || "0"), url = player.dataset.positionUrl, saved = -1;
    video.addEventListener("loadedmetadata", function () {
      if (start > 0 && (!video.duration || start < video.duration - 5)) { video.currentTime = start; }
    }, { once: true });
    if (!url) { return; }
    var played = watchCounter(video);
    function save() {
      var position = Math.floor(video.currentTime), watched = Math.floor(played.seconds * 10) / 10;
      if (position === saved && watched === 0) { return; }
      saved = position;
      played.seconds -= watched;
      fetch(url, { method: "POST", credentials: "same-origin", keepalive: true,
                   body: JSON.stringify({ position: position, watched: watched }),
                   headers: player.dataset.csrf ? { "Content-Type": "application/json", "X-CSRF-Token": player.dataset.csrf }
                                                : { "Content-Type": "application/json" } });
    }
    setInterval(function () { if (!video.paused) { save(); } }, 10000);
    video.addEventListener("pause", save);
    video.addEventListener("ended", save);
    document.addEventListener("visibilitychange", function () { if (document.hidden) { save(); } });
  }

  function setupShare(video) {
    var input = document.querySelector("[data-share-base]"), box = document.querySelector("[data-share-time]");
    if (!input || !box) { return; }
    function update() {
      input.value = input.dataset.shareBase + (box.checked ? "?t=" + Math.floor(video.currentTime) : "");
    }
    box.addEventListener("change", update);
    video.addEventListener("pause", update);
  }

  function setupApi(video) {
    window.Amphi = window.Amphi || {};
    window.Amphi.player = {
      video: video,
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
    document.dispatchEvent(new CustomEvent("amphi:ready"));
  }

  document.querySelectorAll("[data-player]").forEach(function (player) {
    var video = player.querySelector("video");
    setupApi(video);
    setupSource(video, player.dataset.src, player.querySelector("[data-quality]"));
    var speed = player.querySelector("[data-speed]");
    speed.addEventListener("change", function () { video.playbackRate = parseFloat(speed.value); });
    setupStoryboard(player, video, player.dataset.storyboard);
    setupKeyboard(player, video);
    setupResume(player, video);
    setupShare(video);
  });
})();
