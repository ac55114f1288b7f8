/* Transcript panel: marks the cue being played (aria-current), follows it in the list,
   switches the track, and filters the lines by a search with the matches marked. */
(function () {
  "use strict";
  var root = document.querySelector("[data-transcript]");
  if (!root) { return; }
  var choice = root.querySelector("[data-transcript-choice]"), search = root.querySelector("[data-transcript-search]");
  var count = root.querySelector("[data-transcript-count]"), current = null;

  function shown() { return root.querySelector("[data-transcript-track]:not([hidden])"); }

  function follow(link) {
    var list = shown();
    if (!list || list.scrollHeight <= list.clientHeight) { return; }
    var top = link.offsetTop - list.offsetTop, bottom = top + link.offsetHeight;
    if (top < list.scrollTop || bottom > list.scrollTop + list.clientHeight) {
      list.scrollTop = Math.max(0, top - list.clientHeight / 3);
    }
  }

  function highlight(time) {
    var list = shown(), found = null;
    if (!list) { return; }
    list.querySelectorAll("a[data-start]").forEach(function (link) {
      if (!found && time >= parseFloat(link.dataset.start) && time < parseFloat(link.dataset.end)) { found = link; }
    });
    if (found === current) { return; }
    if (current) { current.removeAttribute("aria-current"); }
    current = found;
    if (found) { found.setAttribute("aria-current", "true"); follow(found); }
  }

  function mark(span, words) {
    var text = span.dataset.text || span.textContent, lower = text.toLowerCase(), position = 0;
    span.dataset.text = text;
    span.textContent = "";
    if (!words) { span.textContent = text; return; }
    var at = lower.indexOf(words);
    while (at !== -1) {
      span.appendChild(document.createTextNode(text.slice(position, at)));
      var m = document.createElement("mark");
      m.textContent = text.slice(at, at + words.length);
      span.appendChild(m);
      position = at + words.length;
      at = lower.indexOf(words, position);
    }
    span.appendChild(document.createTextNode(text.slice(position)));
  }

  function filter() {
    var words = search.value.trim().toLowerCase(), matches = 0, list = shown();
    if (!list) { return; }
    list.querySelectorAll("li").forEach(function (item) {
      var span = item.querySelector(".transcript-text"), text = (span.dataset.text || span.textContent).toLowerCase();
      var hit = !words || text.indexOf(words) !== -1;
      item.hidden = !hit;
      matches += hit && words ? 1 : 0;
      mark(span, hit ? words : "");
    });
    // The page's language says which form a count takes (French: 1 ligne, 2 lignes; the page holds both).
    var form = new Intl.PluralRules(document.documentElement.lang).select(matches) === "one" ? "one" : "other";
    count.textContent = !words ? "" : matches ? count.dataset[form].replace("{count}", matches) : count.dataset.none;
  }

  root.querySelector("[data-transcript-searchbox]").hidden = false;
  search.addEventListener("input", filter);
  if (choice) {
    choice.addEventListener("change", function () {
      root.querySelectorAll("[data-transcript-track]").forEach(function (list) {
        list.hidden = list.dataset.transcriptTrack !== choice.value;
      });
      if (current) { current.removeAttribute("aria-current"); current = null; }
      filter();
      if (window.Amphi && Amphi.player) { highlight(Amphi.player.currentTime()); }
    });
  }
  document.addEventListener("amphi:time", function (event) { highlight(event.detail.time); });
})();
