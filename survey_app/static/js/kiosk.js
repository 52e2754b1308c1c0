/* The counter kiosk (templates/public/kiosk.html, survey_app/public/kiosk.py).
   One person at a time: answers live only in the form; sending, "start again" and a few idle minutes clear it.
   Each answer gets its own random nonce and goes into a small queue in localStorage (answers only, no time of day),
   which is delivered at once when the network is up and otherwise when it returns; the server stores an answer
   once whatever the number of sends (its nonce is spent with it), so an answer leaves the queue when the server
   says "stored" or "already stored". No third-party request; a service worker keeps the page for offline reloads. */
(function () {
  "use strict";
  var form = document.getElementById("kiosk");
  if (!form) return;
  var CACHE = "kiosk-v1";
  var KEY = "kiosk-queue:" + form.getAttribute("data-post");
  var idleMs = Number(form.getAttribute("data-idle")) * 1000;
  var thanksMs = Number(form.getAttribute("data-thanks")) * 1000;
  var queueLine = document.getElementById("queue-line");
  var thanks = document.getElementById("kiosk-thanks");
  var formPart = document.getElementById("kiosk-form-part");
  var summary = document.getElementById("kiosk-errors");
  var top = document.getElementById("kiosk-top");
  var startedAt = null;
  var idleTimer = null;
  var flushing = false;

  function newNonce() {
    var bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function load() {
    try {
      var queue = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(queue) ? queue : [];
    } catch (e) { return []; }
  }

  function save(queue) {
    try {
      if (queue.length) localStorage.setItem(KEY, JSON.stringify(queue));
      else localStorage.removeItem(KEY);
    } catch (e) { /* storage full or refused: the answer is still sent if the network is up */ }
  }

  function showQueue() {
    var n = load().length;
    queueLine.hidden = n === 0;
    queueLine.textContent = n === 0 ? "" : n === 1 ? queueLine.getAttribute("data-one")
      : queueLine.getAttribute("data-many").replace("{n}", String(n));
  }

  function forget(nonce) {
    save(load().filter(function (item) { return item.nonce !== nonce; }));
  }

  function deliver(item) {
    return fetch(form.getAttribute("data-post"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(item),
      credentials: "same-origin"
    }).then(function (response) {
      // Stored, already stored, or refused for good (incomplete, link withdrawn): it leaves the queue. A busy
      // server (429, 5xx) keeps it for the next try.
      if (response.status < 500 && response.status !== 429 && response.status !== 408) forget(item.nonce);
      return response.status < 500 && response.status !== 429;
    });
  }

  function flush() {
    if (flushing) return;
    flushing = true;
    var queue = load();
    var next = function (i) {
      if (i >= queue.length) return Promise.resolve();
      return deliver(queue[i]).then(function (ok) { return ok ? next(i + 1) : null; });
    };
    next(0).catch(function () { /* offline: try again later */ }).then(function () {
      flushing = false;
      showQueue();
    });
  }

  function clearForm() {
    form.reset();
    startedAt = null;
    clearTimeout(idleTimer);
    summary.hidden = true;
    summary.textContent = "";
    Array.prototype.forEach.call(form.querySelectorAll("fieldset.q.missing"), function (group) {
      group.classList.remove("missing");
      group.removeAttribute("aria-invalid");
    });
    window.scrollTo(0, 0);
  }

  function touched() {
    if (startedAt === null) startedAt = Date.now();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { clearForm(); top.focus(); }, idleMs);
  }

  function missingGroups() {
    return Array.prototype.filter.call(form.querySelectorAll("fieldset.q"), function (group) {
      return !group.querySelector("input:checked");
    });
  }

  function answers() {
    var data = {};
    new FormData(form).forEach(function (value, name) { data[name] = String(value); });
    return data;
  }

  form.addEventListener("input", touched);
  form.addEventListener("change", touched);
  Array.prototype.forEach.call(document.querySelectorAll("[data-restart]"), function (button) {
    button.addEventListener("click", function () { clearForm(); top.focus(); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var missing = missingGroups();
    Array.prototype.forEach.call(form.querySelectorAll("fieldset.q"), function (group) {
      var gap = missing.indexOf(group) >= 0;
      group.classList.toggle("missing", gap);
      if (gap) group.setAttribute("aria-invalid", "true"); else group.removeAttribute("aria-invalid");
    });
    if (missing.length) {
      summary.textContent = summary.getAttribute("data-text").replace("{n}", String(missing.length));
      summary.hidden = false;
      summary.focus();
      missing[0].scrollIntoView({ block: "center" });
      return;
    }
    var item = { nonce: newNonce(), seconds: Math.round((Date.now() - (startedAt || Date.now())) / 1000),
      answers: answers() };
    var queue = load();
    queue.push(item);  // queued first: an answer is never lost between the page and the server
    save(queue);
    clearForm();
    formPart.hidden = true;
    thanks.hidden = false;
    thanks.focus();
    flush();
    setTimeout(function () {
      thanks.hidden = true;
      formPart.hidden = false;
      top.focus();
    }, thanksMs);
  });

  window.addEventListener("online", flush);
  window.addEventListener("pageshow", function () { clearForm(); showQueue(); });
  setInterval(flush, 15000);

  if ("serviceWorker" in navigator && window.caches) {
    navigator.serviceWorker.register(form.getAttribute("data-worker"), { scope: "/k/" }).catch(function () {});
    var assets = [location.href];
    Array.prototype.forEach.call(document.querySelectorAll("link[rel=stylesheet], script[src]"), function (el) {
      assets.push(el.href || el.src);
    });
    caches.open(CACHE).then(function (cache) { return cache.addAll(assets); }).catch(function () {});
  }
  showQueue();
  flush();
})();
