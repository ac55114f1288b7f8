/* The owner's videos: live processing progress, retry and cancel. */
(function () {
  "use strict";
  var list = document.querySelector("[data-my-videos]");
  if (!list) { return; }
  var announce = document.querySelector("[data-announce]");

  function refresh(row) {
    fetch(row.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (status) {
        var progress = row.querySelector("progress"), cell = row.querySelector("[data-status]");
        if (progress && status.job) { progress.value = status.job.progress; progress.textContent = status.job.progress + " %"; }
        var text = status.status_label + (status.reason ? ": " + status.reason : "");  // in the page's language
        if (cell.textContent !== text && (status.status === "ready" || status.status === "failed")) {
          cell.textContent = text;
          announce.textContent = row.querySelector(".card-title").textContent + " — " + text;
          if (progress) { progress.remove(); }
        }
      });
  }

  function active(row) { return row.querySelector("progress") !== null; }

  setInterval(function () { list.querySelectorAll("[data-video]").forEach(function (row) { if (active(row)) { refresh(row); } }); }, 2000);

  list.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    button.disabled = true;
    fetch(button.dataset.action, { method: "POST", credentials: "same-origin",
                                    headers: { "X-CSRF-Token": list.dataset.csrf, Accept: "application/json" } })
      .then(function () { window.location.reload(); });
  });
})();
