// Reviewing an experiment's answers from the keyboard, and diffing two of them.
// j/k or ←/→ move to the next/previous cell, ↑/↓ to the same variant's cell in the row
// above/below; 1–5 score the focused cell, 0 clears its score; c or Enter opens its comment
// (Enter saves, Shift+Enter a new line, Esc cancels); d picks it for a diff (two picked: the
// diff shows); Esc drops the picks. Saves go to the review API at once, without a reload.
// Model output and comments reach the page only as textContent.

import { api, el } from "./experiment-common.js";

const NO_CELL = "00000000-0000-0000-0000-000000000000";
const reviews = new Map(); // cell id → review (or null)
const picked = [];
let focusedId = null;
let editing = false;
let settings = null;

const cells = () => [...settings.grid.querySelectorAll("td[data-cell-id]")];
const cellNamed = (id) => settings.grid.querySelector(`td[data-cell-id="${CSS.escape(id)}"]`);
const say = (text) => { settings.status.textContent = text; };

// What a cell shows of its review: the score as stars and the comment, with who gave them.
function fillReview(box, review) {
  box.replaceChildren();
  if (!review) {
    box.append(el("span", "Not reviewed", "muted"));
    return;
  }
  if (review.score) box.append(el("span", `${"★".repeat(review.score)}${"☆".repeat(5 - review.score)} ${review.score}/5`, "ex-score"));
  if (review.comment) box.append(el("div", review.comment, "ex-comment"));
  box.append(el("div", `by ${review.reviewed_by ?? "someone"}`, "muted"));
}

// Called by experiment.js for each finished cell it draws.
export function reviewNode(cell) {
  reviews.set(cell.id, cell.review ?? null);
  const box = el("div", undefined, "ex-review");
  fillReview(box, cell.review);
  return box;
}

// Called by experiment.js after each redraw of the grid (hadFocus: a cell had it before):
// focus and picks survive polling.
export function gridDrawn(hadFocus = false) {
  for (const td of cells()) {
    td.tabIndex = td.dataset.cellId === focusedId ? 0 : -1;
    td.classList.toggle("ex-picked", picked.includes(td.dataset.cellId));
  }
  if (!cells().some((td) => td.tabIndex === 0) && cells().length) cells()[0].tabIndex = 0;
  const again = focusedId && cellNamed(focusedId);
  if (again && hadFocus) again.focus();
}

// While a comment is being written the grid is not redrawn under the writer's hands.
export const reviewBusy = () => editing;

function focusCell(td) {
  if (!td) return;
  for (const other of cells()) other.tabIndex = -1;
  td.tabIndex = 0;
  focusedId = td.dataset.cellId;
  td.focus();
  td.scrollIntoView({ block: "nearest", inline: "nearest" });
}

function neighbour(td, step) {
  const all = cells();
  return all[all.indexOf(td) + step];
}

function verticalNeighbour(td, step) {
  const row = td.parentElement;
  const column = [...row.children].indexOf(td);
  let other = step > 0 ? row.nextElementSibling : row.previousElementSibling;
  while (other) {
    const candidate = other.children[column];
    if (candidate && candidate.dataset.cellId) return candidate;
    other = step > 0 ? other.nextElementSibling : other.previousElementSibling;
  }
  return null;
}

async function save(td, change) {
  const id = td.dataset.cellId;
  const before = reviews.get(id) || { score: null, comment: "" };
  const body = { score: before.score ?? null, comment: before.comment ?? "", ...change };
  say("Saving…");
  try {
    const { review } = await api(settings.reviewUrl.replace(NO_CELL, id), "PUT", body);
    reviews.set(id, review);
    settings.grid.dispatchEvent(new CustomEvent("ex:reviewed", { bubbles: true }));
    const box = (cellNamed(id) || td).querySelector(".ex-review");
    if (box) fillReview(box, review);
    if (box && focusedId === id) showTools(box.closest("td"));  // fillReview cleared them
    say(review ? `Saved: ${review.score ? `${review.score}/5` : "no score"}${review.comment ? ", with a comment" : ""}.` : "Review cleared.");
  } catch (error) {
    say(`Could not save: ${error.message}`);
  }
}

