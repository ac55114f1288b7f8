/* The playlist player: the next video at the end, playing on arrival when asked.
   (The editor is reordered by the core's reorder.js.) */
(function () {
  "use strict";

  function setupPlayer(panel) {
    var box = panel.querySelector("[data-playlist-continue]");
    function video() { return window.Amphi && window.Amphi.player && window.Amphi.player.video; }
    function start() {
      var element = video();
      if (!element) { return; }
      element.addEventListener("ended", function () {
        if (panel.dataset.nextUrl && (!box || box.checked)) { window.location.assign(panel.dataset.nextUrl); }
      });
      if (panel.hasAttribute("data-autoplay")) {
        var playing = element.play();
        if (playing && playing.catch) { playing.catch(function () { /* the browser wants a gesture first */ }); }
      }
    }
    if (video()) { start(); } else { document.addEventListener("amphi:ready", start, { once: true }); }
  }

  document.querySelectorAll("[data-playlist-player]").forEach(setupPlayer);
})();
