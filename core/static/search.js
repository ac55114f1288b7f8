// Suggestions for the search box: titles (and tags) fill its <datalist>, the browser shows them.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var list = document.getElementById("site-search-suggestions");
  if (!input || !list || !window.fetch) { return; }
  var timer = null;
  var controller = null;

  function fill(suggestions) {
    list.replaceChildren.apply(list, suggestions.map(function (text) {
      var option = document.createElement("option");
      option.value = text;
      return option;
    }));
  }

  function ask() {
    var text = input.value.trim();
    if (text.length < 2) { fill([]); return; }
    if (controller) { controller.abort(); }
    controller = new AbortController();
    var url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(text);
    fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (data) { fill(data.suggestions || []); })
      .catch(function () { /* aborted or offline: keep what is shown */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
}());