function editComment(td) {
  const box = td.querySelector(".ex-review");
  if (!box || editing) return;
  editing = true;
  const area = el("textarea", undefined, "ex-comment-edit");
  area.rows = 3;
  area.value = reviews.get(td.dataset.cellId)?.comment ?? "";
  area.setAttribute("aria-label", "Comment");
  area.placeholder = "Comment (Enter saves, Esc cancels)";
  box.append(area);
  area.focus();
  let open = true;
  // Esc and Enter return to the cell; leaving the box otherwise (a click elsewhere) drops it.
  const close = (refocus) => {
    if (!open) return;
    open = false;
    editing = false;
    area.remove();
    if (refocus) focusCell(td);
  };
  area.addEventListener("blur", () => close(false));
  area.addEventListener("keydown", async (event) => {
    event.stopPropagation();
    if (event.key === "Escape") { event.preventDefault(); close(true); }
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      const comment = area.value;
      close(true);
      await save(td, { comment });
    }
  });
}

function showDiff(data) {
  const panel = settings.diff;
  const body = panel.querySelector("#ex-diff-body");
  const mode = panel.querySelector("#ex-diff-mode").value;
  const title = panel.querySelector("#ex-diff-title");
  title.textContent = `Item ${data.a.position} · variant ${data.a.variant} → item ${data.b.position} · variant ${data.b.variant}`;
  const parts = (mode === "lines" ? data.lines : data.words).map(([kind, text]) => {
    const tag = kind === "+" ? "ins" : kind === "-" ? "del" : "span";
    return el(tag, mode === "lines" ? `${kind} ${text}\n` : text);
  });
  body.replaceChildren(...parts);
  panel.hidden = false;
}

let lastDiff = null;

async function pick(td) {
  const id = td.dataset.cellId;
  const at = picked.indexOf(id);
  if (at >= 0) picked.splice(at, 1);
  else picked.push(id);
  if (picked.length > 2) picked.shift();
  gridDrawn();
  if (picked.length < 2) {
    say(picked.length ? "Picked one answer: pick another (d) to diff them." : "");
    return;
  }
  const query = new URLSearchParams({ a: picked[0], b: picked[1] });
  try {
    lastDiff = await api(`${settings.diffUrl}?${query}`);
    showDiff(lastDiff);
    say("Diff shown below the grid.");
  } catch (error) {
    say(`Could not diff: ${error.message}`);
  }
}

// The focused cell's buttons, for a mouse or a touch screen: the same as the keys.
function showTools(td) {
  if (!settings.canReview || td.querySelector(".ex-tools")) return;
  settings.grid.querySelectorAll(".ex-tools").forEach((tools) => tools.remove());
  const tools = el("div", undefined, "ex-tools");
  for (let score = 1; score <= 5; score += 1) {
    const button = el("button", String(score), "btn btn-small");
    button.type = "button";
    button.setAttribute("aria-label", `Score ${score} of 5`);
    button.addEventListener("click", () => { focusCell(td); save(td, { score }); });
    tools.append(button);
  }
  const comment = el("button", "Comment", "btn btn-small");
  comment.type = "button";
  comment.addEventListener("click", () => editComment(td));
  tools.append(comment);
  td.querySelector(".ex-review")?.append(tools);
}

function onKey(event) {
  if (event.target.closest("button")) return;  // a button's own Enter and Space
  const td = event.target.closest("td[data-cell-id]");
  if (!td || editing || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  const moves = { j: 1, ArrowRight: 1, k: -1, ArrowLeft: -1 };
  if (key in moves) focusCell(neighbour(td, moves[key]));
  else if (key === "ArrowDown") focusCell(verticalNeighbour(td, 1));
  else if (key === "ArrowUp") focusCell(verticalNeighbour(td, -1));
  else if (/^[1-5]$/.test(key) && settings.canReview) save(td, { score: Number(key) });
  else if (key === "0" && settings.canReview) save(td, { score: null });
  else if ((key === "c" || key === "Enter") && settings.canReview) editComment(td);
  else if (key === "d") pick(td);
  else if (key === "Escape") { picked.length = 0; gridDrawn(); settings.diff.hidden = true; say(""); }
  else return;
  event.preventDefault();
}

export function reviewStart({ grid, status, diff, reviewUrl, diffUrl, canReview }) {
  settings = { grid, status, diff, reviewUrl, diffUrl, canReview };
  grid.addEventListener("keydown", onKey);
  grid.addEventListener("focusin", (event) => {
    const td = event.target.closest("td[data-cell-id]");
    if (td) { focusedId = td.dataset.cellId; showTools(td); }
  });
  grid.addEventListener("click", (event) => {
    const td = event.target.closest("td[data-cell-id]");
    if (td && !event.target.closest("textarea, button")) focusCell(td);
  });
  diff.querySelector("#ex-diff-mode").addEventListener("change", () => { if (lastDiff) showDiff(lastDiff); });
  diff.querySelector("#ex-diff-close").addEventListener("click", () => { diff.hidden = true; });
}
