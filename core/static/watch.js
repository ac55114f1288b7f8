/* The video page: learning panels as tabs (WAI-ARIA tabs: arrows, Home, End), the description
   collapsed after a few lines with "Show more", the action row's disclosures (one open at a time,
   Escape closes) and their copy buttons. Without JavaScript every panel shows, one after the other,
   and the description is whole. */
(function () {
  "use strict";

  function setupTabs(root) {
    var list = root.querySelector("[data-tablist]"), tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
    var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("aria-controls")); });
    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var selected = i === index;
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.tabIndex = selected ? 0 : -1;
        panels[i].hidden = !selected;
      });
      if (focus) { tabs[index].focus(); }
    }
    panels.forEach(function (panel, i) {
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tabs[i].id);
      panel.tabIndex = 0;
      panel.classList.add("tabbed");
    });
    list.hidden = false;
    root.classList.add("tabs-ready");
    list.addEventListener("click", function (event) {
      var index = tabs.indexOf(event.target.closest("[role=tab]"));
      if (index >= 0) { select(index, true); }
    });
    list.addEventListener("keydown", function (event) {
      var index = tabs.indexOf(document.activeElement), last = tabs.length - 1, next = null;
      if (index < 0) { return; }
      if (event.key === "ArrowRight" || event.key === "ArrowDown") { next = index === last ? 0 : index + 1; }
      else if (event.key === "ArrowLeft" || event.key === "ArrowUp") { next = index === 0 ? last : index - 1; }
      else if (event.key === "Home") { next = 0; }
      else if (event.key === "End") { next = last; }
      if (next === null) { return; }
      event.preventDefault();
      select(next, true);
    });
    // A link to a panel (#tabpanel-notes, #panel-notes) opens its tab.
    function follow(hash) {
      var id = (hash || "").replace(/^#/, "").replace(/^panel-/, "tabpanel-");
      var index = panels.findIndex(function (panel) { return panel.id === id; });
      if (index >= 0) { select(index, false); panels[index].focus(); return true; }
      return false;
    }
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href^='#']");
      if (link && follow(link.getAttribute("href"))) { event.preventDefault(); }
    });
    // The panel the address names opens first; else one with news for the viewer (a form's answer).
    var named = location.hash.replace(/^#panel-/, "#tabpanel-");
    var start = panels.findIndex(function (panel) { return "#" + panel.id === named; });
    if (start < 0) {
      start = panels.findIndex(function (panel) {
        return Array.prototype.some.call(panel.querySelectorAll(".notice[role=status], .error[role=alert]"), function (news) {
          return news.textContent.trim() !== "";
        });
      });
    }
    select(start >= 0 ? start : 0, false);
  }

  function setupDescription(description, toggle) {
    function expand(open) {
      description.classList.toggle("collapsed", !open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = open ? toggle.dataset.less : toggle.dataset.more;
    }
    description.classList.add("collapsed");
    var overflows = description.scrollHeight > description.clientHeight + 2;
    description.classList.remove("collapsed");
    if (!overflows) { return; }
    toggle.hidden = false;
    expand(false);
    toggle.addEventListener("click", function () { expand(description.classList.contains("collapsed")); });
  }

  function setupDisclosures() {
    var all = Array.prototype.slice.call(document.querySelectorAll("details[data-disclosure]"));
    all.forEach(function (details) {
      details.addEventListener("toggle", function () {
        if (details.open) { all.forEach(function (other) { if (other !== details) { other.open = false; } }); }
      });
      details.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && details.open) {
          details.open = false;
          details.querySelector("summary").focus();
        }
      });
    });
    document.addEventListener("click", function (event) {
      all.forEach(function (details) { if (details.open && !details.contains(event.target)) { details.open = false; } });
    });
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.dataset.copy), status = button.parentNode.querySelector("[data-copy-status]");
        field.select();
        var done = navigator.clipboard ? navigator.clipboard.writeText(field.value) : Promise.reject();
        done.then(function () { status.textContent = status.dataset.copied || "✓"; }, function () {
          document.execCommand("copy");
        });
      });
    });
  }

  document.querySelectorAll("[data-tabs]").forEach(setupTabs);
  var description = document.querySelector("[data-description]"), toggle = document.querySelector("[data-description-toggle]");
  if (description && toggle) { setupDescription(description, toggle); }
  setupDisclosures();
})();
