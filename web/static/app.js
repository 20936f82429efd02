// Ingot's web: the only script, loaded from this host (no inline script).
// A till showing a payment request polls its status and shows it when it
// changes, without reloading; when paid, the page reloads once to offer
// the refund.
(function () {
  "use strict";
  var till = document.querySelector("[data-status-url]");
  if (!till) { return; }
  var url = till.getAttribute("data-status-url");
  var status = document.getElementById("status");
  var timer = setInterval(function () {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        status.textContent = s.label;
        if (s.status !== "open") {
          clearInterval(timer);
          if (s.status === "paid") { window.location.reload(); }
        }
      })
      .catch(function () {});
  }, 2000);
})();
