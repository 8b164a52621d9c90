// Search and filter on the public home page. No dependencies; progressive
// enhancement: without JavaScript the form stays hidden and the lists, the
// upcoming pages and the type pages reach every change.
//
// The index (search-index.js, loaded on the first search, allowed by the
// page's `script-src 'self'` and readable from file:// too) holds one entry
// per published change: i id, t title, y type key, n type label, s systems'
// titles, m summary, k stage key, l stage label, d what the date is, w the date in the portal's time zone,
// a the date (UTC), p page path.
// Every word typed must occur in the id, title, summary, type or systems.
// The filter state lives in the URL hash (#q=tls&type=security), so a
// result can be bookmarked and survives a reload.
(function () {
  "use strict";

  var form = document.getElementById("search");
  var results = document.getElementById("search-results");
  var browse = document.getElementById("browse");
  var list = document.getElementById("search-list");
  var status = document.getElementById("search-status");
  if (!form || !results || !browse || !list || !status) {
    return;
  }
  var keys = ["q", "type", "system"];
  var shownAtMost = 100;
  var root = form.getAttribute("data-index").replace(/search-index\.js$/, "");
  var entries = null;
  var loading = false;

  function readForm() {
    var state = {};
    keys.forEach(function (key) {
      var control = form.elements[key];
      var value = control ? control.value.trim() : "";
      if (value) {
        state[key] = value;
      }
    });
    return state;
  }

  function readHash() {
    var state = {};
    window.location.hash.replace(/^#/, "").split("&").forEach(function (part) {
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

  function writeForm(state) {
    keys.forEach(function (key) {
      var control = form.elements[key];
      if (control) {
        control.value = state[key] || "";
        if (control.tagName === "SELECT" && control.value !== (state[key] || "")) {
          control.value = "";
        }
      }
    });
  }

  function writeHash(state) {
    var parts = keys.filter(function (key) { return state[key]; }).map(function (key) {
      return encodeURIComponent(key) + "=" + encodeURIComponent(state[key]);
    });
    var url = window.location.pathname + window.location.search + (parts.length ? "#" + parts.join("&") : "");
    window.history.replaceState(null, "", url);
  }

  function load(then) {
    if (entries) {
      then();
      return;
    }
    if (loading) {
      return;
    }
    loading = true;
    status.textContent = "Loading…";
    var script = document.createElement("script");
    script.src = form.getAttribute("data-index");
    script.onload = function () {
      entries = (window.changeportalPublicSearch || []).map(function (entry) {
        entry.text = [entry.i, entry.t, entry.m, entry.n].concat(entry.s).join(" ").toLowerCase();
        return entry;
      });
      then();
    };
    script.onerror = function () {
      loading = false;
      status.textContent = "Search is not available here. Browse the lists below or by type.";
    };
    document.head.appendChild(script);
  }

  function matches(entry, state, words) {
    if (state.type && entry.y !== state.type) {
      return false;
    }
    if (state.system && entry.s.indexOf(state.system) < 0) {
      return false;
    }
    for (var i = 0; i < words.length; i++) {
      if (entry.text.indexOf(words[i]) < 0) {
        return false;
      }
    }
    return true;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function card(entry) {
    var item = element("li", "card");
    item.setAttribute("data-id", entry.i);
    var title = element("h3", "card-title");
    var link = element("a", "", entry.t);
    link.href = root + entry.p;
    title.appendChild(link);
    item.appendChild(title);
    var meta = element("p", "card-meta");
    meta.appendChild(element("span", "badge type type-" + entry.y, entry.n));
    meta.appendChild(document.createTextNode(" "));
    if (entry.k !== "deployed") {
      meta.appendChild(element("span", "badge status stage-" + entry.k, entry.l));
      meta.appendChild(document.createTextNode(" "));
    }
    var date = element("span", "card-date", entry.d + " ");
    var time = element("time", "", entry.w);
    time.setAttribute("datetime", entry.a);
    date.appendChild(time);
    meta.appendChild(date);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(element("span", "card-id", entry.i));
    item.appendChild(meta);
    if (entry.m) {
      item.appendChild(element("p", "card-summary", entry.m));
    }
    return item;
  }

  function show(state) {
    var words = (state.q || "").toLowerCase().split(/\s+/).filter(Boolean);
    var found = entries.filter(function (entry) { return matches(entry, state, words); });
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    found.slice(0, shownAtMost).forEach(function (entry) {
      list.appendChild(card(entry));
    });
    var count = found.length === 1 ? "1 change matches" : found.length + " changes match";
    status.textContent = found.length > shownAtMost
      ? count + "; the first " + shownAtMost + " are shown. Narrow the search to see the others."
      : count + ".";
  }

  function apply(state) {
    var active = Object.keys(state).length > 0;
    results.hidden = !active;
    browse.hidden = active;
    if (active) {
      load(function () { show(readForm()); });
    }
  }

  var pending = null;
  function update() {
    var state = readForm();
    writeHash(state);
    apply(state);
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
  });
  form.addEventListener("input", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 120);
  });
  form.addEventListener("change", update);
  form.addEventListener("reset", function () {
    window.setTimeout(update, 0);
  });
  window.addEventListener("hashchange", function () {
    writeForm(readHash());
    apply(readForm());
  });
  writeForm(readHash());
  apply(readForm());
})();
