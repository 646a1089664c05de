// magesync admin: small enhancements; every page works without them.
(function () {
  "use strict";
  // With JavaScript, buttons that only stand in for it (.js-hide) go.
  document.documentElement.classList.add("js");
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

  // Page-size selects submit on change; so does an Actions menu, once an
  // action is chosen (as Magento's does).
  Array.prototype.forEach.call(document.querySelectorAll("select.autosubmit"), function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("select.autosubmit-action"), function (s) {
    s.addEventListener("change", function () {
      if (!s.value) return;
      var b = s.form.querySelector("button[type=submit][data-busy]");
      if (s.form.requestSubmit) s.form.requestSubmit(b || undefined); else s.form.submit();
    });
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

  // A sync button shows at once that it is working, and a form is sent once.
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (f) {
    var sent = false;
    f.addEventListener("submit", function (e) {
      var b = e.submitter;
      if (!b || !b.hasAttribute("data-busy")) return;
      if (sent) { e.preventDefault(); return; }
      sent = true;
      b.textContent = b.getAttribute("data-busy");
      b.setAttribute("aria-busy", "true");
      document.body.classList.add("busy");
    });
  });

  // Rows shown as pending update themselves when their sync is done.
  var pending = function () { return Array.prototype.slice.call(document.querySelectorAll("td[data-pending-order]")); };
  var glyphs = { in_sync: "\u2714", pending: "\u23F3", error: "\u2716", not_in_sync: "!" };
  if (pending().length) {
    var tries = 0;
    var check = function () {
      var cells = pending();
      if (!cells.length || ++tries > 150) return;
      var ids = cells.map(function (c) { return c.getAttribute("data-pending-order"); });
      fetch("/admin/sales/order/marks?ids=" + ids.join(","), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (marks) {
        cells.forEach(function (cell) {
          var m = marks[cell.getAttribute("data-pending-order")];
          if (!m || m.state === "pending") return;
          var badge = cell.querySelector(".sync");
          badge.className = "sync sync-" + m.state;
          badge.title = m.title || "";
          badge.querySelector(".sync-icon").textContent = glyphs[m.state] || "";
          badge.querySelector(".sync-label").textContent = m.label;
          var hidden = badge.querySelector(".visually-hidden");
          if (hidden) hidden.textContent = m.title ? ": " + m.title : "";
          cell.removeAttribute("data-pending-order");
          var sf = cell.nextElementSibling;
          if (sf && m.sfId && !sf.querySelector("a")) {
            var a = document.createElement("a");
            a.className = "sf-link"; a.target = "_blank"; a.rel = "noopener noreferrer";
            a.href = m.sfUrl || "#"; a.textContent = m.sfId;
            sf.appendChild(a);
          }
        });
        setTimeout(check, 2000);
      }).catch(function () { setTimeout(check, 5000); });
    };
    setTimeout(check, 2000);
  }

  // Row menus: one open at a time; Escape or a click elsewhere closes them.
  var menus = function () { return Array.prototype.slice.call(document.querySelectorAll("details.row-actions[open]")); };
  Array.prototype.forEach.call(document.querySelectorAll("details.row-actions"), function (d) {
    d.addEventListener("toggle", function () {
      if (d.open) menus().forEach(function (o) { if (o !== d) o.open = false; });
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    menus().forEach(function (d) { d.open = false; d.querySelector("summary").focus(); });
  });
  document.addEventListener("click", function (e) {
    menus().forEach(function (d) { if (!d.contains(e.target)) d.open = false; });
  });

  // Cancel closes the filter panel and forgets what was typed in it.
  Array.prototype.forEach.call(document.querySelectorAll("a.filter-cancel"), function (a) {
    a.addEventListener("click", function (e) {
      var panel = a.closest("details"), form = a.closest("form");
      if (!panel || !form) return;
      e.preventDefault();
      form.reset();
      panel.open = false;
    });
  });

  // Live queue progress.
  var box = document.getElementById("progress");
  if (box) {
    var bar = document.getElementById("progress-bar"), text = document.getElementById("progress-text");
    var poll = function () {
      fetch(box.getAttribute("data-url"), { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
        box.hidden = !p.running;
        bar.max = Math.max(p.total, 1); bar.value = p.done;
        text.textContent = (p.about ? "about " : "") + p.done + " of " + p.total + " done (" + p.counts + ")";
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
