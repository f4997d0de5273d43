// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to the first error summary so screen-reader and keyboard users land on it.
  var summary = document.querySelector(".alert-error[tabindex='-1']");
  if (summary) { summary.focus(); }
  // "Select all" checkbox for bulk confirmation of drafts (hidden when scripts do not run).
  document.querySelectorAll("[data-select-all]").forEach(function (box) {
    var name = box.getAttribute("data-select-all");
    var boxes = box.form ? box.form.querySelectorAll("input[name='" + name + "']") : [];
    box.hidden = false;
    box.checked = Array.prototype.every.call(boxes, function (b) { return b.checked; });
    box.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = box.checked; });
    });
  });
  // Ask before locking a settlement: it pays providers.
  document.querySelectorAll("button[name='action'][value='lock']").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm") || button.textContent)) { event.preventDefault(); }
    });
  });
  // Ask before deleting events or drafts (the form works without it).
  document.querySelectorAll("button[data-confirm-delete]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm-delete"))) { event.preventDefault(); }
    });
  });
}());
