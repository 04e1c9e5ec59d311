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
