// Behaviour shared by every page. No inline handlers anywhere: the CSP forbids them.

import { forgetAllDrafts } from "./playground/state.js";

// Selects marked data-autosubmit submit their form on change (the Switch/Set button is the no-JS fallback).
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.requestSubmit());
});
document.documentElement.classList.add("js");

// Forms marked data-confirm ask before submitting.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

// Buttons marked data-copy="<selector>" copy that element's text.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  button.addEventListener("click", async () => {
    const source = document.querySelector(button.dataset.copy);
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
    } catch {
      window.getSelection().selectAllChildren(source);
      button.textContent = "Press Ctrl+C";
    }
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// Logging out forgets the playground drafts kept in this browser: the next person starts afresh.
document.querySelectorAll("form[data-forget-drafts]").forEach((form) => {
  form.addEventListener("submit", forgetAllDrafts);
});
