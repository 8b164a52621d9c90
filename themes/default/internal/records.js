// Filters the records table in the browser. No dependencies.
//
// Each row carries data-type, data-class, data-status (single values) and
// data-system, data-tier, data-flag (lists written as |a|b|). The free-text
// search uses window.changeportalSearch (records/search-index.js): id ->
// lower-cased text of title, summary and body; every word typed must occur.
// The filter state lives in the URL hash (#class=emergency&q=tls), so a
// filtered view can be bookmarked, shared, and survives a reload; query
// parameters (?flag=self-approval) are read too, the hash winning.
// `from`/`to` keep rows deployed in that range of UTC days (the date of the
// deployed cell's <time datetime>); `missed` keeps rows whose data-missed
// list holds that dashboard figure. Column headers with data-sort get a
// sort button (aria-sort tells which column sorts the table).
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
  var lists = ["system", "tier", "flag", "missed"];
  var keys = ["q", "from", "to"].concat(single, lists);
  var deployedDates = rows.map(function (row) {
    var time = row.querySelector("td.date time");
    return time ? time.getAttribute("datetime").slice(0, 10) : "";
  });
  var rowIndex = new Map(rows.map(function (row, index) { return [row, index]; }));

  function readParams(text, state) {
    text.split("&").forEach(function (part) {
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

  function readHash() {
    var state = readParams(window.location.search.replace(/^\?/, ""), {});
    return readParams(window.location.hash.replace(/^#/, ""), state);
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

  function inDates(row, state) {
    if (!state.from && !state.to) {
      return true;
    }
    var date = deployedDates[rowIndex.get(row)];
    return date !== "" && (!state.from || date >= state.from) && (!state.to || date <= state.to);
  }

  function matches(row, state, words) {
    var data = row.dataset;
    if (!inDates(row, state)) {
      return false;
    }
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
      ? shown + " of " + rows.length + " records match." +
        (state.missed ? " Showing the records that missed the dashboard figure " + state.missed + "." : "")
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
      writeForm({});
      apply({});
      writeHash({});
    }, 0);
  });
  window.addEventListener("hashchange", fromHash);
  fromHash();

  // Sorting: one button per sortable header; a second click reverses.
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var riskOrder = { low: 1, medium: 2, high: 3 };
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var sortedBy = document.getElementById("sorted-by");

  function sortKey(row, column, kind) {
    var cell = row.cells[column];
    if (kind === "date") {
      return deployedDates[rowIndex.get(row)] ? cell.querySelector("time").getAttribute("datetime") : "";
    }
    var text = (cell.textContent || "").trim();
    if (kind === "num") {
      return parseInt(text, 10) || 0;
    }
    if (kind === "risk") {
      return riskOrder[text] || 0;
    }
    return text;
  }

  function compare(a, b, kind) {
    if (kind === "num" || kind === "risk") {
      return a - b;
    }
    if (kind === "date" && (a === "" || b === "")) {
      // Rows without a date sort last either way round.
      return a === b ? 0 : (a === "" ? 1 : -1);
    }
    return kind === "date" ? (a < b ? -1 : a > b ? 1 : 0) : collator.compare(a, b);
  }

  function sortBy(column, descending) {
    var header = headers[column];
    var kind = header.getAttribute("data-sort");
    var keyed = rows.map(function (row) {
      return { row: row, key: sortKey(row, column, kind), index: rowIndex.get(row) };
    });
    keyed.sort(function (a, b) {
      var order = compare(a.key, b.key, kind);
      if (kind === "date" && (a.key === "" || b.key === "")) {
        return order || a.index - b.index;
      }
      return (descending ? -order : order) || a.index - b.index;
    });
    var body = table.tBodies[0];
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (item) { fragment.appendChild(item.row); });
    body.appendChild(fragment);
    headers.forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
    if (sortedBy) {
      sortedBy.textContent = header.textContent.trim().toLowerCase() + (descending ? ", descending" : "");
    }
  }

  headers.forEach(function (th, column) {
    if (!th.hasAttribute("data-sort")) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      sortBy(column, th.getAttribute("aria-sort") === "ascending");
    });
  });
  headers[0].setAttribute("aria-sort", "ascending");
})();
