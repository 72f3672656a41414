/* The service worker, served at /sw.js so that it may answer for every page.

   It keeps nothing on its own initiative: offline.js decides which pages (the day's
   inspections) and which static files go into the two caches. The worker only
   answers from them:
   - static files that are in the assets cache: from the cache (offline.js refreshes
     them at every sync);
   - pages that are in the pages cache: from the network first, so they are fresh
     when online, and the cached copy is refreshed with the answer; from the cache
     when the network fails or is too slow to answer;
   - everything else, and every write, goes to the network untouched: the outbox
     (outbox.js) is what keeps writes made offline. */
"use strict";

var PAGES = "eldercare-pages-v1";
var ASSETS = "eldercare-assets-v1";
// On a weak signal a page that is cached is shown from the cache after this long.
var NETWORK_PATIENCE_MS = 6000;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("eldercare-") === 0 && name !== PAGES && name !== ASSETS;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function cachedPage(request) {
  return caches.open(PAGES).then(function (cache) {
    return cache.match(request.url, { ignoreVary: true });
  });
}

function fromNetworkFirst(request, cached) {
  var network = fetch(request).then(function (response) {
    // A redirect (an expired log-in) or an error page is never kept as the page.
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(request.url, copy); });
    }
    return response;
  });
  var patience = new Promise(function (resolve) {
    setTimeout(function () { resolve(null); }, NETWORK_PATIENCE_MS);
  });
  return Promise.race([network, patience]).then(function (response) {
    return response || cached;
  }, function () {
    return cached;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(cachedPage(request).then(function (cached) {
      return cached ? fromNetworkFirst(request, cached) : fetch(request);
    }));
    return;
  }
  if (["script", "style", "image", "manifest", "font"].indexOf(request.destination) >= 0) {
    event.respondWith(caches.open(ASSETS).then(function (cache) {
      return cache.match(request.url, { ignoreVary: true });
    }).then(function (cached) {
      return cached || fetch(request);
    }));
  }
});
