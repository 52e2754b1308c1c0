/* Live counts for the staff dashboards: every 60 seconds, fetch the page's JSON feed and patch the numbers.
 *
 * The page names its feed in <body data-live-url="..."> (or any element's) and marks each number with
 * data-live="key"; the feed is a flat JSON object of key → number. Without JavaScript the page still shows the
 * numbers as of its loading and a reload refreshes them. Polling pauses while the tab is hidden and stops for
 * good when the session has ended (the feed then answers with the login page or an error).
 */
(function () {
  "use strict";
  var PERIOD = 60000;
  var host = document.querySelector("[data-live-url]");
  if (!host || !window.fetch) { return; }
  var url = host.getAttribute("data-live-url");
  var stamp = document.querySelector("[data-live-updated]");
  var format = new Intl.NumberFormat("en-US");
  var timer = null;
  var stopped = false;

  function patch(data) {
    var nodes = document.querySelectorAll("[data-live]");
    for (var i = 0; i < nodes.length; i++) {
      var key = nodes[i].getAttribute("data-live");
      if (Object.prototype.hasOwnProperty.call(data, key) && typeof data[key] === "number") {
        var text = format.format(data[key]);
        if (nodes[i].textContent !== text) {
          nodes[i].textContent = text;
          nodes[i].classList.add("live-changed");
        }
      }
    }
    if (stamp) {
      var now = new Date();
      stamp.textContent = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
    }
  }

  function tick() {
    if (stopped || document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, redirect: "error" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(patch)
      .catch(function () { stopped = true; window.clearInterval(timer); });
  }

  timer = window.setInterval(tick, PERIOD);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { tick(); } });
}());
