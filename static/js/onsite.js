/* The inspector's phone screens: answers, photos, the start (with the phone's time
   and location), the team confirmation, the signature pad and finishing, each kept in
   the outbox (outbox.js) as it is given and sent from there, so that nothing is lost
   without a connection. Every form also works without this script (a plain post and
   redirect). */
(function () {
  "use strict";

  var root = document.getElementById("checklist");
  var text = function (name) { return (root && root.dataset[name]) || ""; };

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

  // ---------------------------------------------------------------- through the outbox
  // Every answer, photo and step (start, confirmation, signature, finish) goes into
  // the outbox (outbox.js) first: shown at once as given, marked as waiting, and
  // shown as saved only when the server has accepted it. Without the outbox (a
  // browser without IndexedDB) the forms are posted as they are, as without script.

  var outbox = window.Outbox;
  var say = function (name, values) { return outbox.text(name, values); };

  function inspectionOf(url) {
    var match = /\/inspections\/(\d+)\//.exec(new URL(url, location.href).pathname);
    return match ? match[1] : "";
  }
  var here = inspectionOf(location.href);

  function fieldsOf(data) {
    var fields = {};
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields[name] = value;
    });
    return fields;
  }

  // What an answer says, whatever revision it is based on.
  function printOf(fields) {
    return Object.keys(fields).filter(function (name) { return name !== "revision"; })
      .map(function (name) { return name + "=" + fields[name]; }).join("&");
  }

  function button(label, action, kind) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "button " + (kind || "secondary");
    element.textContent = label;
    element.addEventListener("click", action);
    return element;
  }

  var forms = {};
  document.querySelectorAll("[data-answer-form]").forEach(function (form) {
    forms[form.elements.key.value] = form;
  });

  function codeOf(card) {
    var code = card.querySelector(".item-code");
    return code ? code.textContent : card.id;
  }

  function labelOf(form, value) {
    var chosen = Array.prototype.find.call(form.querySelectorAll("button[name=value]"), function (b) {
      return b.value === value;
    });
    return chosen ? chosen.textContent : value;
  }

  // The outcome the server will find, to show the answer as given (the fail details
  // of a failed item, the colours); the server's own outcome replaces it.
  function predicted(form, value) {
    if (value === "na") return "na";
    var card = form.closest("[data-entry]");
    if (card.id.charAt(0) === "h") return value;  // a re-check: its answer is its outcome
    var chosen = Array.prototype.find.call(form.querySelectorAll("button[name=value]"), function (b) {
      return b.value === value;
    });
    if (chosen) return chosen.dataset.outcome || (value === "fail" ? "fail" : "pass");
    var typed = form.elements.typed_value;
    if (!typed) return "";
    if (typed.type !== "number") return "info";
    var number = parseFloat(value);
    if (isNaN(number)) return "";
    var min = parseFloat(typed.dataset.min);
    var max = parseFloat(typed.dataset.max);
    return (!isNaN(min) && number < min) || (!isNaN(max) && number > max) ? "fail" : "pass";
  }

  function drawGiven(form, fields) {
    form.closest("[data-entry]").dataset.outcome = predicted(form, fields.value);
    form.querySelectorAll("button[name=value]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.value === fields.value ? "true" : "false");
    });
    ["typed_value", "note", "location", "deadline_days"].forEach(function (name) {
      var field = form.elements[name];
      if (!field || field === document.activeElement) return;
      if (name === "typed_value") { if (fields.value !== "na") field.value = fields.value; return; }
      field.value = fields[name] || "";
    });
    if (form.elements.corrected) form.elements.corrected.checked = fields.corrected === "on";
    form.querySelectorAll("textarea").forEach(function (field) {
      field.dispatchEvent(new Event("input"));
    });
  }

  function clearChoice(form) {
    var choice = form.querySelector("[data-conflict-choice]");
    if (choice) choice.remove();
  }

  function drawAnswerState(form, item) {
    clearChoice(form);
    if (item.state === "conflict") {
      var theirs = item.theirs || {};
      setState(form, item.message + " " + say("msgYours") + "：" + labelOf(form, item.fields.value) +
        (item.fields.note ? "（" + item.fields.note + "）" : "") + " · " + say("msgTheirs") + "：" +
        theirs.label + (theirs.note ? "（" + theirs.note + "）" : "") +
        (theirs.by ? " · " + theirs.by + " " + theirs.at : ""), "conflict");
      var choice = document.createElement("p");
      choice.className = "conflict-choice";
      choice.dataset.conflictChoice = "";
      choice.appendChild(button(say("msgKeepMine"), function () { outbox.keepMine(item.seq); }));
      choice.appendChild(button(say("msgTakeTheirs"), function () { outbox.discard(item.seq); }));
      form.querySelector("[data-state]").after(choice);
    } else if (item.state === "refused") {
      setState(form, say("msgRefused") + " " + item.message, "error");
    } else if (item.state === "sending") {
      setState(form, say("msgSending"), "saving");
    } else {
      setState(form, say("msgPending") + (item.message ? " · " + item.message : ""), "pending");
    }
  }

  // The latest answer given to an item and not yet accepted is what its card shows.
  function refreshCard(key) {
    var form = forms[key];
    if (!form) return Promise.resolve(false);
    return outbox.items().then(function (items) {
      var given = items.filter(function (item) {
        return item.kind === "answer" && item.inspection === here && item.key === key;
      });
      var latest = given[given.length - 1];
      if (!latest) return false;
      if (latest.state === "conflict" && latest.theirs) {
        // The server's answer is what the page shows (as its message says), with its
        // revision: what is given next goes on top of it.
        show(form, latest.theirs);
        form.dataset.given = "";
      } else {
        drawGiven(form, latest.fields);
        form.dataset.given = printOf(latest.fields);
      }
      drawAnswerState(form, latest);
      return true;
    });
  }

  function give(form, value) {
    var fields = fieldsOf(payload(form, value));
    var print = printOf(fields);
    if (print === form.dataset.given) return;  // e.g. a number typed, then Save tapped
    form.dataset.given = print;
    drawGiven(form, fields);
    clearChoice(form);
    setState(form, say("msgPending"), "pending");
    var card = form.closest("[data-entry]");
    outbox.add({
      kind: "answer", inspection: here, key: fields.key, url: form.action, fields: fields,
      label: codeOf(card) + " " + labelOf(form, value)
    });
  }

  function onAnswer(type, item, extra) {
    var form = forms[item.key];
    if (!form) return;
    if (type === "accepted") {
      clearChoice(form);
      show(form, extra.answer);
      setState(form, text("msgSaved") + " · " + extra.answer.by + " " + extra.answer.at, "saved");
      refreshCard(item.key);  // an answer given meanwhile is still waiting
      return;
    }
    refreshCard(item.key).then(function (shown) {
      if (shown || type !== "removed") return;
      clearChoice(form);
      if (item.theirs) {  // the inspector took the other answer
        show(form, item.theirs);
        form.dataset.given = "";
        setState(form, text("msgSaved") + " · " + item.theirs.by + " " + item.theirs.at, "saved");
      } else {
        setState(form, "", "");
      }
    });
  }

  if (outbox) {
    document.querySelectorAll("[data-answer-form]").forEach(function (form) {
      if (form.elements.revision.value !== "0") {
        form.dataset.given = printOf(fieldsOf(payload(form, currentValue(form, null))));
      }
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var value = currentValue(form, event.submitter);
        if (value) give(form, value);
      });
      // Notes, location, deadline and "corrected" are given as soon as they change.
      form.addEventListener("change", function (event) {
        if (event.target.name === "typed_value") {
          if (event.target.value) give(form, event.target.value);
          return;
        }
        if (form.elements.revision.value === "0" && !form.dataset.given) return;
        var value = currentValue(form, null);
        if (value) give(form, value);
      });
    });
  }

  // ---------------------------------------------------------------- photos

  var previews = {};

  function photoState(card, message, kind) {
    var state = card.querySelector("[data-photo-state]");
    if (state) { state.textContent = message; state.className = "photo-state " + (kind || ""); }
  }

  function removable(card) {
    return !!card.querySelector("[data-photo-form]");
  }

  function askRemoval(box, card) {
    if (!window.confirm(say("msgRemoveConfirm"))) return;
    var photo = box.dataset.photoId;
    outbox.add({
      kind: "remove", inspection: here, key: card.id, url: outbox.removeUrl(photo), fields: {},
      photo: photo, label: codeOf(card)
    });
  }

  // A photo the server has: its thumbnail, and a way to remove it while under way.
  function serverThumb(card, link, photo) {
    var box = document.createElement("span");
    box.className = "thumb-box";
    box.dataset.photoId = photo;
    link.replaceWith(box);
    box.appendChild(link);
    if (removable(card)) {
      var remove = button(say("msgRemove"), function () { askRemoval(box, card); }, "secondary thumb-remove");
      box.appendChild(remove);
    }
    return box;
  }

  function drawRemoval(item) {
    var box = document.querySelector('.thumb-box[data-photo-id="' + item.photo + '"]');
    if (!box) return;
    box.classList.add("removing");
    var mark = box.querySelector(".pending-mark") || document.createElement("small");
    mark.className = "pending-mark";
    mark.textContent = item.state === "refused" ? say("msgRefused") + " " + item.message : say("msgPending");
    box.appendChild(mark);
  }

  function drawPhoto(item) {
    var card = document.getElementById(item.key);
    if (!card || !card.querySelector("[data-photos]")) return;
    var box = previews[item.seq];
    if (!box) {
      if (!item.blob) return;  // told by another tab: drawn there
      box = document.createElement("span");
      box.className = "thumb-box pending";
      box.dataset.photoItem = item.seq;
      var img = document.createElement("img");
      img.src = URL.createObjectURL(item.blob);
      img.width = 80; img.height = 80; img.alt = "";
      img.className = "thumb-local";
      var bar = document.createElement("progress");
      bar.max = item.size;
      var mark = document.createElement("small");
      mark.className = "pending-mark";
      box.appendChild(img);
      box.appendChild(bar);
      box.appendChild(mark);
      box.appendChild(button(say("msgRemove"), function () {
        if (window.confirm(say("msgRemoveConfirm"))) outbox.discard(item.seq);
      }, "secondary thumb-remove"));
      card.querySelector("[data-photos]").appendChild(box);
      previews[item.seq] = box;
    }
    box.querySelector("progress").value = item.offset || 0;
    var percent = item.size ? Math.floor(100 * (item.offset || 0) / item.size) : 0;
    var words = item.state === "refused" ? say("msgRefused") + " " + item.message
      : item.state === "sending" ? say("msgSending") + " " + percent + "%"
        : say("msgPending") + (item.offset ? " " + percent + "%" : "") + (item.message ? " · " + item.message : "");
    box.querySelector(".pending-mark").textContent = words;
    box.classList.toggle("refused", item.state === "refused");
  }

  function onPhoto(type, item, extra) {
    var box = previews[item.seq];
    if (type === "accepted") {
      var card = document.getElementById(item.key);
      if (box && card) {
        var link = document.createElement("a");
        link.href = extra.photo.preview;
        link.className = "thumb" + (item.purpose === "after" ? " after" : "");
        var img = document.createElement("img");
        img.src = extra.photo.thumb; img.width = 80; img.height = 80; img.alt = "";
        link.appendChild(img);
        URL.revokeObjectURL(box.querySelector("img").src);
        box.replaceWith(link);
        serverThumb(card, link, extra.photo.id);
        photoState(card, text(extra.photo.camera_time_doubtful ? "msgPhotoTimeDoubtful" : "msgPhotoSaved"), "saved");
      }
      delete previews[item.seq];
      return;
    }
    if (type === "removed") {
      if (box) { URL.revokeObjectURL(box.querySelector("img").src); box.remove(); }
      delete previews[item.seq];
      return;
    }
    drawPhoto(item);
  }

  function onRemoval(type, item) {
    var box = document.querySelector('.thumb-box[data-photo-id="' + item.photo + '"]');
    if (!box) return;
    if (type === "accepted") {
      var card = box.closest("[data-entry]");
      box.remove();
      if (card) photoState(card, say("msgPhotoRemoved"), "saved");
    } else if (type === "removed") {
      box.classList.remove("removing");
      var mark = box.querySelector(".pending-mark");
      if (mark) mark.remove();
    } else {
      drawRemoval(item);
    }
  }

  document.querySelectorAll("[data-photo-form]").forEach(function (form) {
    var card = form.closest("[data-entry]");
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (!input.files.length) return;
        if (!outbox) { form.submit(); return; }
        var file = input.files[0];
        input.value = "";
        outbox.addPhoto({
          inspection: here, key: form.elements.key.value, purpose: form.elements.purpose.value,
          url: form.dataset.uploadUrl, label: codeOf(card) + " " + (file.name || "")
        }, file);
      });
    });
  });

  if (outbox) {
    document.querySelectorAll("[data-entry]").forEach(function (card) {
      card.querySelectorAll("[data-photos] a.thumb").forEach(function (link) {
        var match = /\/photos\/(\d+)\//.exec(link.getAttribute("href"));
        if (match) serverThumb(card, link, match[1]);
      });
    });
  }

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

  // ---------------------------------------------------------------- start, confirm, sign, finish
  // Taken on the phone, even offline, but they take effect only when the server
  // accepts them: until then the page says so, and shows nothing as done.

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // The phone's clock, with its offset, when the inspector tapped start.
  function localIso(date) {
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + "T" +
      two(date.getHours()) + ":" + two(date.getMinutes()) + ":" + two(date.getSeconds()) +
      sign + two(Math.floor(offset / 60)) + ":" + two(offset % 60);
  }

  var steps = {};

  function drawStep(form, item) {
    var note = form.nextElementSibling && form.nextElementSibling.hasAttribute("data-outbox-note")
      ? form.nextElementSibling : null;
    if (!note) {
      note = document.createElement("p");
      note.dataset.outboxNote = "";
      note.setAttribute("aria-live", "polite");
      form.after(note);
    }
    var refused = item.state === "refused";
    note.className = "outbox-note " + (refused ? "error" : "pending");
    note.textContent = refused ? say("msgRefused") + " " + item.message
      : (item.state === "sending" ? say("msgSending") + " " : "") + say("msgNotYet") +
        (item.message ? " " + item.message : "");
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = !refused; });
    if (item.kind === "start" && !refused && form.dataset.next) {
      var open = document.createElement("a");
      open.href = form.dataset.next;
      open.className = "button secondary";
      open.textContent = say("msgOpenChecklist");
      note.appendChild(document.createTextNode(" "));
      note.appendChild(open);
    }
  }

  // The checklist of an inspection whose start waits in the outbox: answers and photos
  // may be given, queued behind the start (a refused start holds them back).
  function startWaiting(type, item) {
    var note = document.querySelector("[data-start-note]");
    if (type === "accepted" || type === "removed") {
      if (note) note.remove();
      return;
    }
    var frozen = document.querySelectorAll("[data-until-started]");
    if (!note && !frozen.length) return;  // under way on the server already
    var refused = item.state === "refused";
    if (!refused) {
      frozen.forEach(function (element) {
        element.disabled = false;
        element.hidden = false;
        element.removeAttribute("data-until-started");
      });
    }
    if (!note) {
      note = document.createElement("p");
      note.dataset.startNote = "";
      note.setAttribute("aria-live", "polite");
      var line = document.querySelector("[data-offline-status]");
      if (line) line.after(note); else root.prepend(note);
    }
    note.className = "outbox-note " + (refused ? "error" : "pending");
    note.textContent = say("kindStart") + "：" + (refused ? say("msgRefused") + " " + item.message : say("msgNotYet"));
  }

  function onStep(type, item) {
    var form = steps[item.kind];
    if (!form && item.kind === "start" && root) startWaiting(type, item);
    if (!form) return;
    if (type === "accepted") {
      if (form.dataset.next) location.assign(form.dataset.next);
      else location.reload();
      return;
    }
    if (type === "removed") {
      var note = form.parentNode.querySelector("[data-outbox-note]");
      if (note) note.remove();
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
      return;
    }
    drawStep(form, item);
  }

  if (outbox) {
    document.querySelectorAll("form[data-outbox]").forEach(function (form) {
      steps[form.dataset.outbox] = form;
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) return;
        event.preventDefault();
        var fields = fieldsOf(new FormData(form));
        if (form.dataset.outbox === "start") fields.captured_at = localIso(new Date());
        var item = { kind: form.dataset.outbox, inspection: here, url: form.action, fields: fields, label: document.title, state: "pending", message: "" };
        drawStep(form, item);
        outbox.add(item);
      });
    });

    outbox.on(function (type, item, extra) {
      if (item.inspection !== here) return;
      if (item.kind === "answer") onAnswer(type, item, extra);
      else if (item.kind === "photo") onPhoto(type, item, extra);
      else if (item.kind === "remove") onRemoval(type, item);
      else onStep(type, item);
    });

    // What waits in the outbox is drawn on the page again after a reload, a
    // navigation or a restart.
    outbox.items().then(function (items) {
      var keys = {};
      items.forEach(function (item) {
        if (item.inspection !== here) return;
        if (item.kind === "answer") keys[item.key] = true;
        else if (item.kind === "photo") drawPhoto(item);
        else if (item.kind === "remove") drawRemoval(item);
        else if (steps[item.kind]) drawStep(steps[item.kind], item);
        else if (item.kind === "start" && root) startWaiting("changed", item);
      });
      Object.keys(keys).forEach(refreshCard);
    });
  }
})();
