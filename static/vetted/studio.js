/* Studio editor: live preview, "add a reference" and "add reference by PMID or DOI". Plain JavaScript, no build step.
 *
 * Without JavaScript the editor still works: the Preview button posts the form
 * to the preview URL, which shows the editor again with the preview filled in.
 */
(function () {
  "use strict";

  var form = document.getElementById("article-form");
  if (!form) return;

  // Translations from Django's JavaScript catalogue (/jsi18n/, loaded first);
  // without it the English text is shown.
  var gettext = window.gettext || function (text) { return text; };
  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, name) { return String(values[name]); });
  }

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
    setState(gettext("Updating…"));
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
        setState(gettext("Preview up to date"));
      })
      .catch(function (error) {
        // An aborted request was replaced by a newer one, which reports for itself.
        if (ticket !== latest || (error && error.name === "AbortError")) return;
        setState(format(gettext("Preview could not be updated (%(error)s). Your text is safe; save or press Preview."), { error: error.message }));
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    setState(gettext("Changes not yet previewed"));
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

  function addReferenceRow() {
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    var label = row.querySelector(".reference-number");
    if (label) label.textContent = format(gettext("Reference %(number)s"), { number: index + 1 });
    list.appendChild(row);
    total.value = String(index + 1);
    return row;
  }

  if (addButton && template && list && total) {
    addButton.hidden = false;
    if (noJsHelp) noJsHelp.hidden = true;
    addButton.addEventListener("click", function () {
      var key = addReferenceRow().querySelector("input[name$='-key']");
      if (key) key.focus();
    });
  }

  // "Add reference by PMID or DOI": a dialog that asks the server to look the
  // identifier up (articles/identifiers.py, through studio:reference_lookup) and
  // fills a new reference row with the answer, for the author to check and save.
  // Without JavaScript the buttons are links to the separate add-by-identifier page.
  var dialog = document.querySelector("[data-reference-lookup]");
  var openers = document.querySelectorAll("[data-reference-lookup-open]");
  if (dialog && openers.length && typeof dialog.showModal === "function" && template && list && total) {
    var lookupForm = dialog.querySelector("[data-reference-lookup-form]");
    var identifierInput = lookupForm.elements.identifier;
    var keyInput = lookupForm.elements.key;
    var errorBox = dialog.querySelector("[data-reference-lookup-error]");
    var resultBox = dialog.querySelector("[data-reference-lookup-result]");
    var submitButton = dialog.querySelector("[data-reference-lookup-submit]");
    var returnFocus = null;
    var ORIGINS = { cache: gettext("Vetted's reference cache"), pubmed: "PubMed", crossref: "Crossref" };
    var FIELDS = ["key", "kind", "title", "authors", "source", "year", "pmid", "doi", "url"];

    var showError = function (text, input) {
      resultBox.hidden = true;
      errorBox.textContent = text;
      errorBox.hidden = false;
      [identifierInput, keyInput].forEach(function (el) { el.removeAttribute("aria-invalid"); });
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    };
    var clearMessages = function () {
      errorBox.hidden = true;
      errorBox.textContent = "";
      [identifierInput, keyInput].forEach(function (el) { el.removeAttribute("aria-invalid"); });
    };

    openers.forEach(function (opener) {
      opener.addEventListener("click", function (event) {
        event.preventDefault();
        returnFocus = opener;
        clearMessages();
        resultBox.hidden = true;
        dialog.showModal();
        identifierInput.focus();
        identifierInput.select();
      });
    });
    dialog.querySelector("[data-reference-lookup-close]").addEventListener("click", function () {
      dialog.close();
    });
    // A click on the backdrop (outside the dialog's box) closes it, as Escape does.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
    });

    var rowField = function (index, name) {
      return form.elements["references-" + index + "-" + name];
    };
    // The reference rows in the editor (saved or not), except those marked for removal.
    var currentRows = function () {
      var rows = [];
      var count = parseInt(total.value, 10) || 0;
      for (var i = 0; i < count; i++) {
        var remove = rowField(i, "DELETE");
        if (remove && remove.checked) continue;
        var values = {};
        FIELDS.forEach(function (name) {
          var field = rowField(i, name);
          values[name] = field ? String(field.value || "").trim() : "";
        });
        values.index = i;
        rows.push(values);
      }
      return rows;
    };
    var blankRow = function () {
      return currentRows().filter(function (r) {
        return !r.key && !r.title && !r.authors && !r.source && !r.year && !r.pmid && !r.doi && !r.url;
      })[0];
    };

    var fillRow = function (reference) {
      var blank = blankRow();
      var index;
      if (blank) {
        index = blank.index;
      } else {
        addReferenceRow();
        index = (parseInt(total.value, 10) || 1) - 1;
      }
      FIELDS.forEach(function (name) {
        var field = rowField(index, name);
        if (!field) return;
        field.value = reference[name] == null ? "" : String(reference[name]);
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
      var row = rowField(index, "key").closest("[data-reference]");
      row.open = true;
      row.classList.add("reference--looked-up");
      var summary = row.querySelector("summary");
      var note = summary.querySelector("[data-looked-up-summary]") || document.createElement("span");
      note.setAttribute("data-looked-up-summary", "");
      note.textContent = " [@" + reference.key + "] " + reference.title + (reference.year ? " (" + reference.year + ")" : "") + gettext(" — looked up, not saved yet");
      summary.appendChild(note);
      return { row: row, number: index + 1 };
    };

    var showResult = function (reference, origin, filled) {
      errorBox.hidden = true;
      resultBox.replaceChildren();
      var text = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = format(gettext("Filled in reference %(number)s from %(origin)s: "), { number: filled.number, origin: ORIGINS[origin] || origin });
      text.appendChild(strong);
      var code = document.createElement("code");
      code.textContent = "[@" + reference.key + "]";
      text.appendChild(code);
      var who = [reference.authors, reference.year].filter(Boolean).join(", ");
      text.appendChild(document.createTextNode(" “" + reference.title + "”" + (who ? " (" + who + ")" : "") + "."));
      var next = document.createElement("p");
      next.textContent = format(gettext("It is not saved yet: check it under References, then save the article. You can cite it now as [@%(key)s]."), { key: reference.key });
      var show = document.createElement("button");
      show.type = "button";
      show.className = "button button--secondary button--small";
      show.textContent = format(gettext("Show reference %(number)s"), { number: filled.number });
      show.addEventListener("click", function () {
        returnFocus = null;
        dialog.close();
        filled.row.scrollIntoView({ block: "center" });
        var key = filled.row.querySelector("input[name$='-key']");
        if (key) key.focus();
      });
      resultBox.append(text, next, show);
      resultBox.hidden = false;
    };

    lookupForm.addEventListener("submit", function (event) {
      event.preventDefault();
      clearMessages();
      if (!identifierInput.value.trim()) {
        showError(gettext("Type a PMID (digits, e.g. 29596116) or a DOI (e.g. 10.1097/TP.0000000000002191) first."), identifierInput);
        return;
      }
      var body = new FormData(lookupForm);
      currentRows().forEach(function (r) {
        if (!r.key && !r.pmid && !r.doi) return;
        body.append("row_key", r.key);
        body.append("row_pmid", r.pmid);
        body.append("row_doi", r.doi);
      });
      submitButton.disabled = true;
      lookupForm.setAttribute("aria-busy", "true");
      var label = submitButton.textContent;
      submitButton.textContent = gettext("Looking it up…");
      fetch(lookupForm.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () { return {}; })
            .then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
        })
        .then(function (answer) {
          if (!answer.ok || !answer.data.reference) {
            showError(
              answer.data.error ||
                format(gettext("The server could not look it up (HTTP %(status)s). Reload the page and try again, or add the reference by hand."), { status: answer.status }),
              answer.data.field === "key" ? keyInput : identifierInput
            );
            return;
          }
          var filled = fillRow(answer.data.reference);
          showResult(answer.data.reference, answer.data.origin, filled);
          identifierInput.value = "";
          keyInput.value = "";
          identifierInput.focus();
        })
        .catch(function () {
          showError(gettext("Vetted's server could not be reached. Check your connection and try again; your text is safe."), identifierInput);
        })
        .then(function () {
          submitButton.disabled = false;
          submitButton.textContent = label;
          lookupForm.removeAttribute("aria-busy");
        });
    });
  }
})();
