/* Playlists: reorder without reloading (move buttons keep the focus, drag and drop as an extra),
   and the playlist player: the next video at the end, playing on arrival when asked. */
(function () {
  "use strict";

  function setupEditor(editor) {
    var status = document.querySelector("[data-playlist-status]"), dragged = null;

    function send(url, data, focusKey) {
      data.append("csrf_token", editor.dataset.csrf);
      return fetch(url, { method: "POST", body: data, credentials: "same-origin",
                          headers: { "X-Amphi-Fragment": "playlists", "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            return response.json().then(function (problem) { status.textContent = problem.message; });
          }
          return response.text().then(function (html) {
            var holder = document.createElement("div");
            holder.innerHTML = html;
            var fresh = holder.querySelector("[data-playlist-items]");
            editor.querySelector("[data-playlist-items]").replaceWith(fresh);
            prepare();
            status.textContent = fresh.dataset.message || "";
            var key = focusKey || "", id = key.split("-").pop();
            var target = fresh.querySelector('[data-focus="' + key + '"]') ||
              fresh.querySelector('[data-item="' + id + '"] button') || fresh.querySelector("button");
            if (target) { target.focus(); }
          });
        });
    }

    function prepare() {
      editor.querySelectorAll("[data-playlist-items] > li").forEach(function (item) {
        item.draggable = true;
      });
    }

    editor.addEventListener("submit", function (event) {
      var form = event.target.closest("form[data-playlist-form]");
      if (!form || !window.fetch) { return; }
      event.preventDefault();
      var data = new FormData(form), button = form.querySelector("button");
      data.delete("csrf_token");
      send(form.action, data, button && button.dataset.focus);
    });

    editor.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("[data-item]");
      if (dragged) { event.dataTransfer.effectAllowed = "move"; dragged.classList.add("dragging"); }
    });
    editor.addEventListener("dragend", function () { if (dragged) { dragged.classList.remove("dragging"); } dragged = null; });
    editor.addEventListener("dragover", function (event) {
      if (dragged && event.target.closest("[data-item]")) { event.preventDefault(); }
    });
    editor.addEventListener("drop", function (event) {
      var target = event.target.closest("[data-item]");
      if (!dragged || !target || target === dragged) { return; }
      event.preventDefault();
      var items = Array.prototype.slice.call(editor.querySelectorAll("[data-playlist-items] > li"));
      var data = new FormData();
      data.append("to", String(items.indexOf(target)));
      send(dragged.dataset.moveUrl, data, "up-" + dragged.dataset.item);
    });
    prepare();
  }

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

  document.querySelectorAll("[data-playlist-editor]").forEach(setupEditor);
  document.querySelectorAll("[data-playlist-player]").forEach(setupPlayer);
})();
