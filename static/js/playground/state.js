// The playground's state: what the editors show, kept in localStorage so a reload loses nothing,
// and the translation between it and a Chat Completions request body (both directions).

import { contentWithImages, imagesOf, withoutUploads } from "./images.js";

// A draft belongs to the user who wrote it: one entry per user id, and log-out removes them all
// (base.js), so whoever uses this browser next starts from an empty playground.
const DRAFT_PREFIX = "octoplay:playground:";
const UNOWNED_DRAFT = "octoplay:playground:v1"; // before drafts had owners: shown to nobody
export const PARAMS = ["temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "presence_penalty", "frequency_penalty", "n", "top_logprobs"];
const INTEGER_PARAMS = new Set(["max_tokens", "max_completion_tokens", "seed", "n", "top_logprobs"]);

export function emptyState() {
  return {
    model: "",
    provider: "",
    systemRole: "system",
    system: "",
    messages: [{ role: "user", content: "", tool_calls: "", tool_call_id: "" }],
    params: { stream: true, stop: "", reasoning_effort: "" },
    tools: [],
    toolChoice: "auto",
    format: { type: "text", name: "response", schema: "", strict: true },
    variables: {}, // name -> {value, default, description}
  };
}

// {{ name }} placeholders, as the server reads them (completions/variables.py); \{{ is literal.
const PLACEHOLDER = /\\\{\{|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function variableNames(state) {
  const names = [];
  const texts = [state.system, ...state.messages.map((m) => m.content)];
  for (const text of texts) {
    for (const match of (text || "").matchAll(PLACEHOLDER)) {
      if (match[1] && !names.includes(match[1])) names.push(match[1]);
    }
  }
  return names;
}

// The values to send: what was typed, else the default; unset ones are left out so the
// server can say which are missing.
export function variableValues(state) {
  const values = {};
  for (const name of variableNames(state)) {
    const spec = state.variables[name] || {};
    if (spec.value) values[name] = spec.value;
    else if (spec.default) values[name] = spec.default;
  }
  return values;
}

// The body with its {{variables}} filled in as the server fills them for a run (`\{{` writes
// "{{"), for code that calls /v1, which sends messages as they are. A variable with no value
// stays as written and is named in `missing`.
export function requestWithValues(body, values) {
  const missing = [];
  const fill = (text) => text.replace(PLACEHOLDER, (placeholder, name) => {
    if (!name) return "{{";
    if (Object.hasOwn(values, name)) return values[name];
    if (!missing.includes(name)) missing.push(name);
    return placeholder;
  });
  const messages = body.messages.map((message) => {
    if (typeof message.content === "string") return { ...message, content: fill(message.content) };
    if (!Array.isArray(message.content)) return message;
    const parts = message.content.map((part) => (typeof part.text === "string" ? { ...part, text: fill(part.text) } : part));
    return { ...message, content: parts };
  });
  return { body: { ...body, messages }, missing };
}

// The draft of the user with this id: load(), save(state) and clear().
export function draftOf(userId) {
  const key = `${DRAFT_PREFIX}v2:${userId}`;
  localStorage.removeItem(UNOWNED_DRAFT);
  return {
    load() {
      try {
        const saved = JSON.parse(localStorage.getItem(key));
        if (saved && Array.isArray(saved.messages)) return { ...emptyState(), ...saved };
      } catch {
        // A corrupt entry is ignored: start fresh rather than fail to load the page.
      }
      return emptyState();
    },
    save(state) {
      try {
        localStorage.setItem(key, JSON.stringify(state));
      } catch {
        // The browser's storage is full (uploaded images): the draft keeps the rest.
        localStorage.setItem(key, JSON.stringify(withoutUploads(state)));
      }
    },
    clear() {
      localStorage.removeItem(key);
    },
  };
}

export function forgetAllDrafts() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(DRAFT_PREFIX)) localStorage.removeItem(key);
  }
}

// A problem found before sending, pointed at the editor that has it.
export class RequestProblem extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

function parseJson(text, field, what) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RequestProblem(field, `${what} is not valid JSON: ${error.message}`);
  }
}

export function toolFromText(text, index) {
  const parsed = parseJson(text, `tools[${index}]`, `Tool ${index + 1}`);
  if (parsed && typeof parsed === "object" && !parsed.type && parsed.name) {
    return { type: "function", function: parsed }; // accept a bare function definition
  }
  return parsed;
}

