// Several choices (n > 1) side by side, and answers asked for with logprobs shown token by
// token: hover (or focus) a token for its log probability and the likeliest alternatives.
// Model output is untrusted: tokens are text nodes (textContent), answers safe Markdown.

import { renderMarkdown } from "./markdown.js";

const percent = (logprob) => `${(Math.exp(logprob) * 100).toFixed(logprob > -0.0005 ? 0 : 1)}%`;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class ChoicesView {
  constructor(box) {
    this.box = box;
    this.tip = element("div", "pg-token-tip");
    this.tip.id = "token-tip";
    this.tip.setAttribute("role", "tooltip");
    this.tip.hidden = true;
    document.body.append(this.tip);
    const show = (event) => {
      const token = event.target.closest?.(".pg-token");
      if (token && this.box.contains(token)) this.showTip(token);
    };
    box.addEventListener("pointerover", show);
    box.addEventListener("focusin", show);
    box.addEventListener("pointerout", () => { this.tip.hidden = true; });
    box.addEventListener("focusout", () => { this.tip.hidden = true; });
    // One tab stop per answer, not per token: the arrow keys move between its tokens.
    box.addEventListener("keydown", (event) => {
      const token = event.target.closest?.(".pg-token");
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!token || !step) return;
      const tokens = [...token.parentElement.children];
      const next = tokens[tokens.indexOf(token) + step];
      if (!next) return;
      event.preventDefault();
      token.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    });
    this.clear();
  }

  clear() {
    this.choices = new Map(); // index -> {content, tokens, toolCalls, finishReason}
    this.tip.hidden = true;
  }

  choice(index) {
    if (!this.choices.has(index)) this.choices.set(index, { content: "", tokens: [], toolCalls: null, finishReason: "" });
    return this.choices.get(index);
  }

  delta(data) {
    const choice = this.choice(data.index ?? 0);
    if (data.content) choice.content += data.content;
    if (Array.isArray(data.logprobs)) choice.tokens.push(...data.logprobs);
    if (data.finish_reason) choice.finishReason = data.finish_reason;
  }

  // The run's summary: every choice as it was logged (what was streamed, or the whole answer).
  finish(summary) {
    if (!Array.isArray(summary.choices) || !summary.choices.length) return;
    this.choices = new Map();
    for (const [number, logged] of summary.choices.entries()) {
      const choice = this.choice(logged.index ?? number);
      const message = logged.message || {};
      choice.content = typeof message.content === "string" ? message.content : "";
      choice.toolCalls = message.tool_calls || null;
      choice.tokens = Array.isArray(logged.logprobs?.content) ? logged.logprobs.content : [];
      choice.finishReason = logged.finish_reason || "";
    }
  }

  // Whether this view shows the answer (several choices, or tokens to hover) instead of the
  // panel's single Markdown answer.
  get active() {
    return this.choices.size > 1 || [...this.choices.values()].some((c) => c.tokens.length);
  }

  paint(visible) {
    this.box.hidden = !(visible && this.active);
    if (this.box.hidden) return void (this.tip.hidden = true);
    const several = this.choices.size > 1;
    this.box.classList.toggle("pg-choices-several", several);
    this.box.style.setProperty("--choices-per-row", String(Math.min(this.choices.size, 4)));
    const columns = [...this.choices.entries()].sort(([a], [b]) => a - b).map(([index, choice]) => {
      const column = element("section", "pg-choice");
      column.dataset.choice = index;
      if (several) {
        const head = element("div", "pg-choice-head small muted", `Choice ${index + 1}`);
        if (choice.finishReason) head.append(element("span", "", ` · ${choice.finishReason}`));
        column.append(head);
      }
      column.append(this.body(choice));
      return column;
    });
    this.box.replaceChildren(...columns);
  }

  body(choice) {
    if (choice.tokens.length) {
      const text = element("div", "pg-tokens");
      text.setAttribute("aria-label", "Answer token by token: arrow keys move, each says its probability");
      choice.tokens.forEach((token, position) => {
        const span = element("span", "pg-token", String(token.token ?? ""));
        span.dataset.position = position;
        span.tabIndex = position ? -1 : 0;
        // Less likely tokens stand out more (a CSSOM style, which the CSP allows).
        const unlikely = 1 - Math.min(1, Math.exp(Number(token.logprob) || 0));
        span.style.backgroundColor = `rgba(255, 170, 0, ${(unlikely * 0.45).toFixed(3)})`;
        text.append(span);
      });
      return text;
    }
    if (!choice.content && choice.toolCalls) return element("pre", "raw", JSON.stringify(choice.toolCalls, null, 2));
    const answer = element("div", "markdown");
    renderMarkdown(answer, choice.content);
    return answer;
  }

  showTip(span) {
    const column = span.closest(".pg-choice");
    const choice = this.choices.get(Number(column?.dataset.choice ?? 0));
    const token = choice?.tokens[Number(span.dataset.position)];
    if (!token) return;
    const head = element("div", "pg-token-tip-head");
    head.append(element("code", "", JSON.stringify(token.token)), element("span", "", ` ${percent(token.logprob)} (logprob ${Number(token.logprob).toFixed(3)})`));
    const list = element("ol", "pg-token-alternatives");
    for (const alternative of token.top_logprobs || []) {
      const item = element("li");
      item.append(element("code", "", JSON.stringify(alternative.token)), element("span", "", ` ${percent(alternative.logprob)}`));
      list.append(item);
    }
    this.tip.replaceChildren(head, list.children.length ? list : element("div", "small muted", "No alternatives asked for (top logprobs)."));
    this.tip.hidden = false;
    const box = span.getBoundingClientRect();
    const left = Math.min(box.left, window.innerWidth - this.tip.offsetWidth - 8);
    const below = box.bottom + 6 + this.tip.offsetHeight < window.innerHeight;
    this.tip.style.left = `${Math.max(8, left)}px`;
    this.tip.style.top = `${below ? box.bottom + 6 : box.top - 6 - this.tip.offsetHeight}px`;
  }
}
