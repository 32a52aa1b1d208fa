// The editors on the left (conversation) and right (parameters, tools, response format).
// Each render function draws from the state and writes edits straight back into it;
// `changed()` persists the state and refreshes whatever depends on it.

import { renderImages } from "./images.js";
import { schemaProblem, toolCallsProblem, toolProblem } from "./json_checks.js";
import { jsonEditor } from "./json_editor.js";
import { EXAMPLE_SCHEMA, EXAMPLE_TOOL, PARAMS, toolFromText, variableNames } from "./state.js";

const $ = (selector, root = document) => root.querySelector(selector);

export function autoGrow(textarea) {
  const grow = () => {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight + 2, 640)}px`;
  };
  textarea.addEventListener("input", grow);
  requestAnimationFrame(grow);
}

export function renderSystem(state, changed) {
  const role = $("#system-role");
  const content = $("#system-content");
  role.value = state.systemRole;
  content.value = state.system;
  role.onchange = () => { state.systemRole = role.value; changed(); };
  content.oninput = () => { state.system = content.value; changed(); };
  autoGrow(content);
}

// `rerunFrom(index)`, when given (chat mode), puts a "Rerun from here" on user and tool messages.
// `images` ({maxBytes, maxImages}), when given, lets user messages hold images (images.js).
export function renderMessages(state, changed, { rerunFrom = null, images = null } = {}) {
  const list = $("#messages");
  list.replaceChildren();
  state.messages.forEach((message, index) => {
    const item = $("#message-template").content.firstElementChild.cloneNode(true);
    item.dataset.index = index;
    const role = $('[data-field="role"]', item);
    const content = $('[data-field="content"]', item);
    const callId = $('[data-field="tool_call_id"]', item);
    const toolCalls = $('[data-field="tool_calls"]', item);
    role.value = message.role;
    content.value = message.content;
    callId.value = message.tool_call_id || "";
    toolCalls.value = message.tool_calls || "";
    let addingCalls = false; // the person asked for the box on a message without calls
    const showRoleFields = () => {
      const assistant = message.role === "assistant";
      const hasCalls = addingCalls || Boolean((message.tool_calls || "").trim());
      callId.hidden = message.role !== "tool";
      // Most assistant messages have no tool calls: an empty box on each is noise.
      $(".tool-calls-editor", item).hidden = !(assistant && hasCalls);
      $("[data-add-tool-calls]", item).hidden = !(assistant && !hasCalls);
      $("[data-rerun]", item).hidden = !rerunFrom || assistant;
      item.dataset.role = message.role;
      content.placeholder = message.role === "tool" ? "The tool's result, e.g. {\"temp_c\": 14}" : "Enter a message…";
    };
    showRoleFields();
    $("[data-add-tool-calls]", item).onclick = () => {
      addingCalls = true;
      showRoleFields();
      toolCalls.focus();
    };
    $("[data-rerun]", item).onclick = () => rerunFrom(index);
    role.onchange = () => { message.role = role.value; showRoleFields(); changed(); };
    content.oninput = () => { message.content = content.value; changed(); };
    callId.oninput = () => { message.tool_call_id = callId.value; changed(); };
    toolCalls.oninput = () => { message.tool_calls = toolCalls.value; changed(); };
    item.querySelectorAll("[data-action]").forEach((button) => {
      button.onclick = () => {
        const action = button.dataset.action;
        if (action === "delete") state.messages.splice(index, 1);
        if (action === "up" && index > 0) state.messages.splice(index - 1, 0, ...state.messages.splice(index, 1));
        if (action === "down" && index < state.messages.length - 1) state.messages.splice(index + 1, 0, ...state.messages.splice(index, 1));
        renderMessages(state, changed, { rerunFrom, images });
        changed();
      };
    });
    if (images) renderImages(item, message, { state, changed, limits: images });
    list.append(item);
    autoGrow(content);
    autoGrow(toolCalls);
    jsonEditor(toolCalls, { problem: toolCallsProblem });
  });
}

export function addMessage(state, message) {
  const last = state.messages[state.messages.length - 1];
  const role = message?.role ?? (last?.role === "user" ? "assistant" : "user");
  state.messages.push({ role, content: "", tool_calls: "", tool_call_id: "", ...message });
}

export function renderParams(state, changed) {
  for (const name of [...PARAMS, "stop", "reasoning_effort"]) {
    const input = $(`[data-param="${name}"]`);
    input.value = state.params[name] ?? "";
    input.oninput = () => { state.params[name] = input.value; changed(); };
  }
  const topLogprobs = $('[data-param="top_logprobs"]');
  for (const name of ["stream", "logprobs"]) {
    const box = $(`[data-param="${name}"]`);
    box.checked = Boolean(state.params[name]);
    box.onchange = () => { state.params[name] = box.checked; topLogprobs.disabled = !state.params.logprobs; changed(); };
  }
  topLogprobs.disabled = !state.params.logprobs; // top_logprobs needs logprobs
}

function toolName(text) {
  try {
    return toolFromText(text, 0)?.function?.name || "";
  } catch {
    return "";
  }
}

export function renderTools(state, changed) {
  const list = $("#tools");
  list.replaceChildren();
  state.tools.forEach((text, index) => {
    const item = $("#tool-template").content.firstElementChild.cloneNode(true);
    const area = $("textarea", item);
    const error = $("[data-error]", item);
    area.value = text;
    const check = () => {
      try {
        const tool = toolFromText(area.value, index);
        const problem = toolProblem(tool);
        if (problem) throw new Error(problem);
        error.textContent = "";
        $(".tool-name", item).textContent = tool.function.name;
      } catch (problem) {
        error.textContent = problem.message.replace(/^Tool \d+ /, "");
        $(".tool-name", item).textContent = `Tool ${index + 1}`;
      }
    };
    check();
    area.oninput = () => { state.tools[index] = area.value; check(); renderToolChoice(state, changed); changed(); };
    $('[data-action="delete-tool"]', item).onclick = () => {
      state.tools.splice(index, 1);
      renderTools(state, changed);
      changed();
    };
    list.append(item);
    autoGrow(area);
    jsonEditor(area, { problem: toolProblem });
  });
  renderToolChoice(state, changed);
}

export function addExampleTool(state) {
  const taken = new Set(state.tools.map(toolName));
  const tool = structuredClone(EXAMPLE_TOOL);
  for (let n = 2; taken.has(tool.function.name); n += 1) tool.function.name = `get_weather_${n}`;
  state.tools.push(JSON.stringify(tool, null, 2));
}

function renderToolChoice(state, changed) {
  const select = $("#tool-choice");
  const names = state.tools.map(toolName).filter(Boolean);
  const options = [["auto", "auto"], ["none", "none"], ["required", "required"], ...names.map((n) => [`fn:${n}`, `function: ${n}`])];
  select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
  if (!options.some(([value]) => value === state.toolChoice)) state.toolChoice = "auto";
  select.value = state.toolChoice;
  select.disabled = !state.tools.length;
  select.onchange = () => { state.toolChoice = select.value; changed(); };
}

export function renderFormat(state, changed) {
  const editor = $("#schema-editor");
  const area = $("#schema-text");
  const error = $("#schema-error");
  const name = $("#schema-name");
  const strict = $("#schema-strict");
  document.querySelectorAll('input[name="format"]').forEach((radio) => {
    radio.checked = radio.value === state.format.type;
    radio.onchange = () => { state.format.type = radio.value; editor.hidden = radio.value !== "json_schema"; changed(); };
  });
  editor.hidden = state.format.type !== "json_schema";
  area.value = state.format.schema;
  name.value = state.format.name;
  strict.checked = state.format.strict;
  const check = () => {
    if (!area.value.trim()) return void (error.textContent = "");
    try {
      error.textContent = schemaProblem(JSON.parse(area.value)) || "";
    } catch (problem) {
      error.textContent = `Not valid JSON: ${problem.message}`;
    }
  };
  check();
  area.oninput = () => { state.format.schema = area.value; check(); changed(); };
  name.oninput = () => { state.format.name = name.value; changed(); };
  strict.onchange = () => { state.format.strict = strict.checked; changed(); };
  $("#schema-example").onclick = () => {
    state.format.schema = JSON.stringify(EXAMPLE_SCHEMA, null, 2);
    renderFormat(state, changed);
    changed();
  };
  autoGrow(area);
  jsonEditor(area, { problem: schemaProblem });
}

// One row per {{variable}} used in the messages; redrawn only when the set of names changes,
// so typing a value never loses focus.
let drawnNames = "";
export function renderVariables(state, changed, { force = false } = {}) {
  const names = variableNames(state);
  if (!force && names.join("\n") === drawnNames) return;
  drawnNames = names.join("\n");
  $("#variables-card").hidden = !names.length;
  const box = $("#variables");
  box.replaceChildren();
  for (const name of names) {
    const spec = (state.variables[name] ||= { value: "", default: "", description: "" });
    const row = $("#variable-template").content.firstElementChild.cloneNode(true);
    row.dataset.variable = name;
    const value = $('[data-var="value"]', row);
    value.id = `var-${name}`;
    $(".var-name", row).textContent = name;
    $(".var-name", row).htmlFor = value.id;
    for (const field of ["value", "default", "description"]) {
      const input = $(`[data-var="${field}"]`, row);
      input.value = spec[field] || "";
      input.oninput = () => {
        spec[field] = input.value;
        if (field === "default") value.placeholder = input.value ? `default: ${input.value}` : "required";
        changed();
      };
    }
    value.placeholder = spec.default ? `default: ${spec.default}` : "required";
    if (spec.description) value.title = spec.description;
    box.append(row);
    autoGrow(value);
  }
}
