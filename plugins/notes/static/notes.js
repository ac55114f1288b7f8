/* Notes panel: highlight the notes of the moment, fill the time field from the player, and send the
   panel's forms without leaving the page (they work as plain forms without this script). */
(function () {
  "use strict";
  var root = document.querySelector("[data-notes]");
  if (!root) { return; }
  var status = root.querySelector("[data-notes-status]"), timeTouched = false;

  function player() { return window.Amphi && window.Amphi.player; }

  function formatTime(seconds) {
    var whole = Math.floor(seconds), h = Math.floor(whole / 3600), m = Math.floor((whole % 3600) / 60), s = whole % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function highlight(time) {
    var list = root.querySelector("[data-notes-list]");
    if (!list) { return; }
    var span = parseFloat(list.dataset.highlight || "10");
    list.querySelectorAll(":scope > li[data-time]").forEach(function (item) {
      var start = parseFloat(item.dataset.time), on = time >= start && time < start + span;
      item.classList.toggle("current", on);
      if (on) { item.setAttribute("aria-current", "time"); } else { item.removeAttribute("aria-current"); }
    });
  }

  function setNow() {
    var field = root.querySelector("#note-time");
    if (field && player()) { field.value = formatTime(player().currentTime()); }
  }

  function prepare() {
    var now = root.querySelector("[data-notes-now]");
    if (now && player()) { now.hidden = false; }
    timeTouched = false;
    if (player()) { highlight(player().currentTime()); }
  }

  document.addEventListener("amphi:time", function (event) { highlight(event.detail.time); });
  document.addEventListener("amphi:ready", prepare);
  root.addEventListener("click", function (event) {
    if (event.target.closest("[data-notes-now]")) { setNow(); timeTouched = true; }
  });
  root.addEventListener("input", function (event) { if (event.target.id === "note-time") { timeTouched = true; } });
  // Writing a note starts at the moment of the video it is about.
  root.addEventListener("focusin", function (event) {
    if (event.target.id === "note-text" && !timeTouched) { setNow(); }
  });

  function replaceBody(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.querySelector("[data-notes-body]"), body = root.querySelector("[data-notes-body]");
    body.replaceWith(fresh);
    prepare();
    return fresh;
  }

  root.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-notes-form]");
    if (!form || !window.fetch) { return; }
    event.preventDefault();
    var adding = form.hasAttribute("data-notes-add"), error = form.querySelector("[data-notes-error]");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "X-Amphi-Fragment": "notes", "Accept": "application/json" } })
      .then(function (response) {
        if (response.ok) {
          return response.text().then(function (html) {
            var fresh = replaceBody(html), focus = adding ? fresh.querySelector("#note-text") : fresh;
            status.textContent = form.dataset.done || "";
            if (focus) { focus.focus(); }
          });
        }
        return response.json().then(function (problem) {
          var message = problem.message || response.statusText;
          if (error) { error.textContent = message; } else { status.textContent = message; }
        });
      })
      .catch(function () { status.textContent = root.dataset.offline || ""; });
  });
  prepare();
})();
