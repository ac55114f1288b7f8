/* The upload page: tus-js-client uploads with progress, speed, time left, pause/resume/cancel,
   resume after reload, details editable while the file uploads, announcements for screen readers. */
(function () {
  "use strict";
  var root = document.querySelector("[data-upload]");
  if (!root || !window.tus) { return; }
  var text = root.dataset, list = root.querySelector("[data-list]"), announcer = root.querySelector("[data-announce]");
  var counter = 0;

  function announce(message) { announcer.textContent = message; }

  function element(tag, attributes, content) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (content) { node.textContent = content; }
    return node;
  }

  function field(id, label, control) {
    var wrapper = element("div", { "class": "field" });
    wrapper.appendChild(element("label", { "for": id }, label));
    wrapper.appendChild(control);
    return wrapper;
  }

  function formatTime(seconds) {
    if (!isFinite(seconds)) { return "…"; }
    var m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
    return (m ? m + " min " : "") + s + " s";
  }

  function buildItem(file) {
    var n = ++counter, item = element("li", { "class": "upload-item" });
    item.appendChild(element("h2", { id: "upload-" + n + "-name" }, file.name));
    var title = element("input", { id: "upload-" + n + "-title", type: "text", maxlength: "250" });
    title.value = file.name.replace(/\.[^.]+$/, "");
    var description = element("textarea", { id: "upload-" + n + "-description", rows: "2" });
    item.appendChild(field(title.id, text.textTitle, title));
    item.appendChild(field(description.id, text.textDescription, description));
    var progress = element("progress", { max: "100", value: "0", "aria-label": text.textProgress.replace("{name}", file.name) });
    var status = element("p", { "class": "help" });
    var pause = element("button", { type: "button" }, text.textPause);
    var cancel = element("button", { type: "button" }, text.textCancel);
    [progress, status, pause, cancel].forEach(function (node) { item.appendChild(node); });
    list.appendChild(item);
    return { item: item, title: title, description: description, progress: progress, status: status,
             pause: pause, cancel: cancel };
  }

  function sendDetails(upload, ui) {
    if (!upload.url) { return; }
    fetch(upload.url + "/details", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": text.csrf },
      body: JSON.stringify({ title: ui.title.value, description: ui.description.value })
    });
  }

  // What the fieldset above the drop zone says of the files added now (access, language, channel, licence).
  function uploadMetadata(file, ui) {
    var metadata = { filename: file.name, filetype: file.type, title: ui.title.value };
    root.querySelectorAll("[data-meta]").forEach(function (control) {
      if (control.value) { metadata[control.dataset.meta] = control.value; }
    });
    return metadata;
  }

  function start(file) {
    var ui = buildItem(file), startedAt = 0, startBytes = null, lastAnnounced = -10, paused = false;
    if (file.size === 0) { ui.status.textContent = text.textEmpty; ui.pause.remove(); ui.cancel.remove(); return; }
    if (text.maxSize !== "0" && file.size > parseInt(text.maxSize, 10)) {
      ui.status.textContent = text.textTooBig; ui.pause.remove(); ui.cancel.remove(); return;
    }
    ui.metadata = uploadMetadata(file, ui);
    var done = ui.metadata.access === "draft" ? text.textDoneDraft : text.textDone;
    var upload = new tus.Upload(file, {
      endpoint: text.endpoint,
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      headers: { "X-CSRF-Token": text.csrf },
      metadata: ui.metadata,
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        // Speed counts only this session's bytes: a resumed upload starts at the server's offset.
        if (startBytes === null) { startBytes = upload._offset || 0; startedAt = Date.now(); }
        var percent = Math.floor(sent / total * 100), elapsed = (Date.now() - startedAt) / 1000;
        var speed = (sent - startBytes) / Math.max(elapsed, 0.001);
        ui.progress.value = percent;
        ui.status.textContent = elapsed < 0.5 ? percent + " %" : percent + " % · " + (speed / 1048576).toFixed(1) +
          " MB/s · " + formatTime((total - sent) / speed) + " " + text.textLeft;
        if (percent >= lastAnnounced + 10) { lastAnnounced = percent; announce(file.name + ": " + percent + " %"); }
      },
      onAfterResponse: function (_request, response) {
        var url = response.getHeader("Amphi-Video-Url");
        if (url) { ui.videoUrl = url; }
      },
      onSuccess: function () {
        ui.progress.value = 100;
        ui.status.textContent = done;
        sendDetails(upload, ui);
        if (ui.videoUrl) {  // several uploads on the page: each link names its file for screen readers
          var open = element("a", { href: ui.videoUrl }, text.textOpen);
          open.appendChild(element("span", { "class": "visually-hidden" }, " (" + file.name + ")"));
          ui.item.appendChild(open);
        }
        ui.pause.remove(); ui.cancel.remove();
        announce(file.name + ": " + done);
      },
      onError: function (error) {
        var message = (error.originalResponse && error.originalResponse.getBody()) || error.message;
        ui.status.textContent = text.textError + " " + message;
        ui.status.setAttribute("role", "alert");
      }
    });
    ui.pause.addEventListener("click", function () {
      paused = !paused;
      if (paused) { upload.abort(); ui.pause.textContent = text.textResume; ui.status.textContent = text.textPaused; }
      else { startBytes = null; upload.start(); ui.pause.textContent = text.textPause; }
    });
    ui.cancel.addEventListener("click", function () {
      upload.abort(true).then(function () { ui.status.textContent = text.textCancelled; ui.pause.remove(); ui.cancel.remove(); });
    });
    var timer = null;
    [ui.title, ui.description].forEach(function (input) {
      input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { sendDetails(upload, ui); }, 800); });
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) { upload.resumeFromPreviousUpload(previous[0]); announce(text.textResumed); }
      upload.start();
    });
  }

  root.querySelector("[data-files]").addEventListener("change", function (event) {
    Array.prototype.forEach.call(event.target.files, start);
    event.target.value = "";
  });
  var zone = root.querySelector("[data-drop-zone]");
  zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    Array.prototype.forEach.call(event.dataTransfer.files, start);
  });
})();
