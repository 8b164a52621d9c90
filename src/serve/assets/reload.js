// changeportal serve: live reload. Injected by `changeportal serve` only;
// never part of a built site. Reloads the page when the server announces a
// build generation other than the one this page was served with.
(function () {
  "use strict";
  var script = document.currentScript;
  var served = script ? script.getAttribute("data-generation") : null;
  if (typeof EventSource !== "function") {
    return;
  }
  var source = new EventSource("/__changeportal/events");
  function check(event) {
    if (event.data && event.data !== served) {
      source.close();
      window.location.reload();
    }
  }
  source.addEventListener("hello", check);
  source.addEventListener("reload", check);
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-changeportal-dismiss]")) {
      var overlay = document.getElementById("changeportal-overlay");
      if (overlay) {
        overlay.hidden = true;
      }
    }
  });
})();
