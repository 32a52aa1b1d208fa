// One compare pane on the page: its model picker, parameters, optional system prompt, its own
// conversation when un-synced, and its answer with latency, time to first token, tokens and
// cost. Edits go straight into the pane's entry of the compare state; `changed()` keeps it.

import { autoGrow } from "../editors.js";
import { renderMarkdown } from "../markdown.js";
import { chooseModel, fillModelPicker } from "../models.js";
import { fieldErrorText, runCompletion, stoppedRun } from "../stream.js";
import { paneLetter } from "./draft.js";

export class PaneView {
  // `pane`: its state; `actions`: {changed, remove, use, save, appendAnswer}.
  constructor(pane, index, actions) {
    this.pane = pane;
    this.actions = actions;
    this.element = document.querySelector("#compare-pane-template").content.firstElementChild.cloneNode(true);
    this.controller = null;
    this.letter = paneLetter(index);
    this.element.dataset.pane = this.letter;
    this.element.setAttribute("aria-label", `Pane ${this.letter}`);
    this.find(".cmp-letter").textContent = this.letter;
    this.find('[data-field="model"]').setAttribute("aria-label", `Model for pane ${this.letter}`);
    this.find('[data-action="remove"]').setAttribute("aria-label", `Remove pane ${this.letter}`);
    this.bindSettings();
    this.paintMoreHint();
    this.paintResult();
  }

  find(selector) {
    return this.element.querySelector(selector);
  }

  bindSettings() {
    const { pane, actions } = this;
    const model = this.find('[data-field="model"]');
    model.onchange = () => {
      [pane.provider, pane.model] = model.value.split("::");
      model.title = pane.model; // the whole name, where the picker is too narrow to show it
      actions.changed();
    };
    for (const input of this.element.querySelectorAll("[data-param]")) {
      input.value = pane.params[input.dataset.param] ?? "";
      input.oninput = () => { pane.params[input.dataset.param] = input.value; this.paintMoreHint(); actions.changed(); };
    }
    const own = this.find('[data-field="ownSystem"]');
    const system = this.find('[data-field="system"]');
    own.checked = pane.ownSystem;
    system.value = pane.system;
    system.hidden = !pane.ownSystem;
    own.onchange = () => {
      pane.ownSystem = own.checked;
      system.hidden = !own.checked;
      this.paintMoreHint();
      if (own.checked) system.focus();
      actions.changed();
    };
    system.oninput = () => { pane.system = system.value; actions.changed(); };
    autoGrow(system);
    this.find('[data-action="remove"]').onclick = actions.remove;
    this.find('[data-action="use"]').onclick = actions.use;
    this.find('[data-action="save"]').onclick = actions.save;
    this.find('[data-action="append"]').onclick = actions.appendAnswer;
    this.find('[data-action="add-message"]').onclick = () => {
      const last = pane.messages[pane.messages.length - 1];
      pane.messages.push({ role: last?.role === "user" ? "assistant" : "user", content: "", tool_calls: "", tool_call_id: "" });
      this.paintConversation({ synced: false });
      actions.changed();
      this.element.querySelector(".cmp-messages li:last-child textarea").focus();
    };
  }

  // What is set under "More settings", said on its summary so a closed one hides nothing.
  paintMoreHint() {
    const set = [...this.find(".cmp-more").querySelectorAll("[data-param]")]
      .filter((input) => input.value !== "")
      .map((input) => input.closest("label").firstChild.textContent.trim().toLowerCase());
    if (this.pane.ownSystem) set.push("own system prompt");
    this.find("[data-more-hint]").textContent = set.length ? `· ${set.join(", ")}` : "";
  }

  // The model picker, from GET /api/models/'s groups.
  paintModels(groups) {
    const select = this.find('[data-field="model"]');
    fillModelPicker(select, groups);
    if (select.options.length) [this.pane.provider, this.pane.model] = chooseModel(select, this.pane);
    select.title = this.pane.model;
  }

  // Un-synced, the pane's own copy of the conversation: role and text of each message.
  paintConversation({ synced }) {
    const box = this.find(".cmp-conversation");
    box.hidden = synced;
    const list = this.find(".cmp-messages");
    list.replaceChildren();
    if (synced) return;
    this.pane.messages.forEach((message, index) => {
      const item = document.createElement("li");
      item.dataset.role = message.role;
      const role = document.createElement("select");
      role.className = "role-select";
      role.setAttribute("aria-label", "Role");
      role.append(...["user", "assistant", "tool"].map((r) => new Option(r[0].toUpperCase() + r.slice(1), r)));
      role.value = message.role;
      role.onchange = () => { message.role = role.value; item.dataset.role = role.value; this.actions.changed(); };
      const remove = Object.assign(document.createElement("button"), { type: "button", className: "btn btn-small icon btn-danger", textContent: "✕" });
      remove.setAttribute("aria-label", "Delete message");
      remove.onclick = () => {
        this.pane.messages.splice(index, 1);
        this.paintConversation({ synced });
        this.actions.changed();
      };
      const head = document.createElement("div");
      head.className = "cmp-message-head";
      head.append(role, remove);
      const text = document.createElement("textarea");
      text.className = "grow";
      text.rows = 1;
      // Text is edited here; a message made of parts (an image, say) is kept as the editor made it.
      text.value = typeof message.content === "string" ? message.content : "(a message with parts: edit it in the editor)";
      text.disabled = typeof message.content !== "string";
      text.setAttribute("aria-label", "Message content");
      text.oninput = () => { message.content = text.value; this.actions.changed(); };
      item.append(head, text);
      list.append(item);
      autoGrow(text);
    });
  }

  // Running

