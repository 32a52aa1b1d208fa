// The response panel: streamed text as it arrives, then the run's summary — content as safe
// Markdown or raw text, JSON pretty-printed with its schema check, tool calls, usage, timings.

import { renderMarkdown } from "./markdown.js";

const $ = (selector) => document.querySelector(selector);

export class ResponsePanel {
  constructor() {
    this.view = "pretty";
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
    this.jsonExpected = false;
    this.pending = false;
  }

  start({ jsonExpected }) {
    this.reset();
    this.jsonExpected = jsonExpected;
    $("#response").hidden = false;
    $("#response-error").hidden = true;
    $("#response-schema").hidden = true;
    $("#add-response").hidden = true;
    $("#add-tool-results").hidden = true;
    $("#run-link").hidden = true;
    $("#response-meta").replaceChildren();
    this.setStatus("running…", "");
    this.paint();
  }

  setStatus(text, kind) {
    const badge = $("#response-status");
    badge.textContent = text;
    badge.className = `badge ${kind ? `badge-${kind}` : ""}`;
  }

  delta(data) {
    if (data.index !== 0 && data.index !== undefined) return; // the panel shows the first choice
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
    this.summary = summary;
    this.content = summary.message?.content ?? this.content;
    this.toolCalls = new Map((summary.message?.tool_calls || []).map((call, i) => [i, call]));
    const status = summary.status;
    this.setStatus(status === "ok" ? "done" : status, status === "ok" ? "ok" : status === "cancelled" ? "warn" : "danger");
    if (summary.error && status !== "cancelled") this.showError(summary.error.message);
    this.paintSchema(summary.schema);
    this.paintMeta(summary);
    $("#add-response").hidden = !(this.content && !this.toolCalls.size);
    $("#add-tool-results").hidden = !this.toolCalls.size;
    const link = $("#run-link");
    link.href = `/runs/${summary.run_id}/`;
    link.hidden = false;
    this.paint();
  }

  showError(message) {
    const box = $("#response-error");
    box.textContent = message; // textContent: upstream error text is untrusted too
    box.hidden = false;
    $("#response").hidden = false;
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
    this.paintToolCalls();
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

  paintMeta(summary) {
    const usage = summary.usage || {};
    const tokens = (value) => (value === null || value === undefined ? "unknown" : String(value));
    const rows = [
      ["Finish reason", summary.finish_reason || "—"],
      ["Tokens", `${tokens(usage.prompt_tokens)} prompt · ${tokens(usage.completion_tokens)} completion · ${tokens(usage.total_tokens)} total${usage.source === "partial" ? " (partial)" : ""}`],
      ["Latency", summary.latency_ms === null ? "—" : `${summary.latency_ms} ms`],
      ["Time to first token", summary.ttft_ms === null ? "—" : `${summary.ttft_ms} ms`],
      ["Model", `${summary.model} · ${summary.provider}`],
    ];
    $("#response-meta").replaceChildren(
      ...rows.flatMap(([term, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = term;
        const dd = document.createElement("dd");
        dd.textContent = value;
        return [dt, dd];
      }),
    );
  }

  copyText() {
    if (this.toolCalls.size) return JSON.stringify([...this.toolCalls.values()], null, 2);
    return this.content || "";
  }
}
