// magesync admin: small enhancements; every page works without them.
(function () {
  "use strict";
  // Select all on this page; count what is selected.
  var page = document.getElementById("select-page");
  var boxes = function () { return Array.prototype.slice.call(document.querySelectorAll('input[name="ids"]')); };
  var all = document.getElementById("select-all-matching");
  var counter = document.querySelector(".selected-count");
  function count() {
    if (!counter) return;
    var n = boxes().filter(function (b) { return b.checked; }).length;
    var total = counter.getAttribute("data-total");
    if (all && all.checked) counter.textContent = "(" + total + " selected)";
    else counter.textContent = n ? "(" + n + " selected on this page)" : "";
  }
  if (page) page.addEventListener("change", function () { boxes().forEach(function (b) { b.checked = page.checked; }); count(); });
  boxes().forEach(function (b) { b.addEventListener("change", count); });
  if (all) all.addEventListener("change", count);

  // Page-size selects submit on change.
  Array.prototype.forEach.call(document.querySelectorAll("select.autosubmit"), function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // "Use system value" disables its input.
  Array.prototype.forEach.call(document.querySelectorAll(".use-system input"), function (c) {
    var field = c.closest(".field");
    var input = field && field.querySelector("select, textarea, input:not([type=checkbox]):not([type=hidden])");
    if (!input) return;
    c.addEventListener("change", function () { input.disabled = c.checked; });
  });

  // A dependent field shows only while its parent has the value it
  // depends on, switched at once; without JavaScript all show, each saying
  // what it depends on.
  Array.prototype.forEach.call(document.querySelectorAll("[data-depends-on]"), function (field) {
    var parent = document.getElementById(field.getAttribute("data-depends-on"));
    if (!parent) return;
    var sync = function () { field.hidden = parent.value !== field.getAttribute("data-shown-when"); };
    parent.addEventListener("change", sync);
    sync();
  });

  // Live queue progress.
  var box = document.getElementById("progress");
  if (box) {
    var bar = document.getElementById("progress-bar"), text = document.getElementById("progress-text");
    var poll = function () {
      fetch(box.getAttribute("data-url"), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
        box.hidden = !p.running;
        bar.max = Math.max(p.total, 1); bar.value = p.done;
        text.textContent = p.done + " of " + p.total + " done (" + p.counts + ")";
        setTimeout(poll, p.running ? 1000 : 3000);
      }).catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 1000);
  }

  // Keyboard: "/" focuses search, "?" lists shortcuts.
  document.addEventListener("keydown", function (e) {
    var t = e.target.tagName;
    if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT") return;
    if (e.key === "/") { var s = document.getElementById("search"); if (s) { e.preventDefault(); s.focus(); } }
    if (e.key === "?") { alert("Shortcuts:\n/  search orders\n?  this list"); }
  });
})();
