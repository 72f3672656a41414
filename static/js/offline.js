/* Working without a connection: registers the service worker (/sw.js, static/js/sw.js)
   and fills its caches.

   When the inspector opens the inspections list (检查) online, the pages of the
   inspections marked on it (data-offline-pages: today, overdue and this week; their
   detail, checklist and start or finish page) are fetched into the pages cache, with
   the static files they use; pages no longer listed are dropped. The worker then shows
   them from the network when it can and from the cache when it cannot. The line marked
   data-offline-status says what is available and since when. On log-out the pages are
   removed from the phone (the outbox is not: it holds evidence not yet sent). */
(function () {
  "use strict";

  var badge = document.getElementById("outbox-badge");
  if (!badge) return;
  var PAGES = "eldercare-pages-v1";
  var ASSETS = "eldercare-assets-v1";
  var RECORD = "eldercare-offline";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(badge.dataset.sw, { scope: "/" }).catch(function () {});
  }

  var line = document.querySelector("[data-offline-status]");

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function when(value) {
    var date = new Date(value);
    if (isNaN(date)) return "";
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) +
      " " + two(date.getHours()) + ":" + two(date.getMinutes());
  }

  function say(name, values) {
    if (!line) return;
    var words = line.dataset[name] || "";
    Object.keys(values || {}).forEach(function (key) {
      words = words.split("{" + key + "}").join(values[key]);
    });
    line.textContent = words;
    line.dataset.offlineState = name;
  }

  function record() {
    try {
      var saved = JSON.parse(localStorage.getItem(RECORD) || "null");
      return saved && saved.user === badge.dataset.user ? saved : null;
    } catch (error) {
      return null;
    }
  }

  var assetPattern = new RegExp("(?:src|href)=\"(" +
    badge.dataset.static.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "[^\"?#]+)\"", "g");

  function assetsOf(html) {
    var found = [];
    var match;
    assetPattern.lastIndex = 0;
    while ((match = assetPattern.exec(html))) found.push(match[1]);
    return found;
  }

  function ownAssets() {
    return Array.from(document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=apple-touch-icon]"))
      .map(function (element) { return new URL(element.src || element.href).pathname; })
      .filter(function (path) { return path.indexOf(badge.dataset.static) === 0; });
  }

  // Fetch pages one after the other (a weak connection is shared with the outbox).
  // Returns how many could not be fetched for want of a connection or a working
  // server; a page refused to this user (403, 404) is simply not kept.
  function keepPages(urls, cache, assets) {
    var missing = 0;
    return urls.reduce(function (previous, url) {
      return previous.then(function () {
        return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
          if (response.redirected) { missing += 1; return null; }  // logged out meanwhile
          if (!response.ok) { if (response.status >= 500) missing += 1; return null; }
          return response.clone().text().then(function (html) {
            assetsOf(html).forEach(function (asset) { assets.add(asset); });
            return cache.put(url, response);
          });
        }, function () { missing += 1; });
      });
    }, Promise.resolve()).then(function () { return missing; });
  }

  function keepAssets(assets) {
    return caches.open(ASSETS).then(function (cache) {
      return Promise.all(Array.from(assets).map(function (url) {
        return fetch(url, { cache: "no-cache" }).then(function (response) {
          return response.ok ? cache.put(url, response) : null;
        }, function () { return null; });
      }));
    });
  }

  function sync(rows) {
    var urls = [];
    var inspections = 0;
    rows.forEach(function (row) {
      inspections += 1;
      row.dataset.offlinePages.split(" ").forEach(function (url) {
        if (url && urls.indexOf(url) < 0) urls.push(url);
      });
    });
    badge.dataset.offlineAlways.split(" ").forEach(function (url) {
      if (url && urls.indexOf(url) < 0) urls.push(url);
    });
    var assets = new Set(ownAssets());
    say("msgSyncing");
    return caches.open(PAGES).then(function (cache) {
      return keepPages(urls, cache, assets).then(function (missing) {
        if (missing === urls.length) return null;  // no connection after all
        return keepAssets(assets).then(function () {
          // Yesterday's inspections leave the phone.
          return cache.keys().then(function (requests) {
            return Promise.all(requests.filter(function (request) {
              return urls.indexOf(new URL(request.url).pathname) < 0;
            }).map(function (request) { return cache.delete(request); }));
          });
        }).then(function () {
          var saved = { user: badge.dataset.user, at: new Date().toISOString(), inspections: inspections, missing: missing };
          localStorage.setItem(RECORD, JSON.stringify(saved));
          return saved;
        });
      });
    });
  }

  function showList(saved) {
    if (!saved) { say("msgNever"); return; }
    if (navigator.onLine === false) { say("msgOffline", { time: when(saved.at) }); return; }
    say(saved.missing ? "msgIncomplete" : "msgList", {
      n: saved.missing || saved.inspections, time: when(saved.at)
    });
  }

  // A page that is not kept yet is kept now, so that a reload without a connection
  // still shows it.
  function showPage() {
    var path = location.pathname;
    return caches.open(PAGES).then(function (cache) {
      return cache.match(path, { ignoreVary: true }).then(function (cached) {
        if (cached || navigator.onLine === false) return cached;
        return keepPages([path], cache, new Set(ownAssets())).then(function (missing) {
          return missing ? null : keepAssets(new Set(ownAssets())).then(function () { return true; });
        });
      });
    }).then(function (kept) {
      if (!kept) { say("msgNotSaved"); return; }
      var time = when(line.dataset.renderedAt);
      say(navigator.onLine === false ? "msgOffline" : "msgPage", { time: time });
    });
  }

  if (line && window.caches) {
    if (line.dataset.offlineStatus === "list") {
      if (navigator.onLine === false) {
        showList(record());
      } else {
        sync(document.querySelectorAll("[data-offline-pages]")).then(function (saved) {
          showList(saved || record());
        }, function () { showList(record()); });
      }
    } else {
      showPage();
    }
  }

  var logout = document.querySelector("form[data-logout]");
  if (logout && window.caches) {
    logout.addEventListener("submit", function (event) {
      event.preventDefault();
      localStorage.removeItem(RECORD);
      caches.delete(PAGES).then(function () { logout.submit(); }, function () { logout.submit(); });
    });
  }
})();
