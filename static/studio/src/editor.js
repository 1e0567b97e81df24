/* The studio's two-pane editor: CodeMirror 6 over the form's own textareas.
 *
 * Source of static/studio/editor.bundle.js (build: `make assets`, or `npm run build`).
 * Without JavaScript the page is a plain form: every version's textareas are
 * shown and the Preview button renders the chosen version on the server.
 * With it, this script
 *   - replaces each Markdown textarea by a CodeMirror editor that writes back
 *     into the textarea (so the form posts exactly what the editor shows, and
 *     studio.js's live preview keeps listening to the form's input events);
 *   - shows one version at a time (the "Version to edit and preview" switch);
 *   - keeps the preview scrolled to the section being edited, with an outline
 *     of the sections to jump to;
 *   - offers the article's references after "[@" and underlines unknown keys;
 *   - keeps the unsaved text on the server while typing (the draft buffer),
 *     warns before leaving with unsaved changes, and saves on Ctrl/Cmd-S;
 *   - shows each reviewer comment beside its section in the preview.
 */
import { autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { markdownLanguage } from "@codemirror/lang-markdown";
import { LanguageSupport, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState, RangeSetBuilder, StateEffect } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, drawSelection, keymap } from "@codemirror/view";

const KEY = "[A-Za-z0-9][A-Za-z0-9_:.\\-]*";
const CITATION_RE = new RegExp(`\\[\\s*(@${KEY}(?:\\s*[;,]\\s*@${KEY})*)\\s*\\]`, "g");
const TYPING_CITE_RE = /\[\s*(?:@[A-Za-z0-9_:.\-]*\s*[;,]\s*)*@([A-Za-z0-9_:.\-]*)$/;
const HEADING_RE = /^##(?!#)[ \t]+(.+?)[ \t#]*$/;
const AUTOSAVE_DELAY_MS = 1200;
// Typing without a pause still sends the text this often.
const AUTOSAVE_MAX_WAIT_MS = 5000;
const FLUSH_COOKIE = "vetted_draft_flush";
// Translations from Django's JavaScript catalogue (/jsi18n/, loaded before the bundle);
// without it the English text is shown.
const gettext = window.gettext || ((text) => text);
const ngettext = window.ngettext || ((one, many, count) => (count === 1 ? one : many));
const format = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));

const form = document.querySelector("form[data-editor]");
if (form) start(form);

