/* The inspector's phone screens: answers saved one by one as they are given,
   photos uploaded as they are taken, the start location, the signature pad.
   Every form also works without this script (a plain post and redirect). */
(function () {
  "use strict";

  var root = document.getElementById("checklist");
  var text = function (name) { return (root && root.dataset[name]) || ""; };
  var pending = new Set();

  function setState(form, message, kind) {
    var state = form.querySelector("[data-state]");
    if (state) { state.textContent = message; state.className = "save-state " + (kind || ""); }
  }

  function updateProgress() {
    if (!root) return;
    var total = 0;
    document.querySelectorAll("[data-part]").forEach(function (part) {
      var done = 0, count = 0;
      part.querySelectorAll("[data-answer-form]").forEach(function (form) {
        count += 1;
        if (form.elements.revision.value === "0") return;
        done += 1;
        // Re-checks of earlier hazards are optional except on a re-inspection.
        if (!form.closest("[data-optional]")) total += 1;
      });
      var label = document.querySelector('[data-part-progress="' + part.dataset.part + '"]');
      if (label) label.textContent = done + "/" + count;
    });
    var progress = document.querySelector("[data-progress]");
    if (progress) progress.textContent = total;
    var bar = document.querySelector("[data-progress-bar]");
    if (bar) bar.value = total;
  }

  function show(form, answer) {
    form.elements.revision.value = answer.revision;
    var card = form.closest("[data-entry]");
    card.dataset.outcome = answer.outcome || "";
    form.querySelectorAll("button[name=value]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.value === answer.value ? "true" : "false");
    });
    if (form.elements.typed_value && answer.value !== "na") form.elements.typed_value.value = answer.value;
    if (form.elements.note) form.elements.note.value = answer.note;
    if (form.elements.location) form.elements.location.value = answer.location;
    if (form.elements.deadline_days) form.elements.deadline_days.value = answer.deadline_days === null ? "" : answer.deadline_days;
    if (form.elements.corrected) form.elements.corrected.checked = answer.corrected;
    // The character counters (counter.js) follow what was filled in.
    form.querySelectorAll("textarea").forEach(function (field) {
      field.dispatchEvent(new Event("input"));
    });
    updateProgress();
  }

  function currentValue(form, submitter) {
    if (submitter && submitter.name === "value") return submitter.value;
    if (form.elements.typed_value && (!submitter || submitter.hasAttribute("data-save") || submitter.name !== "value")) {
      if (submitter || form.elements.typed_value.value) return form.elements.typed_value.value;
    }
    var pressed = form.querySelector("button[name=value][aria-pressed=true]");
    return pressed ? pressed.value : "";
  }

  function payload(form, value) {
    var data = new FormData(form);
    data.delete("value");
    data.set("value", value);
    return data;
  }

  // What an answer says, whatever revision it is based on.
  function fingerprint(data) {
    var parts = [];
    data.forEach(function (v, k) {
      if (k !== "revision" && k !== "csrfmiddlewaretoken") parts.push(k + "=" + v);
    });
    return parts.join("&");
  }

  // One save at a time per card. A second post sent before the first is back would
  // carry the old revision and be refused as a conflict with oneself (typing a
  // number then tapping Save fires both "change" and "submit"; so does a note typed
  // while the answer is on its way). The latest answer goes once the first is back,
  // unless it is what was just saved, or someone else's answer came back instead.
  var saving = new WeakMap();

  function save(form, value) {
    form.dataset.value = value;
    var current = saving.get(form);
    if (current) { current.again = true; return current.done; }
    var data = payload(form, value);
    var sent = fingerprint(data);
    var job = { again: false, saved: null, retry: true };
    setState(form, text("msgSaving"), "saving");
    job.done = fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if ((response.headers.get("Content-Type") || "").indexOf("application/json") < 0) {
        // A server error or an expired log-in: retrying will not help, reloading may.
        pending.delete(form);
        job.retry = false;
        setState(form, text("msgFailed") + " (HTTP " + response.status + ")", "error");
        return;
      }
      return response.json().then(function (body) {
        pending.delete(form);
        if (body.ok) {
          show(form, body.answer);
          job.saved = sent;
          setState(form, text("msgSaved") + " · " + body.answer.by + " " + body.answer.at, "saved");
        } else if (body.conflict) {
          show(form, body.answer);
          job.retry = false;
          setState(form, body.message + " " + text("msgTheirs") + "：" + body.answer.label +
            (body.answer.note ? "（" + body.answer.note + "）" : ""), "conflict");
        } else {
          setState(form, text("msgFailed") + " " + body.message, "error");
        }
      });
    }).catch(function () {
      pending.add(form);
      job.retry = false;  // the retry sends the latest answer
      setState(form, text("msgOffline"), "error");
    }).then(function () {
      saving.delete(form);
      if (job.again && job.retry &&
          fingerprint(payload(form, form.dataset.value)) !== job.saved) {
        return save(form, form.dataset.value);
      }
    });
    saving.set(form, job);
    return job.done;
  }

  document.querySelectorAll("[data-answer-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = currentValue(form, event.submitter);
      if (value) save(form, value);
    });
    // Notes, location, deadline and "corrected" are saved as soon as they change.
    form.addEventListener("change", function (event) {
      if (event.target.name === "typed_value") { save(form, event.target.value); return; }
      if (form.elements.revision.value === "0") return;
      var value = currentValue(form, null);
      if (value) save(form, value);
    });
  });

  function retry() {
    pending.forEach(function (form) { save(form, form.dataset.value); });
  }
  window.addEventListener("online", retry);
  setInterval(function () { if (pending.size && navigator.onLine !== false) retry(); }, 10000);

  document.querySelectorAll("[data-photo-form]").forEach(function (form) {
    var state = form.querySelector("[data-photo-state]");
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (!input.files.length) return;
        var data = new FormData();
        data.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
        data.set("key", form.elements.key.value);
        data.set("purpose", form.elements.purpose.value);
        data.set("photo", input.files[0]);
        state.textContent = text("msgUploading");
        state.className = "photo-state saving";
        fetch(form.action, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (response) { return response.json(); }).then(function (body) {
          input.value = "";
          if (!body.ok) { state.textContent = body.message; state.className = "photo-state error"; return; }
          var link = document.createElement("a");
          link.href = body.preview;
          link.className = "thumb" + (body.purpose === "after" ? " after" : "");
          var img = document.createElement("img");
          img.src = body.thumbnail; img.width = 80; img.height = 80; img.alt = "";
          link.appendChild(img);
          form.closest("[data-entry]").querySelector("[data-photos]").appendChild(link);
          state.textContent = text(body.camera_time_doubtful ? "msgPhotoTimeDoubtful" : "msgPhotoSaved");
          state.className = "photo-state saved";
        }).catch(function () {
          state.textContent = text("msgOffline");
          state.className = "photo-state error";
        });
      });
    });
  });

  // Start on site: the location only if the inspector ticks the box and the phone agrees.
  document.querySelectorAll("[data-geolocate]").forEach(function (form) {
    var box = form.querySelector("[data-share-location]");
    var status = form.querySelector("[data-location-status]");
    if (!box) return;
    box.addEventListener("change", function () {
      if (!box.checked || !navigator.geolocation) return;
      status.textContent = "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        form.elements.latitude.value = position.coords.latitude.toFixed(6);
        form.elements.longitude.value = position.coords.longitude.toFixed(6);
        form.elements.accuracy.value = Math.round(position.coords.accuracy);
        status.textContent = form.elements.latitude.value + ", " + form.elements.longitude.value +
          " ±" + form.elements.accuracy.value + " m";
      }, function (error) {
        box.checked = false;
        status.textContent = error.message;
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  });

  // Signature pad: finger or mouse; the drawing goes with the form as a PNG.
  document.querySelectorAll("[data-sign-form]").forEach(function (form) {
    var canvas = form.querySelector("[data-signature-pad]");
    var context = canvas.getContext("2d");
    var drawn = false, drawing = false;
    context.lineWidth = 4; context.lineCap = "round"; context.strokeStyle = "#111";
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width,
              (event.clientY - box.top) * canvas.height / box.height];
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true; drawn = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event); context.beginPath(); context.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      var p = point(event); context.lineTo(p[0], p[1]); context.stroke();
    });
    canvas.addEventListener("pointerup", function () { drawing = false; });
    form.querySelector("[data-signature-clear]").addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height); drawn = false;
    });
    form.addEventListener("submit", function () {
      form.elements.drawn.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });
})();
