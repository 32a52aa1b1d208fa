// The response panel: streamed text as it arrives, then the run's summary — content as safe
// Markdown or raw text, JSON pretty-printed with its schema check, tool calls, usage, timings.
// While a run is in flight it shows a spinner and the time so far, and keeps the answer in view.

import { ChoicesView } from "./choices.js";
import { Follower } from "./follow.js";
import { renderMarkdown } from "./markdown.js";
import { stoppedRun } from "./stream.js";

const $ = (selector) => document.querySelector(selector);

export class ResponsePanel {
  constructor({ wide }) {
    this.view = "pretty";
    this.follower = new Follower($("#response"), wide);
    this.generation = 0; // which run the panel shows: a late answer about an older one is dropped
    this.choices = new ChoicesView($("#response-choices")); // n > 1, logprobs
    this.reset();
    document.querySelectorAll("[data-view]").forEach((button) => {
      button.onclick = () => {
        this.view = button.dataset.view;
        document.querySelectorAll("[data-view]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
        this.paint();
      };
    });
    $("#copy-response").onclick = () => navigator.clipboard?.writeText(this.copyText());
  }

  reset() {
    this.content = "";
    this.toolCalls = new Map();
    this.summary = null;
    this.runId = null;
    this.jsonExpected = false;
    this.pending = false;
    this.choices.clear();
  }

  start({ jsonExpected }) {
    this.reset();
    this.generation += 1;
    this.jsonExpected = jsonExpected;
    $("#response").classList.remove("is-empty");
    $("#response-error").hidden = true;
    $("#response-schema").hidden = true;
    for (const id of ["add-response", "add-tool-results", "regenerate", "run-link"]) $(`#${id}`).hidden = true;
    $("#response-meta").replaceChildren();
    this.setStatus("running…", "");
    this.startClock();
    this.paint();
    this.follower.start();
  }

  // Back to the empty panel (Reset, or a request the server refused before running it).
  clear() {
    this.settle();
    this.follower.on = false;
    this.reset();
    this.generation += 1;
    $("#response").classList.add("is-empty");
    $("#response-error").hidden = true;
    for (const id of ["add-response", "add-tool-results", "regenerate", "run-link"]) $(`#${id}`).hidden = true;
    $("#response-meta").replaceChildren();
    this.setStatus("", "");
    this.paint();
  }

  startClock() {
    const started = performance.now();
    const elapsed = $("#response-elapsed");
    const tick = () => { elapsed.textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`; };
    tick();
    clearInterval(this.clock);
    this.clock = setInterval(tick, 100);
    this.startedAt = started;
    this.running = true;
    $("#response-running").hidden = false;
  }

  // The run is over, however it ended.
  settle() {
    this.running = false;
    clearInterval(this.clock);
    $("#response-running").hidden = true;
  }

  // The stream's first event: the run exists, so it can be opened (and found again after Stop).
  runStarted(data) {
    this.runId = data.run_id;
    this.showRunLink();
  }

  showRunLink() {
    const link = $("#run-link");
    link.href = `/runs/${this.runId}/`;
    link.hidden = false;
  }

  setStatus(text, kind) {
    const badge = $("#response-status");
    badge.textContent = text;
    badge.className = `badge ${kind ? `badge-${kind}` : ""}`;
  }

  delta(data) {
    this.choices.delta(data);
    if (data.index !== 0 && data.index !== undefined) return this.schedulePaint(); // ChoicesView's
    if (data.content) this.content += data.content;
    for (const call of data.tool_calls || []) {
      const current = this.toolCalls.get(call.index) || { id: "", type: "function", function: { name: "", arguments: "" } };
      if (call.id) current.id = call.id;
      if (call.name) current.function.name += call.name;
      if (call.arguments) current.function.arguments += call.arguments;
      this.toolCalls.set(call.index, current);
    }
    this.schedulePaint();
  }

  schedulePaint() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.paint(); });
  }

  finish(summary) {
    this.settle();
    this.summary = summary;
    this.runId = summary.run_id;
    this.content = summary.message?.content ?? this.content;
    this.toolCalls = new Map((summary.message?.tool_calls || []).map((call, i) => [i, call]));
    this.choices.finish(summary);
    const status = summary.status;
    this.setStatus(status === "ok" ? "done" : status, status === "ok" ? "ok" : status === "cancelled" ? "warn" : "danger");
    if (summary.error && status !== "cancelled") this.showError(summary.error.message);
    this.paintSchema(summary.schema);
    this.paintMeta(summary);
    $("#add-response").hidden = !(this.content && !this.toolCalls.size);
    $("#add-tool-results").hidden = !this.toolCalls.size;
    this.showRunLink();
    this.paint();
  }

  // Stop: what arrived stays. The server's final event does not come after the hang-up, so the
  // run's tokens and latency are asked for once the server has logged it as cancelled.
  async stopped() {
    this.settle();
    this.setStatus("stopped", "warn");
    $("#add-response").hidden = !this.content;
    if (!this.runId) return;
    const generation = this.generation;
    const latency = Math.round(performance.now() - this.startedAt);
    const measured = { latency_ms: latency, ttft_ms: null, usage: null, model: "", provider: "" };
    this.paintMeta(measured, { tokens: "counting…" });
    const run = await stoppedRun(this.runId, () => generation === this.generation);
    if (generation !== this.generation) return; // another run started meanwhile
    if (run) this.paintMeta(run);
    else this.paintMeta(measured, { tokens: "not logged yet: Open run shows them once it is" });
  }

  showError(message) {
    const box = $("#response-error");
    box.textContent = message; // textContent: upstream error text is untrusted too
    box.hidden = false;
    this.settle();
    $("#response").classList.remove("is-empty");
    if (!this.summary) this.setStatus("error", "danger");
  }

  paint() {
    const pretty = $("#response-content");
    const raw = $("#response-raw");
    const json = this.prettyJson();
    pretty.hidden = this.view !== "pretty";
    raw.hidden = this.view !== "raw";
    raw.textContent = this.content;
    if (this.view === "pretty") {
      if (json !== null) {
        const pre = document.createElement("pre");
        pre.className = "raw json";
        pre.textContent = json;
        pretty.replaceChildren(pre);
      } else {
        renderMarkdown(pretty, this.content);
      }
    }
    this.choices.paint(this.view === "pretty" && json === null);
    if (!this.choices.box.hidden) pretty.hidden = true; // it shows the answer instead
    this.paintToolCalls();
    this.follower.keep();
  }

  prettyJson() {
    if (!this.jsonExpected || !this.summary || this.content === null) return null;
    try {
      return JSON.stringify(JSON.parse(this.content), null, 2);
    } catch {
      return null;
    }
  }

  paintToolCalls() {
    const box = $("#response-tools");
    box.hidden = !this.toolCalls.size;
    box.replaceChildren(
      ...[...this.toolCalls.values()].map((call) => {
        const item = document.createElement("div");
        item.className = "tool-call";
        const head = document.createElement("div");
        head.className = "tool-call-head";
        head.textContent = `Tool call: ${call.function.name}`;
        const id = document.createElement("span");
        id.className = "muted small";
        id.textContent = call.id ? ` ${call.id}` : "";
        head.append(id);
        const args = document.createElement("pre");
        args.className = "raw";
        try {
          args.textContent = JSON.stringify(JSON.parse(call.function.arguments), null, 2);
        } catch {
          args.textContent = call.function.arguments;
        }
        item.append(head, args);
        return item;
      }),
    );
  }

  paintSchema(schema) {
    const box = $("#response-schema");
    box.hidden = !schema;
    if (!schema) return;
    box.className = `callout ${schema.valid ? "callout-success" : "callout-error"}`;
    box.textContent = schema.valid ? "✓ Valid against the JSON schema" : `✗ Does not match the schema — ${schema.error}`;
  }

  // `tokens`: what to say instead while a stopped run is not logged yet (latency measured here).
  paintMeta(summary, { tokens: tokensNote = null } = {}) {
    const measuredHere = tokensNote !== null;
    const usage = summary.usage || {};
    const tokens = (value) => (value === null || value === undefined ? "unknown" : String(value));
    const rows = [
      ["Finish reason", summary.finish_reason || "—"],
      ["Tokens", measuredHere ? tokensNote : `${tokens(usage.prompt_tokens)} prompt · ${tokens(usage.completion_tokens)} completion · ${tokens(usage.total_tokens)} total${usage.source === "partial" ? " (partial)" : ""}`],
      ["Latency", summary.latency_ms === null ? "—" : `${summary.latency_ms} ms${measuredHere ? " (until Stop)" : ""}`],
      ["Time to first token", summary.ttft_ms === null ? "—" : `${summary.ttft_ms} ms`],
    ];
    if (summary.model) rows.push(["Model", `${summary.model} · ${summary.provider}`]);
    $("#response-meta").replaceChildren(
      ...rows.flatMap(([term, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = term;
        const dd = document.createElement("dd");
        dd.textContent = value;
        return [dt, dd];
      }),
    );
    this.follower.keep();
  }

  copyText() {
    if (this.toolCalls.size) return JSON.stringify([...this.toolCalls.values()], null, 2);
    return this.content || "";
  }
}
