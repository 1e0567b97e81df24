/* Studio editor: live preview and "add a reference". Plain JavaScript, no build step.
 *
 * Without JavaScript the editor still works: the Preview button posts the form
 * to the preview URL, which shows the editor again with the preview filled in.
 */
(function () {
  "use strict";

  var form = document.getElementById("article-form");
  if (!form) return;

  var pane = document.querySelector("[data-live-preview]");
  var state = document.querySelector("[data-preview-state]");
  var previewUrl = form.getAttribute("data-preview-url");
  var DELAY_MS = 500;
  var timer = null;
  var latest = 0;
  // The request in flight, cancelled when newer text is sent (the server stops caring too).
  var inFlight = null;

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setState(text) {
    if (state) state.textContent = text;
  }

  function refresh() {
    if (!pane || !previewUrl) return;
    var ticket = ++latest;
    if (inFlight) inFlight.abort();
    inFlight = typeof AbortController === "function" ? new AbortController() : null;
    setState("Updating…");
    fetch(previewUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Studio-Preview": "1" },
      signal: inFlight ? inFlight.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        // A slower, older request must not overwrite a newer preview.
        if (ticket !== latest) return;
        // The fragment is built by the server from sanitised renderer output.
        pane.innerHTML = html;
        pane.setAttribute("data-updated", String(ticket));
        setState("Preview up to date");
      })
      .catch(function (error) {
        // An aborted request was replaced by a newer one, which reports for itself.
        if (ticket !== latest || (error && error.name === "AbortError")) return;
        setState("Preview could not be updated (" + error.message + "). Your text is safe; save or press Preview.");
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    setState("Changes not yet previewed");
    timer = window.setTimeout(refresh, DELAY_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  var audience = document.querySelector("[data-preview-audience]");
  if (audience) audience.addEventListener("change", refresh);

  // With JavaScript on, the Preview button refreshes the pane in place instead of reloading.
  var previewButton = form.querySelector("[data-preview-button]");
  if (previewButton) {
    previewButton.addEventListener("click", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      refresh();
      if (pane) pane.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  }

  // "Add a reference": copy the empty row and give it the next formset index.
  var addButton = form.querySelector("[data-add-reference]");
  var template = document.getElementById("reference-template");
  var list = form.querySelector("[data-reference-list]");
  var total = form.querySelector("input[name=references-TOTAL_FORMS]");
  var noJsHelp = form.querySelector("[data-no-js-help]");
  if (addButton && template && list && total) {
    addButton.hidden = false;
    if (noJsHelp) noJsHelp.hidden = true;
    addButton.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      var label = row.querySelector(".reference-number");
      if (label) label.textContent = "Reference " + (index + 1);
      list.appendChild(row);
      total.value = String(index + 1);
      var key = row.querySelector("input[name$='-key']");
      if (key) key.focus();
    });
  }
})();
