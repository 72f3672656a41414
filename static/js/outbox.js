/* The outbox: every write the inspector makes on the phone (an answer, a photo, the
   start, the team confirmation, the facility's signature, finishing, removing a photo)
   is kept first in the browser's IndexedDB ("eldercare-outbox"), where it survives a
   reload, a closed tab and a restarted browser, and is then sent in order when there
   is a connection. Each item carries its own client id (X-Client-Id): the server does
   it once however often it arrives, so a send whose answer was lost is simply sent
   again. Nothing is shown as accepted before the server has answered so.

   window.Outbox is the interface for the page scripts (onsite.js). The header badge
   (partials/outbox_badge.html, which also carries the words) and the outbox page
   (/outbox/) are drawn here. Loaded on every page of a logged-in user. */
(function () {
  "use strict";

  var badge = document.getElementById("outbox-badge");
  if (!badge || !window.indexedDB || !window.crypto || !crypto.subtle || !crypto.randomUUID) return;

  var DB = "eldercare-outbox";
  var STORE = "items";
  // Photo chunks are sized to the link: each aims to take about CHUNK_SECONDS, growing
  // at most twofold from one to the next, so a cut on a slow link loses little and a
  // fast link is not slowed by many requests.
  // The server takes chunks of any size up to CHUNK_MAX.
  var CHUNK_MIN = 256 * 1024;
  var CHUNK_MAX = 4 * 1024 * 1024;
  var CHUNK_STEP = 64 * 1024;
  var CHUNK_SECONDS = 2;
  var chunk = CHUNK_MIN;  // the size for the next chunk, learnt from the last one
  var FIRST_DELAY = 2000;
  var MAX_DELAY = 60000;
  var user = badge.dataset.user;
  var listeners = [];

  function text(name, values) {
    var words = badge.dataset[name] || "";
    Object.keys(values || {}).forEach(function (key) {
      words = words.split("{" + key + "}").join(values[key]);
    });
    return words;
  }

  // ---------------------------------------------------------------- IndexedDB

  var opening = null;

  function database() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB, 1);
        request.onupgradeneeded = function () {
          var store = request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
          store.createIndex("clientId", "clientId", { unique: true });
        };
        request.onsuccess = function () {
          request.result.onversionchange = function () { request.result.close(); opening = null; };
          resolve(request.result);
        };
        request.onerror = function () { opening = null; reject(request.error); };
      });
    }
    return opening;
  }

  function transaction(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  // This user's items, oldest first (the store's key is the order they were queued in).
  function list() {
    return transaction("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return items.filter(function (item) { return item.user === user; });
    });
  }

  function get(seq) {
    return transaction("readonly", function (store) { return store.get(seq); });
  }

  function put(item) {
    return transaction("readwrite", function (store) { return store.put(item); }).then(function (seq) {
      item.seq = seq;
      return item;
    });
  }

  function drop(seq) {
    return transaction("readwrite", function (store) { return store.delete(seq); });
  }

  // Changes to the queue one at a time, across this phone's tabs too: a send must not
  // take an item while another tab is rewriting it.
  var chain = Promise.resolve();
  function exclusive(work) {
    if (navigator.locks) return navigator.locks.request("eldercare-outbox-write", work);
    var next = chain.then(work);
    chain = next.catch(function () {});
    return next;
  }

  // ---------------------------------------------------------------- events

  var channel = window.BroadcastChannel ? new BroadcastChannel(DB) : null;

  function deliver(type, item, extra) {
    listeners.forEach(function (listener) { listener(type, item, extra); });
    refreshBadge();
  }

  function emit(type, item, extra) {
    deliver(type, item, extra);
    if (channel) {
      var copy = Object.assign({}, item, { blob: null });
      channel.postMessage({ type: type, item: copy, extra: extra || null });
    }
  }

  if (channel) {
    channel.onmessage = function (event) { deliver(event.data.type, event.data.item, event.data.extra); };
  }

  var counting = null;
  function refreshBadge() {
    if (counting) return;
    counting = setTimeout(function () {
      counting = null;
      list().then(function (items) {
        badge.querySelector("[data-outbox-count]").textContent = items.length;
        badge.hidden = items.length === 0;
        badge.classList.toggle("attention", items.some(function (item) {
          return item.state === "refused" || item.state === "conflict";
        }));
      });
    }, 50);
  }

  // ---------------------------------------------------------------- queueing

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function same(a, b) {
    return a.kind === b.kind && a.inspection === b.inspection && (a.key || "") === (b.key || "");
  }

  // A new answer (or start, confirmation, signature, finish) replaces an earlier one
  // for the same thing that the server refused, and one that has never left the
  // phone; one that may have reached the server is left to be sent, then followed.
  function queue(item) {
    return exclusive(function () {
      return list().then(function (items) {
        var replaced = [];
        if (item.kind !== "photo" && item.kind !== "remove") {
          items.forEach(function (old) {
            if (!same(old, item)) return;
            if (old.state === "refused" || old.state === "conflict") {
              replaced.push(drop(old.seq).then(function () { emit("removed", old); }));
            } else if (old.attempts === 0 && old.state === "pending") {
              item.seq = old.seq;
              item.clientId = old.clientId;
            }
          });
        }
        return Promise.all(replaced).then(function () { return put(item); });
      });
    }).then(function (saved) {
      emit("added", saved);
      drain();
      return saved;
    });
  }

  function add(fields) {
    return queue(Object.assign({
      clientId: crypto.randomUUID(),
      user: user,
      state: "pending",
      message: "",
      attempts: 0,
      createdAt: new Date().toISOString(),
      page: location.pathname
    }, fields));
  }

  function hex(buffer) {
    return Array.from(new Uint8Array(buffer)).map(function (byte) {
      return byte.toString(16).padStart(2, "0");
    }).join("");
  }

  // A photo: the original file as taken, with its SHA-256, checked again on arrival.
  function addPhoto(fields, file) {
    return file.arrayBuffer().then(function (bytes) {
      return crypto.subtle.digest("SHA-256", bytes);
    }).then(function (digest) {
      return add(Object.assign({
        kind: "photo",
        blob: file.slice(0, file.size, file.type),
        name: file.name || "photo",
        type: file.type || "application/octet-stream",
        size: file.size,
        sha256: hex(digest),
        offset: 0,
        restarts: 0
      }, fields));
    });
  }

  // ---------------------------------------------------------------- sending

  function request(url, options, clientId) {
    var headers = Object.assign({ "Accept": "application/json", "X-CSRFToken": csrfToken() }, options.headers);
    if (clientId) headers["X-Client-Id"] = clientId;
    return fetch(url, Object.assign({}, options, { headers: headers, credentials: "same-origin" })).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var answer = { status: response.status, body: null, redirected: response.redirected };
      if (type.indexOf("application/json") < 0) return answer;
      return response.json().then(function (body) {
        answer.body = body;
        return answer;
      }, function () { return answer; });
    }, function () {
      return { status: 0, body: null };
    });
  }

  function save(item, changes, type, extra) {
    return exclusive(function () {
      return get(item.seq).then(function (stored) {
        if (!stored) return null;
        Object.assign(stored, changes);
        return put(stored);
      });
    }).then(function (stored) {
      if (stored) emit(type || "changed", stored, extra);
      return stored;
    });
  }

  // What a failed send says: not the item's fault, so it is tried again.
  function failure(answer) {
    if (answer.status === 0) return text("msgOffline");
    if (answer.redirected && !answer.body) return text("msgLogin");
    return text("msgServer", { status: answer.status });
  }

  function failed(item, answer) {
    return save(item, { state: "failed", message: failure(answer) }).then(function () { return "failed"; });
  }

  function refused(item, message) {
    return save(item, { state: "refused", message: message || "" }).then(function () { return "refused"; });
  }

  function accepted(item, body) {
    return exclusive(function () {
      return drop(item.seq).then(function () {
        if (item.kind !== "answer" || !body.answer) return null;
        // Later answers to the same item were given on top of this one.
        return list().then(function (items) {
          return Promise.all(items.filter(function (later) {
            return later.seq > item.seq && same(later, item);
          }).map(function (later) {
            later.fields.revision = String(body.answer.revision);
            return put(later);
          }));
        });
      });
    }).then(function () {
      emit("accepted", item, body);
      return "accepted";
    });
  }

  function settle(item, answer) {
    var body = answer.body;
    // Out of reach (the inspection is no longer this user's): sending again will not help.
    if (answer.status === 404) return refused(item, "HTTP 404");
    if (!body || answer.status >= 500) return failed(item, answer);
    if (body.ok) return accepted(item, body);
    if (answer.status === 409 && body.conflict) {
      return save(item, { state: "conflict", message: body.message || text("msgConflict"), theirs: body.answer })
        .then(function () { return "refused"; });
    }
    return refused(item, body.message);
  }

  function post(item) {
    var data = new FormData();
    Object.keys(item.fields).forEach(function (name) { data.append(name, item.fields[name]); });
    return request(item.url, { method: "POST", body: data }, item.clientId).then(function (answer) {
      return settle(item, answer);
    });
  }

  // The contract's URLs, reversed by the server with a placeholder id.
  var NIL = "00000000-0000-0000-0000-000000000000";

  function chunkUrl(item) {
    return badge.dataset.chunkUrl.replace(NIL, item.clientId);
  }

  function removeUrl(photo) {
    return badge.dataset.removeUrl.replace("/0/", "/" + photo + "/");
  }

  function learn(bytes, started) {
    var seconds = Math.max((Date.now() - started) / 1000, 0.001);
    var size = Math.floor((bytes / seconds) * CHUNK_SECONDS / CHUNK_STEP) * CHUNK_STEP;
    // At most twice the last: one chunk that seemed fast (a burst into a buffer) must
    // not make the next one a large loss when the link is cut.
    chunk = Math.min(CHUNK_MAX, 2 * chunk, Math.max(CHUNK_MIN, size));
  }

  function sendChunks(item, offset) {
    // Every byte is there but the answer to the last one was lost, or the whole was
    // refused: the last byte is sent again, and the server answers for the whole.
    if (offset >= item.size) offset = item.size - 1;
    var end = Math.min(offset + chunk, item.size);
    var started = Date.now();
    // No X-Client-Id: the upload's id is in its URL and each chunk's place in its range.
    return request(chunkUrl(item), {
      method: "PUT",
      body: item.blob.slice(offset, end),
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Range": "bytes " + offset + "-" + (end - 1) + "/" + item.size
      }
    }).then(function (answer) {
      var body = answer.body;
      if (answer.status === 0) chunk = CHUNK_MIN;
      else if (answer.status < 300) learn(end - offset, started);
      if (answer.status === 404 && item.restarts < 2) {
        // Unknown to the server (left unfinished too long): opened again from 0.
        return save(item, { restarts: item.restarts + 1, offset: 0 }, "progress").then(function (stored) {
          return stored ? upload(stored) : "gone";
        });
      }
      if (!body || answer.status >= 500) return failed(item, answer);
      if (body.ok && body.done) return accepted(item, body);
      if (answer.status === 422 && item.restarts < 1) {
        // The assembled file did not match its hash: the server starts again from 0.
        return save(item, { restarts: item.restarts + 1, offset: 0 }, "progress").then(function (stored) {
          item = stored || item;
          return sendChunks(item, 0);
        });
      }
      if (answer.status === 409 && typeof body.offset === "number") {
        return progress(item, body.offset);
      }
      if (body.ok && typeof body.offset === "number") return progress(item, body.offset);
      return refused(item, body.message);
    });
  }

  function progress(item, offset) {
    return save(item, { offset: offset }, "progress").then(function (stored) {
      if (!stored) return "gone";
      item = stored;
      if (item.discarded) return withdraw(item);  // given up while it was being sent
      return sendChunks(item, offset);
    });
  }

  function upload(item) {
    if (item.discarded) return withdraw(item);
    return request(item.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        client_id: item.clientId, key: item.key, purpose: item.purpose, size: item.size,
        sha256: item.sha256, name: item.name, content_type: item.type
      })
    }, item.clientId).then(function (answer) {
      var body = answer.body;
      if (!body || answer.status >= 500) return failed(item, answer);
      if (!body.ok) return refused(item, body.message);
      if (body.done) return accepted(item, body);
      return progress(item, body.offset || 0);
    });
  }

  // A photo given up after some of it may have been sent: if it became a photo on
  // the server, it is removed there (the removal is recorded); an unfinished upload
  // is not a photo and is simply left.
  function withdraw(item) {
    return request(chunkUrl(item), { method: "GET" }).then(function (answer) {
      if (answer.status === 404) return forget(item);
      if (!answer.body || answer.status >= 500) return failed(item, answer);
      if (!answer.body.done || !answer.body.photo) return forget(item);
      var data = new FormData();
      return request(removeUrl(answer.body.photo.id), { method: "POST", body: data },
        item.removeClientId).then(function (removal) {
        if (!removal.body || removal.status >= 500) return failed(item, removal);
        if (!removal.body.ok) return refused(item, removal.body.message);
        return forget(item);
      });
    });
  }

  function forget(item) {
    return drop(item.seq).then(function () {
      emit("removed", item);
      return "removed";
    });
  }

  function send(seq) {
    return exclusive(function () {
      return get(seq).then(function (item) {
        if (!item || item.state === "refused" || item.state === "conflict") return null;
        item.state = "sending";
        item.attempts += 1;
        return put(item);
      });
    }).then(function (item) {
      if (!item) return "gone";
      emit("changed", item);
      return item.kind === "photo" ? upload(item) : post(item);
    });
  }

  // An item the server refused holds back what depends on it: the later answers and
  // photos of the same item, and any later step of an inspection whose start, or any
  // of whose answers, was refused before confirming, signing or finishing.
  function heldBack(stopped, item) {
    return stopped.some(function (earlier) {
      if (earlier.inspection !== item.inspection) return false;
      if (earlier.kind === "start") return true;
      if (["confirm", "sign", "finish"].indexOf(item.kind) >= 0) return true;
      return earlier.key && earlier.key === item.key;
    });
  }

  function round() {
    return list().then(function (items) {
      var stopped = [];
      var index = 0;
      function next() {
        if (index >= items.length) return "done";
        var item = items[index++];
        if (item.state === "refused" || item.state === "conflict") {
          stopped.push(item);
          return next();
        }
        if (heldBack(stopped, item)) {
          var waiting = text("msgBlocked");
          var marked = item.message === waiting ? Promise.resolve() : save(item, { state: "pending", message: waiting });
          return marked.then(next);
        }
        if (navigator.onLine === false) return "offline";
        return send(item.seq).then(function (outcome) {
          return outcome === "failed" ? "failed" : next();
        });
      }
      return next();
    });
  }

  var draining = false;
  var again = false;
  var delay = FIRST_DELAY;
  var timer = null;

  function drain() {
    if (draining) { again = true; return; }
    draining = true;
    again = false;
    clearTimeout(timer);
    var run = navigator.locks
      ? navigator.locks.request("eldercare-outbox-drain", { ifAvailable: true }, function (lock) {
        return lock ? round() : "busy";  // another tab is sending
      })
      : round();
    run.catch(function () { return "failed"; }).then(function (outcome) {
      draining = false;
      if (outcome === "failed" || outcome === "busy") {
        // Back-off: 2 s, 4 s, 8 s … never more than a minute between tries.
        timer = setTimeout(drain, delay);
        delay = Math.min(delay * 2, MAX_DELAY);
      } else {
        delay = FIRST_DELAY;
      }
      if (again) drain();
    });
  }

  window.addEventListener("online", function () {
    delay = FIRST_DELAY;
    drain();
  });

  // ---------------------------------------------------------------- the inspector's choices

  function retry(seq) {
    return get(seq).then(function (item) {
      if (!item) return null;
      // A refusal is stored by the server under its client id: a new try needs a new
      // one (the server wrote nothing for the refused one). A failed send keeps its id.
      var changes = { state: "pending", message: "" };
      if (item.state === "refused" || item.state === "conflict") {
        changes.clientId = crypto.randomUUID();
        if (item.kind === "photo") { changes.offset = 0; changes.restarts = 0; }
      }
      return save(item, changes);
    }).then(function (item) {
      delay = FIRST_DELAY;
      drain();
      return item;
    });
  }

  // Keep my answer after a conflict: sent again on top of the answer now stored.
  function keepMine(seq) {
    return get(seq).then(function (item) {
      if (!item || item.state !== "conflict") return null;
      var fields = Object.assign({}, item.fields, { revision: String(item.theirs.revision) });
      return save(item, { state: "pending", message: "", clientId: crypto.randomUUID(), fields: fields, theirs: null });
    }).then(function (item) {
      drain();
      return item;
    });
  }

  // Give an item up. Only what the server has certainly not done is simply dropped
  // (refused, or never sent); a photo that may have arrived is withdrawn (above).
  function discard(seq) {
    return get(seq).then(function (item) {
      if (!item) return null;
      if (item.state === "refused" || item.state === "conflict" || item.attempts === 0) return forget(item);
      if (item.kind === "photo") {
        return save(item, { discarded: true, removeClientId: crypto.randomUUID(), state: "pending", message: "" })
          .then(function () { drain(); return "withdrawing"; });
      }
      return null;
    });
  }

  window.Outbox = {
    add: add,
    addPhoto: addPhoto,
    items: list,
    on: function (listener) { listeners.push(listener); },
    retry: retry,
    keepMine: keepMine,
    discard: discard,
    drain: drain,
    removeUrl: removeUrl,
    text: text
  };

  // ---------------------------------------------------------------- the outbox page

  var page = document.querySelector("[data-outbox-list]");

  function describe(item) {
    var kind = badge.dataset["kind" + item.kind.charAt(0).toUpperCase() + item.kind.slice(1)] || item.kind;
    return kind + (item.label ? "：" + item.label : "");
  }

  function stateText(item) {
    if (item.state === "sending") return text("msgSending");
    if (item.state === "refused") return text("msgRefused") + " " + item.message;
    if (item.state === "conflict") return text("msgConflict") + " " + text("msgTheirs") + "：" + (item.theirs ? item.theirs.label : "");
    return text("msgPending") + (item.message ? " · " + item.message : "");
  }

  function button(label, action, kind) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button " + (kind || "secondary");
    element.textContent = label;
    element.addEventListener("click", action);
    return element;
  }

  function drawPage() {
    list().then(function (items) {
      page.textContent = "";
      if (!items.length) {
        var empty = document.createElement("li");
        empty.className = "muted";
        empty.textContent = page.dataset.msgEmpty;
        page.appendChild(empty);
        return;
      }
      items.forEach(function (item) {
        var row = document.createElement("li");
        row.className = "outbox-item " + item.state;
        row.dataset.outboxItem = item.state;
        var title = document.createElement("strong");
        title.textContent = describe(item);
        row.appendChild(title);
        var state = document.createElement("small");
        state.textContent = stateText(item);
        state.dataset.outboxState = "";
        row.appendChild(state);
        if (item.kind === "photo" && item.size) {
          var bar = document.createElement("progress");
          bar.max = item.size;
          bar.value = item.offset || 0;
          row.appendChild(bar);
        }
        var actions = document.createElement("p");
        actions.className = "actions";
        if (item.page) {
          var open = document.createElement("a");
          open.href = item.page + (item.key ? "#" + item.key : "");
          open.textContent = page.dataset.msgOpen;
          actions.appendChild(open);
        }
        if (item.state === "refused" || item.state === "failed") {
          actions.appendChild(button(page.dataset.msgRetry, function () { retry(item.seq); }));
        }
        if (item.state === "refused" || item.state === "conflict" || (item.attempts === 0 && item.state !== "sending")) {
          actions.appendChild(button(page.dataset.msgDiscard, function () {
            if (window.confirm(page.dataset.msgDiscardConfirm)) discard(item.seq);
          }, "danger"));
        }
        row.appendChild(actions);
        page.appendChild(row);
      });
    });
  }

  if (page) {
    var drawing = null;
    listeners.push(function () {
      clearTimeout(drawing);
      drawing = setTimeout(drawPage, 100);
    });
    drawPage();
  }

  refreshBadge();
  drain();
})();
