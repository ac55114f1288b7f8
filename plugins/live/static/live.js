/* The live event page: countdown, the live player (hls.js, time-shift window), the viewers' beacon,
   the owners' copy buttons and live viewer counts. Without JavaScript the page still says everything. */
(function () {
  "use strict";
  var page = document.querySelector("[data-live-event]");
  if (!page) return;
  var statusUrl = page.getAttribute("data-status-url");

  function pollState(every, onAnswer) {
    function poll() {
      fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (answer) { if (answer) onAnswer(answer); })
        .catch(function () {});
    }
    window.setInterval(poll, every * 1000);
  }

  // Countdown before the start; the page reloads when the broadcast begins.
  var countdown = page.querySelector("[data-countdown]");
  if (countdown) {
    var starts = Date.parse(countdown.getAttribute("data-starts"));
    countdown.hidden = false;
    var tick = function () {
      var left = Math.max(0, Math.round((starts - Date.now()) / 1000));
      if (left === 0) { countdown.textContent = countdown.getAttribute("data-now"); return; }
      var h = Math.floor(left / 3600), m = Math.floor(left / 60) % 60, s = left % 60;
      var text = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
      countdown.textContent = countdown.getAttribute("data-template").replace("{time}", text);
    };
    tick();
    window.setInterval(tick, 1000);
    pollState(10, function (answer) { if (answer.state !== page.getAttribute("data-state")) window.location.reload(); });
  }

  // The live player. (liveHls is declared before startPlayer runs: a `var x = null` further down would
  // reset it after the first start, and the audio menu would then do nothing.)
  var liveHls = null;  // the hls.js instance playing now (a fatal network error makes a new one)
  var chosenLanguage = "";  // the language the viewer chose in the menu (kept when the player starts again)
  var player = page.querySelector("[data-live-player]");
  if (player) {
    player.querySelector("[data-player-status]").textContent = player.querySelector("[data-player-status]").getAttribute("data-starting");
    if (player.getAttribute("data-playable") === "yes") {
      startPlayer(player);
    } else {  // on air, but the packager has not written the first playlist yet
      var started = false;
      pollState(2, function (answer) {
        if (answer.playable && !started) { started = true; startPlayer(player); }
        else if (answer.state !== "on_air") window.location.reload();
      });
    }
    startBeacon(player);
  }

  function startPlayer(box) {
    var video = box.querySelector("video");
    var src = box.getAttribute("data-src");
    var status = box.querySelector("[data-player-status]");
    var audioField = box.querySelector("[data-audio-field]");
    var audioSelect = box.querySelector("[data-audio]");
    if (!(window.Hls && window.Hls.isSupported())) {
      if (video.canPlayType("application/vnd.apple.mpegurl")) { video.src = src; status.textContent = ""; }
      return;
    }
    var hls = liveHls = new window.Hls({
      liveSyncDurationCount: 3,
      liveMaxLatencyDurationCount: 10,
      liveDurationInfinity: true,
      backBufferLength: box.getAttribute("data-dvr") === "on" ? Infinity : 30,
      audioPreference: { lang: (navigator.language || "").slice(0, 2) }
    });
    hls.on(window.Hls.Events.ERROR, function (_event, data) {
      if (!data.fatal) return;
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) { hls.recoverMediaError(); return; }
      hls.destroy();  // a network error that outlived hls.js's own retries: start again shortly
      window.setTimeout(function () { startPlayer(box); }, 3000);
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, function () {
      status.textContent = "";
      video.play().catch(function () {});
    });
    hls.on(window.Hls.Events.AUDIO_TRACKS_UPDATED, function () {
      audioSelect.textContent = "";
      hls.audioTracks.forEach(function (track, index) {
        var option = document.createElement("option");
        option.value = index;
        option.textContent = track.name || track.lang || String(index + 1);
        audioSelect.appendChild(option);
      });
      var chosen = hls.audioTracks.findIndex(function (track) { return chosenLanguage && track.lang === chosenLanguage; });
      if (chosen >= 0 && chosen !== hls.audioTrack) hls.audioTrack = chosen;
      if (hls.audioTrack >= 0) audioSelect.value = hls.audioTrack;
      audioField.hidden = hls.audioTracks.length < 2;
    });
    hls.on(window.Hls.Events.AUDIO_TRACK_SWITCHED, function (_event, data) {
      audioSelect.value = data.id;  // the menu shows the language playing (hls.js picks one after the list)
    });
    hls.loadSource(src);
    hls.attachMedia(video);
  }

  if (player) {
    var video = player.querySelector("video");
    var goLive = player.querySelector("[data-go-live]");
    player.querySelector("[data-audio]").addEventListener("change", function (event) {
      if (!liveHls) return;
      liveHls.audioTrack = Number(event.target.value);
      chosenLanguage = (liveHls.audioTracks[liveHls.audioTrack] || {}).lang || "";
    });
    watchLanguages(player);
    if (player.getAttribute("data-dvr") === "on") {
      video.addEventListener("timeupdate", function () {
        var edge = liveHls && liveHls.liveSyncPosition;
        goLive.hidden = !(edge && edge - video.currentTime > 10);
      });
      goLive.addEventListener("click", function () {
        if (liveHls && liveHls.liveSyncPosition) video.currentTime = liveHls.liveSyncPosition;
        video.play().catch(function () {});
      });
    }
  }

  // An interpreter who joins (or leaves) after the viewer came changes the master playlist's languages:
  // the player starts again with them. The master is a static file (nginx in production) read every 15 s; the
  // application is not asked.
  function watchLanguages(box) {
    var src = box.getAttribute("data-src");
    window.setInterval(function () {
      if (!liveHls || document.hidden) return;
      fetch(src, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (text) {
          var languages = (text.match(/^#EXT-X-MEDIA:TYPE=AUDIO/gm) || []).length;
          if (liveHls && text.indexOf("#EXTM3U") === 0 && languages !== liveHls.audioTracks.length) {
            liveHls.destroy();
            liveHls = null;
            startPlayer(box);
          }
        })
        .catch(function () {});
    }, 15000);
  }

  // One small request every ~20 s while the video plays: the owners' viewer count.
  function startBeacon(box) {
    var url = box.getAttribute("data-beacon-url");
    var every = Number(box.getAttribute("data-beacon-seconds")) || 20;
    var video = box.querySelector("video");
    var id = null;
    try { id = window.sessionStorage.getItem("amphi-live-viewer"); } catch (e) {}
    if (!id) {
      id = Array.prototype.map.call(window.crypto.getRandomValues(new Uint8Array(12)), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      try { window.sessionStorage.setItem("amphi-live-viewer", id); } catch (e) {}
    }
    function send() {
      if (video.paused && video.readyState === 0 && document.hidden) return;
      var body = new URLSearchParams({ viewer: id, pass: box.getAttribute("data-beacon-pass") || "" });
      fetch(url, { method: "POST", body: body, credentials: "omit", keepalive: true }).catch(function () {});
    }
    send();
    window.setInterval(send, every * 1000);
  }

  // The owners' panel: copy, reveal the key, live counts.
  var copyStatus = page.querySelector("[data-copy-status]");
  page.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      var done = function () { if (copyStatus) copyStatus.textContent = copyStatus.getAttribute("data-copied"); };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).then(done, function () {});
      } else {
        field.type = "text"; field.select(); document.execCommand("copy"); done();
      }
    });
  });
  page.querySelectorAll("[data-reveal]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-reveal"));
      var shown = field.type === "text";
      field.type = shown ? "password" : "text";
      button.setAttribute("aria-pressed", String(!shown));
    });
  });
  var now = page.querySelector("[data-viewers-now]");
  if (now) {
    var peak = page.querySelector("[data-viewers-peak]");
    pollState(15, function (answer) {
      if (answer.viewers !== undefined) { now.textContent = answer.viewers; peak.textContent = Math.max(answer.peak, answer.viewers); }
    });
  }
})();
