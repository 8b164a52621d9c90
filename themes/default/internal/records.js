// Filters the records table in the browser. No dependencies.
//
// Each row carries data-type, data-class, data-status (single values) and
// data-system, data-tier, data-flag (lists written as |a|b|). The free-text
// search uses window.changeportalSearch (records/search-index.js): id ->
// lower-cased text of title, summary and body; every word typed must occur.
// The filter state lives in the URL hash (#class=emergency&q=tls), so a
// filtered view can be bookmarked, shared, and survives a reload.
// Without JavaScript the form stays hidden and every row is shown.
(function () {
  "use strict";

  var form = document.getElementById("filters");
  var table = document.getElementById("records");
  if (!form || !table) {
    return;
  }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var counter = document.getElementById("result-count");
  var empty = document.getElementById("no-results");
  var searchIndex = window.changeportalSearch || null;
  var indexLoading = false;
  var single = ["type", "class", "status"];
  var lists = ["system", "tier", "flag"];
  var keys = ["q"].concat(single, lists);

  function readHash() {
    var state = {};
    var hash = window.location.hash.replace(/^#/, "");
    hash.split("&").forEach(function (part) {
      var at = part.indexOf("=");
      if (at > 0) {
        var key = decodeURIComponent(part.slice(0, at));
        if (keys.indexOf(key) >= 0) {
          state[key] = decodeURIComponent(part.slice(at + 1).replace(/\+/g, " "));
        }
      }
    });
    return state;
  }

  function readForm() {
    var state = {};
    keys.forEach(function (key) {
      var value = form.elements[key] ? form.elements[key].value.trim() : "";
      if (value) {
        state[key] = value;
      }
    });
    return state;
  }

  function writeForm(state) {
    keys.forEach(function (key) {
      var control = form.elements[key];
      if (!control) {
        return;
      }
      var value = state[key] || "";
      if (control.tagName === "SELECT") {
        var known = Array.prototype.some.call(control.options, function (o) {
          return o.value === value;
        });
        control.value = known ? value : "";
      } else {
        control.value = value;
      }
    });
  }

  function writeHash(state) {
    var parts = keys
      .filter(function (key) { return state[key]; })
      .map(function (key) {
        return encodeURIComponent(key) + "=" + encodeURIComponent(state[key]);
      });
    var url = window.location.pathname + window.location.search + (parts.length ? "#" + parts.join("&") : "");
    window.history.replaceState(null, "", url);
  }

  function matches(row, state, words) {
    var data = row.dataset;
    for (var i = 0; i < single.length; i++) {
      var key = single[i];
      if (state[key] && data[key] !== state[key]) {
        return false;
      }
    }
    for (var j = 0; j < lists.length; j++) {
      var list = lists[j];
      if (state[list] && (data[list] || "").indexOf("|" + state[list] + "|") < 0) {
        return false;
      }
    }
    if (words.length) {
      var text = (searchIndex && searchIndex[data.id]) || (row.textContent || "").toLowerCase();
      for (var k = 0; k < words.length; k++) {
        if (text.indexOf(words[k]) < 0) {
          return false;
        }
      }
    }
    return true;
  }

  function loadSearchIndex() {
    var source = form.getAttribute("data-search-index");
    if (searchIndex || indexLoading || !source) {
      return;
    }
    indexLoading = true;
    var script = document.createElement("script");
    script.src = source;
    script.onload = function () {
      searchIndex = window.changeportalSearch || {};
      apply(readForm());
    };
    document.head.appendChild(script);
  }

  function apply(state) {
    var words = (state.q || "").toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length) {
      loadSearchIndex();
    }
    var shown = 0;
    rows.forEach(function (row) {
      var visible = matches(row, state, words);
      row.hidden = !visible;
      if (visible) {
        shown++;
      }
    });
    var filtered = Object.keys(state).length > 0;
    counter.textContent = filtered
      ? shown + " of " + rows.length + " records match."
      : rows.length + " records.";
    empty.hidden = shown > 0;
  }

  function fromHash() {
    var state = readHash();
    writeForm(state);
    apply(readForm());
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  var pending = null;
  function update() {
    var state = readForm();
    apply(state);
    writeHash(state);
  }
  form.addEventListener("input", function (event) {
    window.clearTimeout(pending);
    if (event.target && event.target.name === "q" && rows.length > 1000) {
      pending = window.setTimeout(update, 150);
    } else {
      update();
    }
  });
  form.addEventListener("reset", function () {
    window.setTimeout(function () {
      apply({});
      writeHash({});
    }, 0);
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
