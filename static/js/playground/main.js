// The playground page: wires the editors, the model picker, running, chat mode and the response panel.

import { chatModeSaved, cutLosesText, regenerateCut, saveChatMode } from "./chat.js";
import { codeFor } from "./code.js";
import { setUpCompare } from "./compare/compare.js";
import { addExampleTool, addMessage, renderFormat, renderMessages as drawMessages, renderParams, renderSystem, renderTools, renderVariables } from "./editors.js";
import { markProblems } from "./json_editor.js";
import { setUpLayout, wide } from "./layout.js";
import { briefImages } from "./images.js";
import { modelDetails } from "./model_info.js";
import { chooseModel, fillModelPicker } from "./models.js";
import { ResponsePanel } from "./response.js";
import { RequestProblem, buildRequest, draftOf, emptyState, requestWithValues, stateFromRequest, variableNames, variableValues } from "./state.js";
import { apiGet, runCompletion } from "./stream.js";
import { loadTemplateVersion, setUpSaveDialog, showTemplateBadge } from "./templates.js";

const $ = (selector) => document.querySelector(selector);
const config = JSON.parse($("#playground-config").textContent);
setUpLayout();
const panel = new ResponsePanel({ wide });
const draft = draftOf(config.user);
let state = draft.load();
let running = null; // AbortController of the run in flight
let providerCount = 1;
let chatMode = chatModeSaved();

function changed() {
  draft.save(state);
  renderVariables(state, changed);
}

function renderMessages() {
  drawMessages(state, changed, { rerunFrom: chatMode ? rerunFrom : null, images: config.images });
}

// Focus a message's text without scrolling a phone's page away from the answer.
function focusMessage(index) {
  const area = document.querySelector(`#messages li[data-index="${index}"] textarea`);
  area.focus({ preventScroll: !wide.matches });
}

function renderAll() {
  showTemplateBadge(state);
  renderSystem(state, changed);
  renderMessages();
  renderParams(state, changed);
  renderTools(state, changed);
  renderFormat(state, changed);
  renderVariables(state, changed, { force: true });
  selectModel();
}

// Model picker

async function loadModels() {
  const select = $("#model");
  const status = $("#model-status");
  let groups;
  try {
    groups = await apiGet("/api/models/");
  } catch (error) {
    status.textContent = `Could not load models: ${error.message}`;
    groups = [];
  }
  providerCount = groups.length;
  fillModelPicker(select, groups, modelDetails);
  const notes = groups.filter((group) => group.error).map((group) => `${group.provider_name}: ${group.error}${group.stale ? " (showing the last list that worked)" : ""}`);
  status.textContent = notes.join(" · ");
  const total = groups.reduce((sum, g) => sum + g.models.length, 0);
  $("#model-search").hidden = total <= 8;
  selectModel();
  select.onchange = () => {
    [state.provider, state.model] = select.value.split("::");
    showModelDetails();
    changed();
  };
}

function showModelDetails() {
  $("#model-details").textContent = $("#model").selectedOptions[0]?.dataset.details || "";
}

function selectModel() {
  const select = $("#model");
  if (!select.options.length || select.options[0].value === "") return;
  [state.provider, state.model] = chooseModel(select, state);
  showModelDetails();
  changed();
}

$("#model-search").oninput = (event) => {
  const term = event.target.value.toLowerCase();
  for (const option of $("#model").options) option.hidden = term && !option.dataset.search?.includes(term);
};

// Running

