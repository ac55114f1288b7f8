/* Chapters: highlight the current chapter while the video plays; "add a chapter at the current time". */
(function () {
  "use strict";

  function highlight(time) {
    document.querySelectorAll("[data-chapter-list]").forEach(function (list) {
      list.querySelectorAll("li[data-start]").forEach(function (item) {
        var start = parseFloat(item.dataset.start), end = item.dataset.end ? parseFloat(item.dataset.end) : Infinity;
        var current = time >= start && time < end;
        item.classList.toggle("current", current);
        var link = item.querySelector("a");
        if (current) { link.setAttribute("aria-current", "true"); } else { link.removeAttribute("aria-current"); }
      });
    });
  }

  function clock(seconds) {
    var whole = Math.floor(seconds), millis = Math.round((seconds - whole) * 1000);
    var h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    var text = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
    return millis ? text + "." + String(millis).padStart(3, "0") : text;
  }

  function setupAddNow() {
    var form = document.querySelector("[data-chapter-add]");
    var button = form && form.querySelector("[data-chapter-now]");
    if (!button || !window.Amphi || !window.Amphi.player) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var start = form.querySelector("[name=start]"), title = form.querySelector("[name=title]");
      start.value = clock(window.Amphi.player.currentTime());
      if (!title.value.trim()) { title.focus(); return; }  // the title comes first; Enter then adds it
      form.requestSubmit ? form.requestSubmit() : form.submit();
    });
  }

  if (!document.querySelector("[data-chapter-list]") && !document.querySelector("[data-chapter-add]")) { return; }
  if (window.__amphiChapters) { return; }  // the script may be included twice on a page
  window.__amphiChapters = true;
  document.addEventListener("amphi:time", function (event) { highlight(event.detail.time); });
  highlight(window.Amphi && window.Amphi.player ? window.Amphi.player.currentTime() : 0);
  setupAddNow();
})();
