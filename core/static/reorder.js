/* Reordering a list the server keeps in order (channels, themes, playlist items...).

   The page works without this script: each item has Move up / Move down buttons, plain POST forms
   with their CSRF token; the server answers with the page again, the moved item's button focused and
   its new place written in a live region. With the script, the same forms are sent without leaving
   the page, and an item may also be dragged onto a sibling.

   Markup (any element names):
     [data-reorder]               the editor; data-fragment: the X-Amphi-Fragment header's value,
                                  data-csrf: the CSRF token, data-status: the id of the live region
       [data-reorder-root]        what the server sends back (fragment request); data-message: the news
         [data-reorder-item]      an item; data-move-url: where {to: index} moves it (siblings only)
           form[data-reorder-form]  a move (or removal) form; its button's data-focus names the
                                  button that gets the focus afterwards ("up-12"; the item's first
                                  button when that one is gone)
*/
(function () {
  "use strict";

  function items(list) {
    return Array.prototype.filter.call(list.children, function (child) {
      return child.hasAttribute("data-reorder-item");
    });
  }

  function setup(editor) {
    var status = document.getElementById(editor.dataset.status || ""), dragged = null;

    function say(text) { if (status) { status.textContent = text || ""; } }

    function focusAfter(root, key) {
      var id = (key || "").split("-").pop();
      var target = (key && root.querySelector('[data-focus="' + key + '"]')) ||
        root.querySelector('[data-reorder-item="' + id + '"] button') || root.querySelector("button");
      if (target) { target.focus(); }
    }

    function send(url, data, focusKey) {
      if (!data.has("csrf_token")) { data.append("csrf_token", editor.dataset.csrf || ""); }
      return fetch(url, { method: "POST", body: data, credentials: "same-origin",
                          headers: { "X-Amphi-Fragment": editor.dataset.fragment || "reorder",
                                     "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            return response.json().then(function (problem) { say(problem.message); },
                                        function () { say(response.statusText); });
          }
          return response.text().then(function (html) {
            var holder = document.createElement("div");
            holder.innerHTML = html;
            var fresh = holder.querySelector("[data-reorder-root]");
            if (!fresh) { return; }
            editor.querySelector("[data-reorder-root]").replaceWith(fresh);
            prepare();
            say(fresh.dataset.message);
            focusAfter(fresh, focusKey);
          });
        });
    }

    function prepare() {
      editor.querySelectorAll("[data-reorder-item]").forEach(function (item) { item.draggable = true; });
    }

    editor.addEventListener("submit", function (event) {
      var form = event.target.closest("form[data-reorder-form]");
      if (!form || !window.fetch) { return; }
      event.preventDefault();
      var button = event.submitter || form.querySelector("button");
      send(form.action, new FormData(form), button && button.dataset.focus);
    });

    editor.addEventListener("dragstart", function (event) {
      // A drag that starts inside a nested list moves the innermost item only.
      dragged = event.target.closest && event.target.closest("[data-reorder-item]");
      if (dragged) {
        event.stopPropagation();
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", dragged.dataset.reorderItem || "");
        dragged.classList.add("dragging");
      }
    });
    editor.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("dragging"); }
      dragged = null;
    });

    function dropTarget(event) {
      // Only a sibling of the dragged item (same list, same parent) takes it.
      var node = event.target.closest && event.target.closest("[data-reorder-item]");
      while (node && dragged && node.parentElement !== dragged.parentElement) {
        node = node.parentElement && node.parentElement.closest("[data-reorder-item]");
      }
      return node && node !== dragged ? node : null;
    }

    editor.addEventListener("dragover", function (event) {
      if (dragged && dropTarget(event)) { event.preventDefault(); event.dataTransfer.dropEffect = "move"; }
    });
    editor.addEventListener("drop", function (event) {
      var target = dropTarget(event);
      if (!dragged || !target) { return; }
      event.preventDefault();
      var data = new FormData();
      data.append("to", String(items(target.parentElement).indexOf(target)));
      send(dragged.dataset.moveUrl, data, "up-" + dragged.dataset.reorderItem);
    });
    prepare();
  }

  document.querySelectorAll("[data-reorder]").forEach(setup);
})();
