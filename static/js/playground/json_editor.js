// CodeMirror over the playground's JSON textareas (tools, schema, tool calls): syntax colours,
// bracket matching, and inline errors (a parse error where it is; what the API would refuse,
// on the first line) that clear as soon as the text is valid.
//
// The textarea stays the source of truth: every edit is written back into it with an `input`
// event, so the code that reads it (editors.js, tests) works as before. CodeMirror (~100 KB
// compressed) is fetched only when a JSON box is first shown, so an empty playground's first
// load does not pay for it; if it cannot load, the plain textarea simply stays.

const views = new WeakMap(); // textarea -> EditorView
const problems = new WeakMap(); // textarea -> (value) => message | null
const serverSaid = new WeakMap(); // textarea -> what the server refused in it, until edited
const relint = new WeakSet(); // textareas whose editor must check again though unchanged
let library = null;
let syncing = false; // the textarea changed the editor: nothing to write back
let writing = false; // the editor changed the textarea: nothing to read back

function load() {
  library ||= import("../../vendor/codemirror-6.43.15/codemirror.js").then(allowedStyles);
  return library;
}

// CodeMirror puts its styles in a <style> element when it styles a whole document, which our
// Content-Security-Policy (style-src 'self') refuses; in a shadow root it uses a constructed
// stylesheet, which the policy allows. So it is handed a stand-in for the document that
// has no <head> and passes the document's adopted stylesheets through: same styles, no
// inline <style>, no weaker policy.
function allowedStyles(cm) {
  const standIn = {
    ownerDocument: document,
    get adoptedStyleSheets() { return document.adoptedStyleSheets; },
    set adoptedStyleSheets(sheets) { document.adoptedStyleSheets = sheets; },
  };
  const mount = cm.StyleModule.mount;
  cm.StyleModule.mount = (root, modules, options) => mount(root === document ? standIn : root, modules, options);
  return cm;
}

// The textarea's name for screen readers and tests, handed on to the editor: its aria-label,
// or the label that points at it or wraps it (then taken off it, so only the editor has it).
function takeLabel(textarea, cm) {
  const own = textarea.getAttribute("aria-label");
  if (own) {
    textarea.removeAttribute("aria-label");
    return { "aria-label": own };
  }
  const label = textarea.closest("label") || (textarea.id && document.querySelector(`label[for="${textarea.id}"]`));
  if (!label) return {};
  label.id ||= `label-${Math.random().toString(36).slice(2)}`;
  label.htmlFor = "";
  if (label.contains(textarea)) label.after(textarea); // a label may not hold the editor
  label.addEventListener("click", () => cm.view?.focus());
  return { "aria-labelledby": label.id };
}

function lintSource(cm, textarea) {
  const parseErrors = cm.jsonParseLinter();
  return (view) => {
    const firstLine = (message) => ({ from: 0, to: view.state.doc.line(1).to, severity: "error", message });
    const said = serverSaid.has(textarea) ? [firstLine(serverSaid.get(textarea))] : [];
    const text = view.state.doc.toString();
    if (!text.trim()) return said; // empty is "not given", not an error
    const found = parseErrors(view);
    const problem = problems.get(textarea);
    if (found.length || !problem) return [...found, ...said];
    const message = problem(JSON.parse(text));
    return [...(message ? [firstLine(message)] : []), ...said];
  };
}

// Typing over a selection is done here, not by the browser: across highlighted spans Chrome
// would keep their colours in new style="" attributes, which the Content-Security-Policy
// refuses (and reports), though CodeMirror redraws the line anyway.
function replaceSelection(event, view) {
  if (event.inputType !== "insertText" || typeof event.data !== "string") return false;
  if (view.composing || !event.cancelable) return false;
  // The range the browser is about to replace: CodeMirror's own selection may lag behind a
  // selection just made in the page.
  const [range] = event.getTargetRanges();
  if (!range || range.collapsed) return false;
  const from = view.posAtDOM(range.startContainer, range.startOffset);
  const to = view.posAtDOM(range.endContainer, range.endOffset);
  event.preventDefault();
  view.dispatch({
    changes: { from, to, insert: event.data },
    selection: { anchor: from + event.data.length },
    scrollIntoView: true,
    userEvent: "input.type",
  });
  return true;
}

