/* Getting around the checklist. Without this script the "next unanswered" links lead
   to the first item unanswered when the page was made, and the jump list is plain
   anchors. With it, "next unanswered" goes to the next required item not answered
   below the one at the top of the screen (counting answers given since the page
   loaded, and those shown while they wait to be sent), back to the first when none
   is below; and the jump list's counts are brought up to date when it is opened. */
(function () {
  "use strict";

  var root = document.getElementById("checklist");
  if (!root) return;

  function answered(card) {
    var form = card.querySelector("[data-answer-form]");
    if (form && form.elements.revision && form.elements.revision.value !== "0") return true;
    return !!card.dataset.outcome || !!card.querySelector('button[name=value][aria-pressed="true"]');
  }

  function unanswered() {
    return Array.prototype.filter.call(root.querySelectorAll("[data-entry]"), function (card) {
      // Re-checks of earlier hazards are optional except on a re-inspection.
      return !card.hasAttribute("data-optional") && !answered(card);
    });
  }

  function next() {
    var open = unanswered();
    if (!open.length) return null;
    // A card just jumped to sits at its scroll margin (under the sticky top bar):
    // "next" is the first one below it.
    var margin = parseFloat(getComputedStyle(open[0]).scrollMarginTop) || 0;
    for (var i = 0; i < open.length; i += 1) {
      if (open[i].getBoundingClientRect().top > margin + 8) return open[i];
    }
    return open[0];
  }

  document.querySelectorAll("[data-next-unanswered]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var card = next();
      if (!card) {
        document.querySelectorAll("[data-next-unanswered]").forEach(function (other) {
          other.textContent = other.dataset.msgDone;
          other.removeAttribute("href");
        });
        return;
      }
      link.href = "#" + card.id;
      card.scrollIntoView({ block: "start" });
      var first = card.querySelector("button[name=value], [name=typed_value]");
      if (first) first.focus({ preventScroll: true });
    });
  });

  document.querySelectorAll("[data-jump-list]").forEach(function (list) {
    list.addEventListener("toggle", function () {
      if (!list.open) return;
      list.querySelectorAll("[data-section-progress]").forEach(function (label) {
        var section = document.getElementById(label.dataset.sectionProgress);
        if (!section) return;
        var cards = section.querySelectorAll("[data-entry]");
        var done = Array.prototype.filter.call(cards, answered).length;
        label.textContent = done + "/" + cards.length;
      });
    });
  });
})();