function start(form) {
  document.documentElement.classList.add("js-editor");
  const locked = form.hasAttribute("data-locked");
  const autosaveUrl = form.getAttribute("data-autosave-url");
  // The new-article page keeps typed text too (one buffer per author) but has nothing saved yet.
  const newArticle = form.hasAttribute("data-new-article");
  const status = document.querySelector("[data-editor-status]");
  const saveButton = form.querySelector("[data-save-button]");
  const outline = form.querySelector("[data-outline]");
  const pane = document.querySelector("[data-live-preview]");
  // CodeMirror writes its theme into a <style> element. The site's Content-Security-Policy
  // refuses inline styles, except on the editor's pages, whose policy allows the one nonce
  // the server put on the form (style-src 'nonce-…'); CodeMirror puts it on that element.
  const cspNonce = form.getAttribute("data-csp-nonce") || "";
  const views = new Map(); // textarea name -> EditorView
  const refreshCites = StateEffect.define();
  let dirty = false;
  let leaving = false;
  let autosaveTimer = null;
  let autosaveDeadline = 0;
  // Every write of the unsaved text is numbered under this page load's token, so the server
  // keeps the newest one whatever order they arrive in (an autosave still in flight when the
  // closing tab's flush is sent).
  const draftPage = form.getAttribute("data-draft-page") || "";
  const draftScope = form.getAttribute("data-draft-scope") || "";
  let sentSequence = 0; // the last write sent
  let answeredSequence = 0; // the newest write the server has answered
  let unsent = false; // text changed since the last write was sent
  let announcedSequence = 0; // the last write the flush cookie named
  let lastSection = 0;
  let activeVersion = "";

  form.querySelectorAll("[data-js-only]").forEach((el) => { el.hidden = false; });

  // --- references, read live from the form's reference rows ---------------------------------
  function references() {
    const total = parseInt((form.elements["references-TOTAL_FORMS"] || {}).value, 10) || 0;
    const found = [];
    for (let i = 0; i < total; i++) {
      const field = (name) => form.elements[`references-${i}-${name}`];
      const key = field("key") ? field("key").value.trim() : "";
      if (!key || (field("DELETE") && field("DELETE").checked)) continue;
      const kind = field("kind");
      const authors = field("authors") ? field("authors").value.trim() : "";
      found.push({
        key,
        firstAuthor: authors.split(/[,;]/)[0].trim(),
        year: field("year") ? field("year").value.trim() : "",
        title: field("title") ? field("title").value.trim() : "",
        kind: kind && kind.selectedIndex >= 0 ? kind.options[kind.selectedIndex].text : "",
      });
    }
    return found;
  }

  function citeCompletions(context) {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const match = TYPING_CITE_RE.exec(before);
    if (!match) return null;
    const typed = match[1].toLowerCase();
    const after = line.text.slice(context.pos - line.from);
    const closed = /^[A-Za-z0-9_:.\-]*\s*[\];,]/.test(after);
    const options = references()
      .filter((r) => !typed || [r.key, r.firstAuthor, r.title, r.year].some((v) => v.toLowerCase().includes(typed)))
      .map((r) => ({
        label: r.key,
        detail: [r.firstAuthor, r.year].filter(Boolean).join(" · "),
        info: [r.title, r.kind].filter(Boolean).join(" — "),
        type: "text",
        apply: closed ? r.key : `${r.key}]`,
      }));
    if (!options.length) return null;
    return { from: context.pos - match[1].length, options, filter: false };
  }

  // --- unknown citation keys are underlined where they are typed -----------------------------
  const unknownMark = Decoration.mark({
    class: "cm-unknown-cite",
    attributes: { title: gettext("No reference has this key: add it under References or correct the key") },
  });
  function unknownKeyMarks(view) {
    const known = new Set(references().map((r) => r.key));
    const builder = new RangeSetBuilder();
    for (const { from, to } of view.visibleRanges) {
      const text = view.state.doc.sliceString(from, to);
      CITATION_RE.lastIndex = 0;
      let group;
      while ((group = CITATION_RE.exec(text))) {
        const start = from + group.index + group[0].indexOf(group[1]);
        const keyRe = new RegExp(`@(${KEY})`, "g");
        let key;
        while ((key = keyRe.exec(group[1]))) {
          if (known.has(key[1])) continue;
          const at = start + key.index + 1;
          builder.add(at, at + key[1].length, unknownMark);
        }
      }
    }
    return builder.finish();
  }
  const unknownKeys = ViewPlugin.fromClass(
    class {
      constructor(view) { this.decorations = unknownKeyMarks(view); }
      update(update) {
        const forced = update.transactions.some((tr) => tr.effects.some((e) => e.is(refreshCites)));
        if (update.docChanged || update.viewportChanged || forced) this.decorations = unknownKeyMarks(update.view);
      }
    },
    { decorations: (plugin) => plugin.decorations },
  );

  // --- sections: outline and scroll sync ------------------------------------------------------
  function headings(state) {
    const found = [];
    let fenced = false;
    for (let n = 1; n <= state.doc.lines; n++) {
      const text = state.doc.line(n).text;
      if (/^\s{0,3}(```|~~~)/.test(text)) fenced = !fenced;
      if (fenced) continue;
      const m = HEADING_RE.exec(text);
      if (m) found.push({ line: n, title: m[1].trim() });
    }
    return found;
  }
  function sectionAt(view, pos) {
    const line = view.state.doc.lineAt(pos).number;
    return headings(view.state).filter((h) => h.line <= line).length;
  }
  function previewFrame() { return document.querySelector("[data-preview-scroll]"); }
  function scrollPreviewTo(section) {
    lastSection = section;
    const frame = previewFrame();
    if (!frame) return;
    const targets = frame.querySelectorAll(".preview-body h2");
    let top = 0;
    if (section > 0 && targets[section - 1]) {
      top = targets[section - 1].getBoundingClientRect().top - frame.getBoundingClientRect().top + frame.scrollTop - 8;
    } else if (section > 0) {
      top = frame.scrollHeight;
    }
    frame.scrollTop = Math.max(0, top);
    highlightOutline(section);
  }
  let syncQueued = false;
  function queueSync(view, fromScroll) {
    if (syncQueued) return;
    syncQueued = true;
    requestAnimationFrame(() => {
      syncQueued = false;
      const pos = fromScroll ? view.lineBlockAtHeight(view.scrollDOM.scrollTop + 4).from : view.state.selection.main.head;
      scrollPreviewTo(sectionAt(view, pos));
    });
  }
  function activeBody() { return views.get(activeVersion ? `variant-${activeVersion}-body` : "body"); }
  function commentsFor(title) {
    return Array.from(document.querySelectorAll("[data-section-comment]")).filter(
      (c) => c.dataset.section === title && (!c.dataset.audience || c.dataset.audience === activeVersion),
    );
  }
  function renderOutline() {
    const view = activeBody();
    if (!outline || !view) return;
    const found = headings(view.state);
    outline.replaceChildren();
    outline.hidden = found.length === 0;
    const label = document.createElement("span");
    label.className = "editor-outline__label";
    label.textContent = gettext("Sections:");
    outline.append(label);
    found.forEach((h, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = h.title;
      button.dataset.section = String(index + 1);
      const count = commentsFor(h.title).length;
      if (count) {
        const badge = document.createElement("span");
        badge.className = "editor-outline__count";
        badge.textContent = String(count);
        badge.title = format(
          ngettext("%(count)s reviewer comment on this section", "%(count)s reviewer comments on this section", count),
          { count },
        );
        button.append(badge);
      }
      button.addEventListener("click", () => {
        const line = view.state.doc.line(h.line);
        view.dispatch({ selection: { anchor: line.to }, effects: EditorView.scrollIntoView(line.from, { y: "start" }) });
        view.focus();
        scrollPreviewTo(index + 1);
      });
      outline.append(button);
    });
    highlightOutline(lastSection);
  }
  function highlightOutline(section) {
    if (!outline) return;
    outline.querySelectorAll("button").forEach((b) => {
      b.setAttribute("aria-current", b.dataset.section === String(section) ? "true" : "false");
    });
  }

  // --- reviewer comments beside their sections in the preview ---------------------------------
  function placeComments() {
    const frame = previewFrame();
    if (!frame) return;
    frame.querySelectorAll(".preview-body h2").forEach((h) => {
      const title = Array.from(h.childNodes)
        .filter((n) => !(n.nodeType === 1 && n.tagName === "SUP"))
        .map((n) => n.textContent)
        .join("")
        .trim();
      commentsFor(title).forEach((comment) => {
        const note = document.createElement("aside");
        note.className = "section-comment";
        const text = comment.querySelector(".section-comment__text");
        const who = comment.querySelector(".section-comment__where .muted");
        note.textContent = `${text ? text.textContent.trim() : ""} ${who ? who.textContent.trim() : ""}`;
        h.after(note);
      });
    });
  }

  // --- the editors ------------------------------------------------------------------------------
  function markDirty() {
    dirty = true;
    unsent = true;
    setStatus(gettext("Unsaved changes"));
    if (autosaveUrl) {
      window.clearTimeout(autosaveTimer);
      const now = Date.now();
      if (!autosaveDeadline) autosaveDeadline = now + AUTOSAVE_MAX_WAIT_MS;
      autosaveTimer = window.setTimeout(autosave, Math.max(0, Math.min(AUTOSAVE_DELAY_MS, autosaveDeadline - now)));
    }
  }
  function setStatus(text) { if (status) status.textContent = text; }

  form.querySelectorAll(".text-version textarea").forEach((textarea) => {
    const kind = /-?body$/.test(textarea.name) ? "body" : "summary";
    const field = textarea.closest(".field");
    if (field) field.classList.add(`field--${kind}`);
    const host = document.createElement("div");
    host.className = `cm-host cm-host--${kind}`;
    textarea.after(host);
    textarea.classList.add("editor-source--hidden");
    const label = form.querySelector(`label[for="${textarea.id}"]`);
    if (label && !label.id) label.id = `${textarea.id}-label`;
    const version = textarea.closest(".text-version").dataset.version;
    const view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: textarea.value,
        extensions: [
          EditorView.cspNonce.of(cspNonce),
          history(),
          drawSelection(),
          EditorView.lineWrapping,
          // Markdown (GFM) highlighting only: without markdown()'s embedded HTML support the bundle is a third the size.
          new LanguageSupport(markdownLanguage),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          autocompletion({ override: [citeCompletions], activateOnTyping: true, icons: false }),
          keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap]),
          unknownKeys,
          EditorState.readOnly.of(locked),
          EditorView.contentAttributes.of({
            "aria-labelledby": label ? label.id : "",
            "aria-multiline": "true",
            // Tabbable anyway (contenteditable); said explicitly so checkers see the scroller has focusable content.
            tabindex: "0",
            spellcheck: "true",
            "data-editor-for": textarea.name,
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) {
              textarea.value = update.state.doc.toString();
              textarea.dispatchEvent(new Event("input", { bubbles: true }));
              if (kind === "body") renderOutline();
            }
            if ((update.docChanged || update.selectionSet) && update.view.hasFocus) {
              if (kind === "body") queueSync(update.view, false);
              else scrollPreviewTo(0);
            }
          }),
          EditorView.domEventHandlers({
            scroll: (event, view) => { if (kind === "body" && version === activeVersion) queueSync(view, true); },
          }),
        ],
      }),
    });
    views.set(textarea.name, view);
    if (label) label.addEventListener("click", () => view.focus());
  });

  // --- one version at a time ------------------------------------------------------------------
  const versionSwitch = form.querySelector("[data-version-switch]");
  function showVersion(slug) {
    activeVersion = slug;
    form.querySelectorAll(".text-version").forEach((section) => {
      section.classList.toggle("is-active", section.dataset.version === slug);
    });
    views.forEach((view) => view.requestMeasure());
    renderOutline();
  }
  if (versionSwitch) {
    const checked = versionSwitch.querySelector("input:checked");
    showVersion(checked ? checked.value : "");
    versionSwitch.addEventListener("change", (event) => {
      if (event.target.name === "preview_for") showVersion(event.target.value);
    });
  }

  // Reference rows change: re-check the keys typed in the text.
  form.addEventListener("input", (event) => {
    if (event.target.name && event.target.name.startsWith("references-")) {
      views.forEach((view) => view.dispatch({ effects: refreshCites.of(null) }));
    }
    markDirty();
  });
  form.addEventListener("change", (event) => {
    if (event.target.name && event.target.name.startsWith("references-")) {
      views.forEach((view) => view.dispatch({ effects: refreshCites.of(null) }));
      markDirty();
    }
  });

  // After studio.js swaps in a new preview, put comments and the scroll position back.
  if (pane) {
    new MutationObserver(() => {
      placeComments();
      scrollPreviewTo(lastSection);
    }).observe(pane, { childList: true });
    placeComments();
  }

  // --- never lose a keystroke -------------------------------------------------------------------
  function csrfToken() {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function draftBody() {
    const body = new FormData(form);
    sentSequence += 1;
    unsent = false;
    autosaveDeadline = 0;
    body.set("draft_page", draftPage);
    body.set("draft_sequence", String(sentSequence));
    return { body, sequence: sentSequence };
  }
  function autosave() {
    window.clearTimeout(autosaveTimer);
    if (!autosaveUrl || !dirty || leaving) return Promise.resolve();
    setStatus(gettext("Keeping your text…"));
    const { body, sequence } = draftBody();
    return fetch(autosaveUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then((response) => response.json().then((data) => ({ ok: response.ok, data })))
      .then(({ ok, data }) => {
        if (!ok) throw new Error(data.error || "not kept");
        answeredSequence = Math.max(answeredSequence, sequence);
        // A slower, older write's answer says nothing about the newer text.
        if (sequence !== sentSequence || data.stale) return;
        const time = new Date(data.saved_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
        setStatus(
          format(
            newArticle
              ? gettext("Unsaved text kept at %(time)s — press Create draft to keep it")
              : gettext("Unsaved text kept at %(time)s — press Save to make it a version"),
            { time },
          ),
        );
        form.setAttribute("data-autosaved", data.saved_at);
      })
      .catch((error) => {
        unsent = true;
        setStatus(format(gettext("Your text could not be kept on the server (%(error)s). Save soon."), { error: error.message }));
      });
  }
  // The page is going away: send what was typed since the last write, and tell the next editor
  // page (a cookie, read by the server) which write to wait for, since it may arrive after that
  // page is asked for.
  function flush() {
    if (!autosaveUrl || !dirty || leaving) return;
    window.clearTimeout(autosaveTimer);
    if (unsent) {
      const { body } = draftBody();
      let sent = false;
      try {
        sent = navigator.sendBeacon ? navigator.sendBeacon(autosaveUrl, body) : false;
      } catch (error) {
        sent = false;
      }
      if (!sent) {
        fetch(autosaveUrl, { method: "POST", body, credentials: "same-origin", keepalive: true }).catch(() => {});
      }
    }
    // Named once: pagehide follows beforeunload after the next page has already cleared the cookie.
    if (sentSequence > answeredSequence && sentSequence > announcedSequence && draftPage) {
      announcedSequence = sentSequence;
      const secure = location.protocol === "https:" ? "; Secure" : "";
      document.cookie = `${FLUSH_COOKIE}=${draftScope}:${draftPage}:${sentSequence}; Max-Age=10; Path=/studio/; SameSite=Strict${secure}`;
    }
  }
  window.addEventListener("beforeunload", (event) => {
    if (!dirty || leaving) return;
    flush();
    event.preventDefault();
    event.returnValue = "";
  });
  // Also where beforeunload does not run (a phone's tab switcher); after it, only text typed since.
  window.addEventListener("pagehide", flush);
  form.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    // Saving (or the no-script Preview) sends the text itself: no warning, no more autosaves.
    leaving = true;
    window.clearTimeout(autosaveTimer);
  });
  // Other forms on the page (resolve a comment, submit for review) leave the editor: keep the text first.
  document.querySelectorAll("form[data-leaves-editor], .editor-review form, [data-draft-notice] form").forEach((other) => {
    other.addEventListener("submit", (event) => {
      if (dirty && other.hasAttribute("data-review-submit")) {
        // The board reviews the saved version: unsaved text would silently be left out.
        event.preventDefault();
        setStatus(gettext("Save your changes first (Ctrl+S), then submit for review."));
        const warning = other.querySelector("[data-unsaved-warning]") || document.createElement("p");
        warning.setAttribute("data-unsaved-warning", "");
        warning.setAttribute("role", "alert");
        warning.className = "notice notice--error";
        warning.textContent = gettext("You have changes that are not saved. Save them first: the board reviews the saved version.");
        other.prepend(warning);
        return;
      }
      if (!dirty || other.closest("[data-draft-notice]")) { leaving = true; return; }
      event.preventDefault();
      autosave().finally(() => { leaving = true; other.submit(); });
    });
  });

  // Ctrl-S / Cmd-S saves a version.
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== "s") return;
    event.preventDefault();
    if (!saveButton || saveButton.disabled) return;
    leaving = true;
    form.requestSubmit(saveButton);
  });

  if (form.hasAttribute("data-restored")) { dirty = true; setStatus(newArticle ? gettext("Unsaved text restored — press Create draft to keep it") : gettext("Unsaved text restored — press Save to keep it")); }
  else setStatus(autosaveUrl && !newArticle ? gettext("All changes saved") : "");
}
