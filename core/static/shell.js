/* The site's frame: the phone menu and the header's disclosures (Escape and a click elsewhere close them),
   and the viewer's display preferences (theme, larger text, wider spacing), kept in this browser only.
   The inline script in base.html's <head> applies the saved preferences before the first paint; without
   JavaScript the stylesheet shows every menu unfolded. */
(function () {
  "use strict";
  var root = document.documentElement;

  function panelOf(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function setOpen(button, open) {
    var panel = panelOf(button);
    if (!panel) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    panel.classList.toggle("open", open);
  }

  function openButtons() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-disclosure][aria-expanded='true']"));
  }

  /* Close every open disclosure that does not contain `inside` (a node), except `keep`. */
  function closeOthers(inside, keep) {
    openButtons().forEach(function (button) {
      var panel = panelOf(button);
      if (button === keep || (inside && panel && panel.contains(inside))) return;
      setOpen(button, false);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-disclosure]");
    if (button) {
      var open = button.getAttribute("aria-expanded") !== "true";
      closeOthers(button, button);
      setOpen(button, open);
      return;
    }
    var inPanel = event.target.closest(".disclosure-panel.open");
    closeOthers(inPanel || null, null);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = openButtons();
    if (!open.length) return;
    /* The innermost open one: the last in document order whose panel holds the focus, else the last. */
    var focused = document.activeElement;
    var target = open.filter(function (button) {
      var panel = panelOf(button);
      return panel && panel.contains(focused);
    }).pop() || open[open.length - 1];
    setOpen(target, false);
    target.focus();
  });

  /* --- wide tables scroll by themselves (a focusable region, for the keyboard), never the page ----------- */
  var wrappers = [];
  document.querySelectorAll("main table").forEach(function (table) {
    if (table.parentElement.classList.contains("table-scroll")) return;
    var wrapper = document.createElement("div");
    wrapper.className = "table-scroll";
    var caption = table.caption && table.caption.textContent.trim();
    if (caption) {
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", caption);
    }
    table.parentNode.insertBefore(wrapper, table);
    wrapper.appendChild(table);
    wrappers.push(wrapper);
  });

  function focusableWhenScrolling() {
    wrappers.forEach(function (wrapper) {
      if (wrapper.scrollWidth > wrapper.clientWidth) wrapper.setAttribute("tabindex", "0");
      else wrapper.removeAttribute("tabindex");
    });
  }
  if (wrappers.length) {
    focusableWhenScrolling();
    window.addEventListener("resize", focusableWhenScrolling);
  }

  /* --- display preferences -------------------------------------------------------------------------- */
  var PREFERENCES = {
    theme: { key: "amphi-theme", attribute: "data-theme" },
    text: { key: "amphi-text", attribute: "data-text" },
    spacing: { key: "amphi-spacing", attribute: "data-spacing" }
  };

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function save(key, value) {
    try {
      if (value) window.localStorage.setItem(key, value); else window.localStorage.removeItem(key);
    } catch (e) { /* private browsing: the choice lasts for this page only */ }
  }

  function apply(name, value) {
    var attribute = PREFERENCES[name].attribute;
    if (value) root.setAttribute(attribute, value); else root.removeAttribute(attribute);
  }

  document.querySelectorAll("[data-preference]").forEach(function (input) {
    var name = input.getAttribute("data-preference");
    var saved = load(PREFERENCES[name].key);
    if (input.type === "radio") input.checked = (saved || "system") === input.value;
    else input.checked = saved === input.value;
    input.addEventListener("change", function () {
      var value = input.type === "radio" ? (input.value === "system" ? "" : input.value)
        : (input.checked ? input.value : "");
      save(PREFERENCES[name].key, value);
      apply(name, value);
    });
  });
})();
