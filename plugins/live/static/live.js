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

  // The live player.
  var player = page.querySelector("[data-live-player]");
  if (player) startPlayer(player);

  function startPlayer(box) {
    var video = box.querySelector("video");
    var src = box.getAttribute("data-src");
    var status = box.querySelector("[data-player-status]");
    var goLive = box.querySelector("[data-go-live]");
    var audioField = box.querySelector("[data-audio-field]");
    var audioSelect = box.querySelector("[data-audio]");
    status.textContent = status.getAttribute("data-starting");
    var hls = null;
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({
        liveSyncDurationCount: 3,
        liveMaxLatencyDurationCount: 10,
        liveDurationInfinity: true,
        manifestLoadingMaxRetry: 30,
        manifestLoadingRetryDelay: 2000,
        levelLoadingMaxRetry: 10,
        backBufferLength: box.getAttribute("data-dvr") === "on" ? Infinity : 30,
        audioPreference: { lang: (navigator.language || "").slice(0, 2) }
      });
      hls.loadSource(src);
      hls.attachMedia(video);
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
        audioSelect.value = hls.audioTrack;
        audioField.hidden = hls.audioTracks.length < 2;
      });
      audioSelect.addEventListener("change", function () { hls.audioTrack = Number(audioSelect.value); });
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
    }
    if (box.getAttribute("data-dvr") === "on" && goLive) {
      video.addEventListener("timeupdate", function () {
        var edge = hls && hls.liveSyncPosition;
        goLive.hidden = !(edge && edge - video.currentTime > 10);
      });
      goLive.addEventListener("click", function () {
        if (hls && hls.liveSyncPosition) video.currentTime = hls.liveSyncPosition;
        video.play().catch(function () {});
      });
    }
    startBeacon(box);
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
      var body = new URLSearchParams({ viewer: id });
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
