/* Enrichments: the panel shows what belongs to the moment of the video; the editor's form follows the
   chosen kind, takes times from the player, and the timeline shows where the player is. */
(function () {
  "use strict";
  if (window.__amphiEnrichment) { return; }
  window.__amphiEnrichment = true;

  function now() { return window.Amphi && window.Amphi.player ? window.Amphi.player.currentTime() : 0; }

  function setupPanel(panel) {
    var all = panel.querySelector("[data-enrichment-all]"), none = panel.querySelector("[data-enrichment-none]");
    var items = panel.querySelectorAll("li[data-start]");
    panel.querySelector("[data-enrichment-controls]").hidden = false;
    function update(time) {
      var shown = 0;
      items.forEach(function (item) {
        var active = time >= parseFloat(item.dataset.start) && time < parseFloat(item.dataset.end);
        item.classList.toggle("active", active);
        item.hidden = !(active || all.checked);
        if (!item.hidden) { shown += 1; }
      });
      none.hidden = shown > 0;
    }
    document.addEventListener("amphi:time", function (event) { update(event.detail.time); });
    all.addEventListener("change", function () { update(now()); });
    update(now());
  }

  function clock(seconds) {
    var whole = Math.floor(seconds), h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  }

  function setupForm(form) {
    var kind = form.querySelector("[data-enrichment-kind]");
    function follow() {
      form.querySelectorAll("[data-for-kind]").forEach(function (field) {
        field.hidden = field.dataset.forKind.split(" ").indexOf(kind.value) < 0;
      });
    }
    kind.addEventListener("change", follow);
    follow();
    var button = form.querySelector("[data-enrichment-now]");
    if (!button || !window.Amphi || !window.Amphi.player || !window.Amphi.player.video) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var start = now(), video = window.Amphi.player.video, end = start + 10;
      if (video.duration && end > video.duration) { end = video.duration; }
      form.querySelector("[name=start]").value = clock(start);
      form.querySelector("[name=end]").value = clock(Math.floor(end));
      form.querySelector("[name=title]").focus();
    });
  }

  function setupTimeline(bar) {
    var head = bar.querySelector("[data-playhead]"), length = parseFloat(bar.dataset.length) || 1;
    document.addEventListener("amphi:time", function (event) {
      head.hidden = false;
      head.style.left = Math.min(100, 100 * event.detail.time / length) + "%";
    });
  }

  document.querySelectorAll("[data-enrichments]").forEach(setupPanel);
  document.querySelectorAll("[data-enrichment-form]").forEach(setupForm);
  document.querySelectorAll("[data-enrichment-timeline]").forEach(setupTimeline);
})();
