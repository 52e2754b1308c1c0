/* The counter kiosk's service worker (served at /k/sw.js, scope /k/): keeps the kiosk page and its assets so that a
   reload works while the network is down. Network first, so a working network always shows the current page;
   answers (POST) are never touched here: the page queues them itself. */
"use strict";
var CACHE = "kiosk-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!(url.pathname.indexOf("/k/") === 0 || url.pathname.indexOf("/static/") === 0)) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    })
  );
});
