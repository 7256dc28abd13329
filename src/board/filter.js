// git spec board: the filters. Reads the cards' data-* attributes (escaped
// repository data, never code) and hides the cards that do not match;
// without this script every card shows.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var text = document.getElementById("f-text");
  var tag = document.getElementById("f-tag");
  var owner = document.getElementById("f-owner");
  var priority = document.getElementById("f-priority");
  var shown = document.getElementById("shown");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var columns = Array.prototype.slice.call(document.querySelectorAll(".column"));

  function apply() {
    var words = text.value.toLowerCase().split(/\s+/).filter(Boolean);
    var visible = 0;
    cards.forEach(function (card) {
      var haystack = card.getAttribute("data-text");
      var tags = card.getAttribute("data-tags").split("\n");
      var ok = words.every(function (w) { return haystack.indexOf(w) !== -1; }) &&
        (tag.value === "" || tags.indexOf(tag.value) !== -1) &&
        (owner.value === "" || card.getAttribute("data-owner") === owner.value) &&
        (priority.value === "" || card.getAttribute("data-priority") === priority.value);
      card.hidden = !ok;
      if (ok) { visible += 1; }
    });
    columns.forEach(function (column) {
      var all = column.querySelectorAll(".card").length;
      var here = column.querySelectorAll(".card:not([hidden])").length;
      column.querySelector(".count .n").textContent = here === all ? String(all) : here + " of " + all;
    });
    shown.textContent = visible === cards.length
      ? cards.length + (cards.length === 1 ? " spec" : " specs")
      : visible + " of " + cards.length + " specs shown";
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  // A reset clears the controls after its event: apply once they are clear.
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  apply();
}());