function showProblems(errors) {
  const box = $("#request-errors");
  document.querySelectorAll("#messages [data-error], #variables [data-error]").forEach((e) => { e.textContent = ""; });
  const offset = state.system.trim() ? 1 : 0;
  const general = [];
  for (const [field, messages] of Object.entries(errors)) {
    const text = [].concat(messages).join(" ");
    const match = field.match(/^messages\[(\d+)\]/);
    const variable = field.match(/^variables\.(\w+)$/);
    if (variable) {
      const slot = document.querySelector(`#variables [data-variable="${variable[1]}"] [data-error]`);
      if (slot) { slot.textContent = text; continue; }
    }
    const item = match && document.querySelector(`#messages li[data-index="${Number(match[1]) - offset}"] [data-error]`);
    if (item) item.textContent = `${field.replace(/^messages\[\d+\]\.?/, "") || "message"}: ${text}`;
    else general.push(`${field}: ${text}`);
  }
  box.replaceChildren(...general.map((line) => Object.assign(document.createElement("p"), { textContent: line })));
  box.hidden = !general.length;
  markProblems(errors); // and inline, in the JSON box each is about
}

function setRunning(on) {
  $("#run").disabled = on;
  $("#stop").disabled = !on;
}

async function run() {
  if (compare.on) return compare.runAll(); // compare mode: Run all
  if (running) return;
  let body;
  try {
    body = buildRequest(state);
  } catch (problem) {
    if (problem instanceof RequestProblem) return showProblems({ [problem.field]: problem.message });
    throw problem;
  }
  showProblems({});
  if (providerCount > 1 && state.provider) body.provider = state.provider;
  if (variableNames(state).length) body.variables = variableValues(state);
  running = new AbortController();
  setRunning(true);
  panel.start({ jsonExpected: Boolean(body.response_format) });
  try {
    await runCompletion(body, {
      signal: running.signal,
      onEvent: (name, data) => {
        if (name === "run") panel.runStarted(data);
        if (name === "delta") panel.delta(data);
        if (name === "done") answered(data);
      },
    });
  } catch (error) {
    if (error.name === "AbortError") {
      panel.stopped();
    } else if (error.body?.errors) {
      panel.clear();
      showProblems(error.body.errors);
    } else if (error.body?.run_id) {
      panel.finish(error.body);
    } else {
      panel.showError(error.message || "The request failed.");
    }
  } finally {
    running = null;
    setRunning(false);
    if (panel.running) panel.showError("The stream ended before the run's summary arrived.");
  }
}

function answered(summary) {
  panel.finish(summary);
  const done = summary.status === "ok" && summary.message?.content && !summary.message.tool_calls?.length;
  if (!chatMode || !done) return;
  addMessage(state, { role: "assistant", content: summary.message.content });
  addMessage(state, { role: "user" });
  renderMessages();
  changed();
  focusMessage(state.messages.length - 1);
  $("#add-response").hidden = true; // it is in already
  $("#regenerate").hidden = false;
}

// Chat mode: run again from a message, the ones after it dropped; Regenerate runs again from
// before the last answer.
function rerunFrom(index) {
  if (running) return;
  state.messages.splice(index + 1);
  renderMessages();
  changed();
  run();
}

$("#regenerate").onclick = () => {
  const cut = regenerateCut(state.messages);
  if (cut === 0) return; // nothing before the answer to run from
  if (cutLosesText(state.messages, cut) && !window.confirm("Regenerate drops the messages after the last answer. Go ahead?")) return;
  rerunFrom(cut - 1);
};

const chatSwitch = $("#chat-mode");
chatSwitch.checked = chatMode;
chatSwitch.onchange = () => {
  chatMode = chatSwitch.checked;
  saveChatMode(chatMode);
  renderMessages();
};

$("#run").onclick = run;
$("#stop").onclick = () => { running?.abort(); compare.stop(); };
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    run();
  }
});

// Conversation actions

$("#add-message").onclick = () => {
  addMessage(state);
  renderMessages();
  changed();
  document.querySelector("#messages li:last-child textarea").focus();
};

$("#add-response").onclick = () => {
  addMessage(state, { role: "assistant", content: panel.content });
  addMessage(state, { role: "user" });
  renderMessages();
  changed();
  focusMessage(state.messages.length - 1);
  $("#add-response").hidden = true;
};

