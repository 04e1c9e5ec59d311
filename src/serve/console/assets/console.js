// tenantctl console: small enhancements only; every page works without this file.
"use strict";
(function () {
  // Times in the reader's own time zone: <time datetime="RFC 3339">UTC text</time>.
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d.getTime())) return;
      t.title = t.textContent.trim();
      t.textContent = d.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric",
        hour: "2-digit", minute: "2-digit"
      });
    });
  }
  // Forms marked data-confirm ask once more before they are sent.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var q = f.getAttribute && f.getAttribute("data-confirm");
    if (q && !window.confirm(q)) e.preventDefault();
  });
  // "Select all" checkboxes: <input type=checkbox data-select-all="name">.
  document.addEventListener("change", function (e) {
    var name = e.target.getAttribute && e.target.getAttribute("data-select-all");
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (c) {
      c.checked = e.target.checked;
    });
  });
  window.tenantctl = { localTimes: localTimes };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { localTimes(document); });
  } else {
    localTimes(document);
  }
})();
// The setup wizard: whether the address typed is free, as it is typed (the form's own answer
// says it without this), and only the chosen kind of address shown.
(function () {
  var form = document.getElementById("wizard");
  if (!form) return;
  var out = document.getElementById("availability");
  var timer = null, asked = 0;
  function chosen() {
    var r = form.querySelector('input[name="address_kind"]:checked');
    return r ? r.value : "domain";
  }
  function showKind() {
    var kind = chosen();
    form.querySelectorAll("[data-kind]").forEach(function (el) {
      el.hidden = el.getAttribute("data-kind") !== kind;
    });
  }
  function check() {
    var kind = chosen();
    var input = form.querySelector('[data-available="' + kind + '"]');
    if (!input || !out) return;
    var value = input.value.trim();
    if (!value) { out.textContent = ""; out.className = ""; return; }
    var n = ++asked;
    out.textContent = "Checking " + value + "…";
    out.className = "muted";
    fetch("/console/setup/available?" + kind + "=" + encodeURIComponent(value), {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (r) { return r.json(); }).then(function (a) {
      if (n !== asked) return;
      if (a.available) {
        out.textContent = a.address + " is available";
        out.className = "ok";
        input.removeAttribute("aria-invalid");
      } else {
        out.textContent = (a.address ? a.address + ": " : "") + (a.reason || "not available");
        out.className = "error";
        input.setAttribute("aria-invalid", "true");
      }
    }).catch(function () {
      if (n === asked) { out.textContent = ""; out.className = ""; }
    });
  }
  form.addEventListener("input", function (e) {
    if (!e.target.hasAttribute("data-available")) return;
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
  form.addEventListener("change", function (e) {
    if (e.target.name === "address_kind") { showKind(); check(); }
  });
  showKind();
})();
