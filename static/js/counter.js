/* "n / max" under every textarea with a maxlength, and under any field marked
   data-counter: the limits of registry/limits.py, shown while typing. Characters
   are counted as the server counts them (a rare character outside the BMP once,
   a line break once). Loaded by base.html on every page. */
(function () {
  "use strict";

  function count(value) {
    return Array.from(value).length;
  }

  function attach(field) {
    var max = parseInt(field.getAttribute("maxlength"), 10);
    if (!max || field.dataset.counterAttached) return;
    field.dataset.counterAttached = "1";
    var counter = document.createElement("small");
    counter.className = "char-counter";
    counter.id = (field.id || field.name || "field") + "-counter";
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    field.insertAdjacentElement("afterend", counter);
    function update() {
      var n = count(field.value);
      counter.textContent = n + " / " + max;
      counter.classList.toggle("near", n >= max * 0.9);
    }
    field.addEventListener("input", update);
    update();
  }

  function attachAll() {
    document.querySelectorAll("textarea[maxlength], [data-counter][maxlength]").forEach(attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", attachAll);
  } else {
    attachAll();
  }
})();
