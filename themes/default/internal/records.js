// Filters, sorts and searches the records table in the browser, over every
// record. No dependencies.
//
// Without JavaScript the table is split into pages (records/index.html,
// records/page-2.html, ...) that list every record, and the form stays
// hidden. With it, this script loads the index (records/search-index.js,
// window.changeportalRecords: `systems` {key: title} and one array per
// record, positions as the constants below, written by
// src/render/internal/records.rs), hides the pager and renders the matching
// rows of all records in one table, with the markup of the pages' rows.
// Filters: type, class, status (single values), system, tier, flag, missed
// (lists; tiers, flags and missed written as |a|b|), q (every word typed
// must occur in the record's search words), from/to (rows deployed in that
// range of UTC days). The filter state lives in the URL hash
// (#class=emergency&q=tls), so a filtered view can be bookmarked, shared,
// and survives a reload; query parameters (?flag=self-approval) are read
// too, the hash winning. Column headers with data-sort get a sort button
// (aria-sort tells which column sorts the table).
(function () {
  "use strict";

  var ID = 0, HREF = 1, TITLE = 2, TYPE = 3, CLASS = 4, STATUS = 5, STATUS_LABEL = 6, RISK = 7,
    SYSTEMS = 8, TIERS = 9, FLAGS = 10, MISSED = 11, APPROVERS = 12, DEPLOYED = 13, DEPLOYED_DAY = 14,
    FLAG_COUNT = 15, DENY = 16, WORDS = 17;

  var form = document.getElementById("filters");
  var table = document.getElementById("records");
  if (!form || !table) {
    return;
  }
  var body = table.tBodies[0];
  var counter = document.getElementById("result-count");
  var empty = document.getElementById("no-results");
  var pager = document.getElementById("pager");
  var single = { type: TYPE, "class": CLASS, status: STATUS };
  var lists = { tier: TIERS, flag: FLAGS, missed: MISSED };
  var keys = ["q", "from", "to", "type", "class", "status", "system", "tier", "flag", "missed"];
  var records = [];
  var systems = {};
  var sort = { column: 0, descending: false };

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function systemTitles(record) {
    return record[SYSTEMS].map(function (key) { return systems[key] || key; }).join(", ");
  }

  function rowHtml(r) {
    var badge = function (kind, value, label) {
      return "<td><span class=\"badge " + kind + "-" + escape(value) + "\">" + escape(label) + "</span></td>";
    };
    var systemCells = r[SYSTEMS].map(function (key) {
      return "<span title=\"" + escape(key) + "\">" + escape(systems[key] || key) + "</span>";
    }).join(", ");
    var deployed = r[DEPLOYED]
      ? "<time datetime=\"" + escape(r[DEPLOYED]) + "\">" + escape(r[DEPLOYED_DAY]) + "</time>"
      : "<span class=\"none\">—</span>";
    var flags = r[FLAG_COUNT] > 0
      ? "<span class=\"count " + (r[DENY] ? "deny" : "warn") + "\">" + r[FLAG_COUNT] + "</span>"
      : "<span class=\"count zero\">0</span>";
    return "<tr data-id=\"" + escape(r[ID]) + "\" data-type=\"" + escape(r[TYPE]) + "\" data-class=\"" +
      escape(r[CLASS]) + "\" data-status=\"" + escape(r[STATUS]) + "\">" +
      "<td class=\"id\"><a href=\"../" + escape(r[HREF]) + "\">" + escape(r[ID]) + "</a></td>" +
      "<td>" + escape(r[TITLE]) + "</td>" + badge("type", r[TYPE], r[TYPE]) + badge("class", r[CLASS], r[CLASS]) +
      badge("status", r[STATUS], r[STATUS_LABEL]) + badge("risk", r[RISK], r[RISK]) +
      "<td>" + systemCells + "</td><td>" + escape(r[APPROVERS]) + "</td>" +
      "<td class=\"date\">" + deployed + "</td><td class=\"num\">" + flags + "</td></tr>";
  }

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

  function matches(r, state, words) {
    var day = r[DEPLOYED].slice(0, 10);
    if ((state.from || state.to) &&
        (day === "" || (state.from && day < state.from) || (state.to && day > state.to))) {
      return false;
    }
    for (var key in single) {
      if (state[key] && r[single[key]] !== state[key]) {
        return false;
      }
    }
    for (var list in lists) {
      if (state[list] && r[lists[list]].indexOf("|" + state[list] + "|") < 0) {
        return false;
      }
    }
    if (state.system && r[SYSTEMS].indexOf(state.system) < 0) {
      return false;
    }
    for (var k = 0; k < words.length; k++) {
      if (r[WORDS].indexOf(words[k]) < 0) {
        return false;
      }
    }
    return true;
  }

  // Sorting: what each column sorts by, and how.
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var riskOrder = { low: 1, medium: 2, high: 3 };
  var columns = [
    function (r) { return r[ID]; },
    function (r) { return r[TITLE]; },
    function (r) { return r[TYPE]; },
    function (r) { return r[CLASS]; },
    function (r) { return r[STATUS_LABEL]; },
    function (r) { return riskOrder[r[RISK]] || 0; },
    systemTitles,
    function (r) { return r[APPROVERS]; },
    function (r) { return r[DEPLOYED]; },
    function (r) { return r[FLAG_COUNT]; }
  ];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var sortedBy = document.getElementById("sorted-by");

  function compare(a, b, kind) {
    if (kind === "num" || kind === "risk") {
      return a - b;
    }
    if (kind === "date") {
      return a < b ? -1 : a > b ? 1 : 0;
    }
    return collator.compare(a, b);
  }

  function sorted(shown) {
    var kind = headers[sort.column].getAttribute("data-sort");
    var key = columns[sort.column];
    var keyed = shown.map(function (index) { return { index: index, key: key(records[index]) }; });
    keyed.sort(function (a, b) {
      if (kind === "date" && (a.key === "" || b.key === "")) {
        // Rows without a date sort last either way round.
        return (a.key === b.key ? 0 : (a.key === "" ? 1 : -1)) || a.index - b.index;
      }
      var order = compare(a.key, b.key, kind);
      return (sort.descending ? -order : order) || a.index - b.index;
    });
    return keyed.map(function (item) { return item.index; });
  }

  function apply(state) {
    var words = (state.q || "").toLowerCase().split(/\s+/).filter(Boolean);
    var shown = [];
    records.forEach(function (r, index) {
      if (matches(r, state, words)) {
        shown.push(index);
      }
    });
    body.innerHTML = sorted(shown).map(function (index) { return rowHtml(records[index]); }).join("");
    var filtered = Object.keys(state).length > 0;
    counter.textContent = filtered
      ? shown.length + " of " + records.length + " records match." +
        (state.missed ? " Showing the records that missed the dashboard figure " + state.missed + "." : "")
      : records.length + " records.";
    empty.hidden = shown.length > 0;
  }

  function fromHash() {
    writeForm(readHash());
    apply(readForm());
  }

  var pending = null;
  function update() {
    var state = readForm();
    apply(state);
    writeHash(state);
  }

  function start() {
    var index = window.changeportalRecords;
    if (!index) {
      return;
    }
    records = index.rows;
    systems = index.systems;
    if (pager) {
      pager.hidden = true;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    form.addEventListener("input", function (event) {
      window.clearTimeout(pending);
      if (event.target && event.target.name === "q" && records.length > 1000) {
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
        sort = { column: column, descending: th.getAttribute("aria-sort") === "ascending" };
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
        if (sortedBy) {
          sortedBy.textContent = th.textContent.trim().toLowerCase() + (sort.descending ? ", descending" : "");
        }
        apply(readForm());
      });
    });
    headers[0].setAttribute("aria-sort", "ascending");
    form.hidden = false;
    fromHash();
  }

  var script = document.createElement("script");
  script.src = form.getAttribute("data-search-index");
  script.onload = start;
  document.head.appendChild(script);
})();