  start() {
    this.controller = new AbortController();
    this.startedAt = performance.now();
    this.pane.result = { status: "running", content: "", runId: null };
    this.clock = setInterval(() => this.tick(), 100);
    this.tick();
    this.paintResult();
    return this.controller.signal;
  }

  tick() {
    this.find("[data-elapsed]").textContent = `${((performance.now() - this.startedAt) / 1000).toFixed(1)} s`;
  }

  async run(body) {
    const signal = this.start();
    const result = this.pane.result;
    try {
      await runCompletion(body, {
        signal,
        onEvent: (name, data) => {
          if (name === "run") { result.runId = data.run_id; this.paintResult(); }
          if (name === "delta" && (data.index ?? 0) === 0 && data.content) { result.content += data.content; this.schedulePaint(); }
          if (name === "done") this.finish(data);
        },
      });
    } catch (error) {
      if (error.name === "AbortError") this.stopped(); // not awaited: Run all is free again at once
      else if (error.body?.run_id) this.finish(error.body);
      else this.fail(error.body?.errors ? fieldErrorText(error.body.errors) : error.message || "The request failed.");
    } finally {
      this.settle();
      if (result.status === "running") this.fail("The stream ended before the run's summary arrived.");
    }
  }

  stop() {
    this.controller?.abort();
  }

  get running() {
    return this.pane.result?.status === "running";
  }

  settle() {
    clearInterval(this.clock);
    this.controller = null;
  }

  finish(summary) {
    this.settle();
    const calls = summary.message?.tool_calls;
    Object.assign(this.pane.result, statsOf(summary), {
      status: summary.status === "ok" ? "done" : summary.status,
      content: calls?.length ? JSON.stringify(calls, null, 2) : summary.message?.content ?? this.pane.result.content,
      toolCalls: Boolean(calls?.length),
      error: summary.status === "cancelled" ? "" : summary.error?.message || "",
      runId: summary.run_id,
    });
    this.paintResult();
    this.actions.changed();
  }

  fail(message) {
    this.settle();
    this.pane.result = Object.assign(this.pane.result || { content: "" }, { status: "error", error: message });
    this.paintResult();
    this.actions.changed();
  }

  // Stop: what arrived stays; the run's tokens and cost are asked for once it is logged.
  async stopped() {
    const result = this.pane.result;
    this.settle();
    Object.assign(result, { status: "stopped", latency_ms: Math.round(performance.now() - this.startedAt) });
    this.paintResult();
    this.actions.changed();
    if (!result.runId) return;
    const run = await stoppedRun(result.runId, () => this.pane.result === result); // not run again
    if (!run) return;
    Object.assign(result, statsOf(run));
    this.paintResult();
    this.actions.changed();
  }

  schedulePaint() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.paintResult(); });
  }

  paintResult() {
    const result = this.pane.result;
    this.element.dataset.status = result?.status || "empty";
    const badge = this.find("[data-status]");
    const kinds = { done: "ok", stopped: "warn", cancelled: "warn", running: "", error: "danger" };
    badge.textContent = result ? (result.status === "running" ? "running…" : result.status) : "";
    badge.className = `badge ${kinds[result?.status] ? `badge-${kinds[result.status]}` : ""}`;
    this.find(".pg-running").hidden = result?.status !== "running";
    this.find(".pg-empty").hidden = Boolean(result);
    const error = this.find("[data-error]");
    error.hidden = !result?.error;
    error.textContent = result?.error || ""; // textContent: upstream error text is untrusted
    const content = this.find("[data-content]");
    if (result?.toolCalls) {
      const pre = Object.assign(document.createElement("pre"), { className: "raw", textContent: result.content });
      content.replaceChildren(pre);
    } else {
      renderMarkdown(content, result?.content || "");
    }
    this.paintStats(result);
    const link = this.find("[data-run-link]");
    link.hidden = !result?.runId;
    if (result?.runId) link.href = `/runs/${result.runId}/`;
    this.find('[data-action="append"]').hidden = !(this.pane.messages && result?.content && !result.toolCalls && result.status !== "running");
  }

  paintStats(result) {
    const stats = this.find(".cmp-stats");
    const finished = result && result.status !== "running";
    stats.hidden = !finished;
    if (!finished) return;
    const ms = (value) => (value === null || value === undefined ? "—" : `${value} ms`);
    const usage = result.usage || {};
    const known = (value) => (value === null || value === undefined ? "?" : value);
    const tokens = result.usage ? `${known(usage.prompt_tokens)} → ${known(usage.completion_tokens)}` : "—";
    const cost = result.cost === null || result.cost === undefined ? "—" : money(result.cost, this.actions.currency);
    const rows = [
      ["Latency", `${ms(result.latency_ms)}${result.status === "stopped" && !result.usage ? " (until Stop)" : ""}`],
      ["First token", ms(result.ttft_ms)],
      ["Tokens in → out", tokens],
      ["Cost", cost],
    ];
    stats.replaceChildren(
      ...rows.map(([term, value]) => {
        const item = document.createElement("div");
        const dt = Object.assign(document.createElement("dt"), { textContent: term });
        const dd = Object.assign(document.createElement("dd"), { textContent: value });
        if (term === "Cost" && value === "—") dd.title = "No price is set for this model";
        item.append(dt, dd);
        return item;
      }),
    );
  }
}

function statsOf(summary) {
  return {
    latency_ms: summary.latency_ms ?? null,
    ttft_ms: summary.ttft_ms ?? null,
    usage: summary.usage || null,
    cost: summary.cost ?? null,
    finish_reason: summary.finish_reason || "",
  };
}

// A run's cost is a fraction of a cent: six decimals, as the server keeps it.
function money(amount, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency, minimumFractionDigits: 6, maximumFractionDigits: 6 }).format(amount);
  } catch {
    return `${Number(amount).toFixed(6)} ${currency}`; // a code Intl does not know
  }
}
