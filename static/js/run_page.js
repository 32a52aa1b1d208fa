// A run's page: the answer (model output, untrusted) rendered as safe Markdown
// (playground/markdown.js), with its raw text a click away; the share link's Copy button.

import { renderMarkdown } from "./playground/markdown.js";

const raw = document.getElementById("answer-raw");
const rendered = document.getElementById("answer-rendered");
const toggle = document.getElementById("answer-toggle");

function show(asRaw) {
  raw.hidden = !asRaw;
  rendered.hidden = asRaw;
  if (!toggle) return;
  toggle.textContent = asRaw ? "Rendered" : "Raw";
  toggle.setAttribute("aria-pressed", String(asRaw));
}

if (raw && rendered) {
  renderMarkdown(rendered, raw.textContent);
  if (toggle) {
    toggle.hidden = false;
    toggle.onclick = () => show(rendered.hidden === false);
  }
  show(false);
}

document.querySelectorAll("[data-copy]").forEach((button) => {
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.onclick = async () => {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = "Copied";
  };
});