function mount(cm, textarea) {
  if (views.has(textarea) || !textarea.isConnected) return;
  const focused = document.activeElement === textarea;
  const wrapper = document.createElement("div");
  wrapper.className = "json-editor";
  const holder = { view: null };
  const attributes = { ...takeLabel(textarea, holder), spellcheck: "false" };
  const view = new cm.EditorView({
    parent: wrapper,
    state: cm.EditorState.create({
      doc: textarea.value,
      extensions: [
        cm.highlightSpecialChars(),
        cm.history(),
        cm.drawSelection(),
        cm.indentOnInput(),
        cm.bracketMatching(),
        cm.closeBrackets(),
        cm.syntaxHighlighting(cm.defaultHighlightStyle, { fallback: true }),
        cm.json(),
        cm.lintGutter(),
        cm.linter(lintSource(cm, textarea), { delay: 200, needsRefresh: () => relint.delete(textarea) }),
        cm.placeholder(textarea.placeholder || ""),
        cm.EditorView.lineWrapping,
        cm.EditorView.contentAttributes.of(attributes),
        cm.EditorView.domEventHandlers({ beforeinput: replaceSelection }),
        // No Tab binding: Tab leaves the editor, as from the textarea (Enter indents JSON).
        cm.keymap.of([...cm.closeBracketsKeymap, ...cm.defaultKeymap, ...cm.historyKeymap]),
        cm.EditorView.updateListener.of((update) => {
          if (!update.docChanged || syncing) return;
          serverSaid.delete(textarea);
          textarea.value = update.state.doc.toString();
          writing = true;
          try {
            textarea.dispatchEvent(new Event("input", { bubbles: true }));
          } finally {
            writing = false;
          }
        }),
      ],
    }),
  });
  holder.view = view;
  views.set(textarea, view);
  textarea.after(wrapper);
  // Out of sight and out of the tab order, but not display:none: a script (or test) that
  // took hold of the textarea before the editor came can still type into it, and the editor
  // follows; callers that focus the box get the editor.
  textarea.classList.add("json-editor-source");
  textarea.tabIndex = -1;
  textarea.setAttribute("aria-hidden", "true");
  textarea.addEventListener("input", () => { if (!writing) sync(textarea); });
  textarea.focus = () => view.focus();
  if (focused) view.focus();
}

function sync(textarea) {
  const view = views.get(textarea);
  if (!view || view.state.doc.toString() === textarea.value) return;
  syncing = true;
  try {
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: textarea.value } });
  } finally {
    syncing = false;
  }
}

// Mounts once the box is shown (it has a size): a hidden schema or tool-calls box costs nothing.
const shown = new ResizeObserver((entries) => {
  for (const entry of entries) {
    if (!entry.contentRect.width) continue;
    shown.unobserve(entry.target);
    load().then((cm) => mount(cm, entry.target), () => {}); // plain textarea on failure
  }
});

// Make `textarea` a JSON editor (again: brings it up to date with the textarea's value).
// `problem(value)` says what is wrong with parsed JSON, beyond syntax, or returns null.
export function jsonEditor(textarea, { problem = null } = {}) {
  if (problem) problems.set(textarea, problem);
  if (views.has(textarea)) {
    sync(textarea);
    return;
  }
  shown.observe(textarea);
}

// The boxes the server's field errors point into (tools[1].function.parameters, say).
const PLACES = [
  [/^tools\[(\d+)\]/, (match) => document.querySelectorAll("#tools li textarea")[Number(match[1])]],
  [/^response_format\.json_schema\.schema/, () => document.querySelector("#schema-text")],
];

// Show a 400's field errors in the JSON boxes they are about, on their first line and under
// the box, until the box is edited. `errors`: {field: [messages]}, as the API answers.
export function markProblems(errors) {
  for (const [field, messages] of Object.entries(errors)) {
    for (const [pattern, find] of PLACES) {
      const match = field.match(pattern);
      const textarea = match && find(match);
      if (!textarea) continue;
      const message = `${field}: ${[].concat(messages).join(" ")}`;
      serverSaid.set(textarea, message);
      const slot = textarea.closest("li, #schema-editor")?.querySelector("[data-error], #schema-error");
      if (slot) slot.textContent = message;
      relint.add(textarea);
      views.get(textarea)?.dispatch({}); // a transaction, for needsRefresh to see
    }
  }
}