// The request body the current state describes. Empty fields are left out entirely.
export function buildRequest(state) {
  const body = { model: state.model, messages: [] };
  if (state.system.trim()) body.messages.push({ role: state.systemRole, content: state.system });
  const offset = body.messages.length;
  state.messages.forEach((message, index) => {
    const field = `messages[${index + offset}]`;
    const out = { role: message.role };
    if (message.role === "assistant" && message.tool_calls.trim()) {
      out.tool_calls = parseJson(message.tool_calls, `${field}.tool_calls`, "Tool calls");
      out.content = message.content || null;
    } else {
      out.content = message.role === "user" ? contentWithImages(message.content, message.images) : message.content;
    }
    if (message.role === "tool") out.tool_call_id = message.tool_call_id;
    body.messages.push(out);
  });
  for (const name of PARAMS) {
    const raw = state.params[name];
    if (name === "top_logprobs" && !state.params.logprobs) continue; // it needs logprobs
    if (raw === undefined || raw === null || String(raw).trim() === "") continue;
    const value = Number(raw);
    if (Number.isNaN(value)) throw new RequestProblem(name, `${name} must be a number.`);
    body[name] = INTEGER_PARAMS.has(name) ? Math.trunc(value) : value;
  }
  const stops = (state.params.stop || "").split("\n").filter((line) => line !== "");
  if (stops.length) body.stop = stops;
  if (state.params.reasoning_effort) body.reasoning_effort = state.params.reasoning_effort;
  if (state.params.logprobs) body.logprobs = true;
  if (state.tools.length) {
    body.tools = state.tools.map((text, index) => toolFromText(text, index));
    body.tool_choice = state.toolChoice.startsWith("fn:")
      ? { type: "function", function: { name: state.toolChoice.slice(3) } }
      : state.toolChoice;
  }
  if (state.format.type === "json_object") body.response_format = { type: "json_object" };
  if (state.format.type === "json_schema") {
    body.response_format = {
      type: "json_schema",
      json_schema: {
        name: state.format.name || "response",
        schema: parseJson(state.format.schema, "response_format.json_schema.schema", "The schema"),
        strict: state.format.strict,
      },
    };
  }
  body.stream = Boolean(state.params.stream);
  return body;
}

// The state that reproduces a logged request exactly (for "Open in playground").
export function stateFromRequest(request, provider = "") {
  const state = emptyState();
  state.model = request.model || "";
  state.provider = provider;
  const messages = [...(request.messages || [])];
  if (messages.length && ["system", "developer"].includes(messages[0].role)) {
    const first = messages.shift();
    state.systemRole = first.role;
    state.system = textOf(first.content);
  }
  state.messages = messages.map((m) => ({
    role: ["user", "assistant", "tool"].includes(m.role) ? m.role : "user",
    content: textOf(m.content),
    tool_calls: m.tool_calls ? JSON.stringify(m.tool_calls, null, 2) : "",
    tool_call_id: m.tool_call_id || "",
    images: m.role === "user" ? imagesOf(m.content) : [],
  }));
  for (const name of PARAMS) if (request[name] !== undefined) state.params[name] = String(request[name]);
  state.params.stop = Array.isArray(request.stop) ? request.stop.join("\n") : request.stop || "";
  state.params.stream = Boolean(request.stream);
  state.params.reasoning_effort = request.reasoning_effort || "";
  state.params.logprobs = request.logprobs === true;
  state.tools = (request.tools || []).map((tool) => JSON.stringify(tool, null, 2));
  const choice = request.tool_choice;
  state.toolChoice = choice && typeof choice === "object" ? `fn:${choice.function?.name}` : choice || "auto";
  const format = request.response_format;
  if (format?.type === "json_schema") {
    state.format = {
      type: "json_schema",
      name: format.json_schema?.name || "response",
      schema: JSON.stringify(format.json_schema?.schema ?? {}, null, 2),
      strict: format.json_schema?.strict !== false,
    };
  } else if (format?.type === "json_object") {
    state.format = { ...state.format, type: "json_object" };
  }
  return state;
}

function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.filter((p) => p.type === "text").map((p) => p.text).join("\n");
  return "";
}

export const EXAMPLE_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather for a city",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string", description: "City name, e.g. Lisbon" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["city"],
      additionalProperties: false,
    },
  },
};

export const EXAMPLE_SCHEMA = {
  type: "object",
  properties: {
    title: { type: "string" },
    summary: { type: "string" },
    tags: { type: "array", items: { type: "string" }, maxItems: 5 },
    confidence: { type: "number", minimum: 0, maximum: 1 },
  },
  required: ["title", "summary", "tags", "confidence"],
  additionalProperties: false,
};
