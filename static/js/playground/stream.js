// Calling POST /api/completions/: JSON, or our SSE stream read with fetch (the browser never
// talks to the upstream; the server holds the key).

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// A 400's per-field errors as lines of text: "field: message".
export function fieldErrorText(errors) {
  return Object.entries(errors).map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`).join("\n");
}

export async function apiGet(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(body.detail || `HTTP ${response.status}`), { body });
  return body;
}

export async function apiPost(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.detail || `HTTP ${response.status}`), { body: data });
  return data;
}

const STOPPED_RUN_TRIES = 8; // the server logs a cancelled run at its next write: usually < 1 s

// A run the page hung up on (Stop), once the server has logged how it ended; null when that
// takes too long or `wanted()` turns false meanwhile (another run started, say).
export async function stoppedRun(runId, wanted = () => true) {
  for (let attempt = 0; attempt < STOPPED_RUN_TRIES; attempt += 1) {
    await new Promise((resolve) => { setTimeout(resolve, 250 * 2 ** Math.min(attempt, 3)); });
    if (!wanted()) return null;
    const run = await apiGet(`/api/runs/${encodeURIComponent(runId)}/`).catch(() => null);
    if (!wanted()) return null;
    if (run && run.status !== "running") return run;
  }
  return null;
}

// Runs a completion. Calls onEvent(name, data) for "run", "delta" and "done" events; a
// non-streamed answer arrives as one "done". Rejects with an Error carrying `body` on 4xx/5xx.
export async function runCompletion(body, { onEvent, signal }) {
  const response = await fetch("/api/completions/", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json, text/event-stream" },
    body: JSON.stringify(body),
    signal,
    credentials: "same-origin",
  });
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("text/event-stream")) {
    const data = await response.json().catch(() => ({ detail: `The server answered HTTP ${response.status}.` }));
    if (!response.ok) throw Object.assign(new Error(data.detail || `HTTP ${response.status}`), { body: data, status: response.status });
    onEvent("done", data);
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let boundary;
    while ((boundary = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const event = parseEvent(block);
      if (event) onEvent(event.name, event.data);
    }
  }
}

function parseEvent(block) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue; // heartbeat comment
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  if (!data.length) return null;
  return { name, data: JSON.parse(data.join("\n")) };
}
