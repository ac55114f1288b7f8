/* Subtitles editor: one fieldset per cue beside the player; edit times and text, split, merge,
   add, delete, save as JSON (CSRF header). Every control is a native one, so keyboard and screen
   readers work as usual; the cue being played carries aria-current. */
(function () {
  "use strict";
  var root = document.querySelector("[data-subtitles-editor]");
  if (!root) { return; }
  var data = JSON.parse(document.getElementById("subtitles-editor-data").textContent);
  var strings = JSON.parse(document.getElementById("subtitles-editor-strings").textContent);
  var csrf = (document.querySelector("input[name=csrf_token]") || {}).value ||
             (document.querySelector("[data-csrf]") || { dataset: {} }).dataset.csrf;
  var list = root.querySelector("[data-cue-list]"), status = root.querySelector("[data-status]");
  var errorBox = root.querySelector("[data-error]"), cues = data.cues, dirty = false;

  function fmt(seconds) {
    var ms = Math.round(seconds * 1000), h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60;
    var s = Math.floor(ms / 1000) % 60, t = ms % 1000;
    return [h, m, s].map(function (n) { return String(n).padStart(2, "0"); }).join(":") + "." + String(t).padStart(3, "0");
  }

  function parse(text) {
    var match = String(text).trim().replace(",", ".").match(/^(?:(?:(\d+):)?(\d{1,2}):)?(\d{1,2}(?:\.\d{1,3})?)$/);
    if (!match) { return null; }
    return (parseInt(match[1] || "0", 10) * 3600) + (parseInt(match[2] || "0", 10) * 60) + parseFloat(match[3]);
  }

  function say(message) { status.textContent = message; }
  function now() { return window.Amphi && Amphi.player ? Amphi.player.currentTime() : 0; }
  function changed() { dirty = true; say(strings.unsaved); }

  function button(label, action, index) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.action = action;
    b.dataset.index = index;
    return b;
  }

  function field(cue, index, name, label) {
    var wrap = document.createElement("div"), id = "cue-" + index + "-" + name;
    var lab = document.createElement("label"), input;
    wrap.className = "cue-field cue-" + name;
    lab.htmlFor = id;
    lab.textContent = label;
    if (name === "text") {
      input = document.createElement("textarea");
      input.rows = 2;
      input.value = cue.text;
    } else {
      input = document.createElement("input");
      input.size = 12;
      input.value = fmt(cue[name]);
      input.setAttribute("inputmode", "decimal");
    }
    input.id = id;
    input.dataset.field = name;
    input.dataset.index = index;
    wrap.appendChild(lab);
    wrap.appendChild(input);
    return wrap;
  }

  function render(focus) {
    list.textContent = "";
    if (!cues.length) {
      var empty = document.createElement("li");
      empty.textContent = strings.empty;
      list.appendChild(empty);
    }
    cues.forEach(function (cue, index) {
      var item = document.createElement("li"), set = document.createElement("fieldset");
      var legend = document.createElement("legend"), seek = document.createElement("button");
      item.className = "cue";
      item.dataset.index = index;
      legend.textContent = strings.cue.replace("{n}", index + 1);
      seek.type = "button";
      seek.className = "cue-seek";
      seek.dataset.seek = cue.start;
      seek.textContent = strings.playFrom.replace("{time}", fmt(cue.start));
      set.appendChild(legend);
      set.appendChild(seek);
      set.appendChild(field(cue, index, "start", strings.start));
      set.appendChild(field(cue, index, "end", strings.end));
      set.appendChild(field(cue, index, "text", strings.text));
      var actions = document.createElement("div");
      actions.className = "cue-actions";
      actions.appendChild(button(strings.startNow, "start-now", index));
      actions.appendChild(button(strings.endNow, "end-now", index));
      actions.appendChild(button(strings.split, "split", index));
      if (index < cues.length - 1) { actions.appendChild(button(strings.merge, "merge", index)); }
      actions.appendChild(button(strings.remove, "remove", index));
      set.appendChild(actions);
      item.appendChild(set);
      list.appendChild(item);
    });
    highlight(now());
    if (focus) {
      var target = list.querySelector(focus) || root.querySelector("[data-add]");
      target.focus();
    }
  }

  function sortCues() { cues.sort(function (a, b) { return a.start - b.start || a.end - b.end; }); }

  function insert(cue) {
    cues.push(cue);
    sortCues();
    return cues.indexOf(cue);
  }

  var actions = {
    "start-now": function (i) { cues[i].start = Math.min(now(), cues[i].end - 0.1); sortCues(); return i; },
    "end-now": function (i) { cues[i].end = Math.max(now(), cues[i].start + 0.1); return i; },
    split: function (i) {
      var cue = cues[i], at = now();
      if (!(at > cue.start + 0.05 && at < cue.end - 0.05)) { at = (cue.start + cue.end) / 2; }
      var words = cue.text.split(/\s+/), half = Math.ceil(words.length / 2);
      var second = { start: at, end: cue.end, text: words.slice(half).join(" ") || cue.text, settings: cue.settings };
      cue.end = at;
      cue.text = words.slice(0, half).join(" ") || cue.text;
      say(strings.splitDone);
      return insert(second);
    },
    merge: function (i) {
      var cue = cues[i], next = cues[i + 1];
      cue.end = Math.max(cue.end, next.end);
      cue.text = cue.text + "\n" + next.text;
      cues.splice(i + 1, 1);
      say(strings.merged);
      return i;
    },
    remove: function (i) { cues.splice(i, 1); say(strings.deleted); return Math.min(i, cues.length - 1); }
  };

  list.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action]");
    if (!target) { return; }
    var action = target.dataset.action, focusIndex = actions[action](parseInt(target.dataset.index, 10));
    dirty = true;
    render(focusIndex >= 0 ? "#cue-" + focusIndex + "-text" : null);
    if (action === "start-now" || action === "end-now") { say(strings.unsaved); }
  });

  list.addEventListener("input", function (event) {
    var input = event.target;
    if (input.dataset.field === "text") { cues[input.dataset.index].text = input.value; changed(); }
  });

  list.addEventListener("change", function (event) {
    var input = event.target, name = input.dataset.field;
    if (name !== "start" && name !== "end") { return; }
    var value = parse(input.value);
    if (value === null) {
      input.setAttribute("aria-invalid", "true");
      errorBox.textContent = strings.badTime;
      return;
    }
    input.removeAttribute("aria-invalid");
    errorBox.textContent = "";
    cues[input.dataset.index][name] = value;
    input.value = fmt(value);
    changed();
  });

  root.querySelector("[data-add]").addEventListener("click", function () {
    var at = now(), index = insert({ start: at, end: at + 2, text: "", settings: "" });
    dirty = true;
    say(strings.added);
    render("#cue-" + index + "-text");
  });

  function save() {
    sortCues();
    render();
    say(strings.saving);
    errorBox.textContent = "";
    var payload = cues.map(function (c) { return { start: c.start, end: c.end, text: c.text, settings: c.settings }; });
    fetch(data.saveUrl, { method: "POST", credentials: "same-origin", body: JSON.stringify({ cues: payload }),
                          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf } })
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        if (result[0]) {
          dirty = false;
          say(result[1].message);
          var notice = document.querySelector("[data-auto-notice]");
          if (notice) { notice.hidden = true; }
          return;
        }
        say("");
        errorBox.textContent = result[1].error || strings.failed;
        var input = result[1].cue && document.getElementById("cue-" + (result[1].cue - 1) + "-" + result[1].field);
        if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
      })
      .catch(function () { say(""); errorBox.textContent = strings.failed; });
  }

  root.querySelector("[data-save]").addEventListener("click", save);
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") { event.preventDefault(); save(); }
  });
  window.addEventListener("beforeunload", function (event) { if (dirty) { event.preventDefault(); event.returnValue = ""; } });

  function highlight(time) {
    list.querySelectorAll("li.cue").forEach(function (item) {
      var cue = cues[item.dataset.index], on = cue && time >= cue.start && time < cue.end;
      if (on) { item.setAttribute("aria-current", "true"); } else { item.removeAttribute("aria-current"); }
    });
  }
  document.addEventListener("amphi:time", function (event) { highlight(event.detail.time); });
  render();
})();