$("#add-tool-results").onclick = () => {
  const calls = [...panel.toolCalls.values()];
  addMessage(state, { role: "assistant", content: panel.content || "", tool_calls: JSON.stringify(calls, null, 2) });
  for (const call of calls) addMessage(state, { role: "tool", tool_call_id: call.id, content: "" });
  renderMessages();
  changed();
  document.querySelector(`#messages li[data-index="${state.messages.length - calls.length}"] textarea`).focus();
};

$("#add-tool").onclick = () => {
  addExampleTool(state);
  renderTools(state, changed);
  changed();
};

$("#reset").onclick = () => {
  if (!window.confirm("Clear the whole prompt, tools and settings?")) return;
  const model = { model: state.model, provider: state.provider };
  draft.clear();
  state = { ...emptyState(), ...model };
  renderAll();
  panel.clear();
};

// View code

let codeLang = "curl";
let codeWhole = ""; // what Copy copies: uploaded images in full, where the page shortens them
function paintCode() {
  let text;
  let missing = [];
  let shortened = 0;
  try {
    const filled = requestWithValues(buildRequest(state), variableValues(state));
    missing = filled.missing;
    codeWhole = codeFor(codeLang, filled.body, config.apiBase);
    const brief = briefImages(filled.body);
    shortened = brief.count;
    text = shortened ? codeFor(codeLang, brief.body, config.apiBase) : codeWhole;
  } catch (problem) {
    text = codeWhole = `Fix the request first: ${problem.message}`;
  }
  $("#code-text").textContent = text;
  $("#code-images").hidden = !shortened;
  $("#code-images").textContent = `${shortened} uploaded image${shortened === 1 ? " is" : "s are"} shortened here; Copy copies the code with ${shortened === 1 ? "it" : "them"} whole.`;
  const note = $("#code-missing");
  note.hidden = !missing.length;
  note.textContent = `No value for ${missing.join(", ")}: left as written in the code; fill it in under Variables.`;
  document.querySelectorAll("[data-lang]").forEach((tab) => tab.setAttribute("aria-selected", String(tab.dataset.lang === codeLang)));
}
$("#view-code").onclick = () => { paintCode(); $("#code-dialog").showModal(); };
$("#code-close").onclick = () => $("#code-dialog").close();
$("#code-copy").onclick = () => navigator.clipboard?.writeText(codeWhole);
document.querySelectorAll("[data-lang]").forEach((tab) => { tab.onclick = () => { codeLang = tab.dataset.lang; paintCode(); }; });

// Start: a run to reopen (?run=<id>, or ?shared=<link secret>) wins over the saved state.

const saveDialog = setUpSaveDialog({
  config,
  getState: () => state,
  onSaved: (template) => {
    state.template = template;
    changed();
    showTemplateBadge(state);
  },
});

const compare = setUpCompare({ config, getState: () => state, saveDialog, onUse: () => { changed(); renderAll(); } });

async function boot() {
  const params = new URLSearchParams(window.location.search);
  const runId = params.get("run");
  if (params.get("template")) {
    try {
      state = await loadTemplateVersion(params.get("template"), params.get("version"));
      draft.save(state);
    } catch (error) {
      showProblems({ template: `Could not open that template: ${error.message}` });
    }
    window.history.replaceState(null, "", window.location.pathname);
  } else if (runId || params.get("shared")) {
    // ?shared=<link secret>: a run someone shared by link, opened as the viewer's own draft.
    const url = runId ? `/api/runs/${encodeURIComponent(runId)}/` : `/api/runs/shared/${encodeURIComponent(params.get("shared"))}/`;
    try {
      const run = await apiGet(url);
      state = stateFromRequest(run.request, run.provider);
      draft.save(state);
    } catch (error) {
      showProblems({ run: `Could not open that run: ${error.message}` });
    }
    window.history.replaceState(null, "", window.location.pathname);
  }
  renderAll();
  const comparing = compare.restore(); // drawn at once; its panes' model lists load meanwhile
  await loadModels();
  await comparing;
  document.body.dataset.ready = "true"; // for tests and people: the page is fully wired
}

boot();
