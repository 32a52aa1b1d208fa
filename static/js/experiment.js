// An experiment's page: polls the progress API (no reload), shows the summary and the results
// grid, filters it (failures, disagreeing variants) and sorts it on the server, cancels.
// Reviewing and diffing cells: experiment-review.js. Model output is untrusted: it reaches
// the page only as textContent (JSON pretty-printed as text), never as HTML.

import { api, el } from "./experiment-common.js";
import { gridDrawn, reviewBusy, reviewNode, reviewStart } from "./experiment-review.js";

const section = document.getElementById("progress");
const urls = section.dataset;
const bar = document.getElementById("ex-bar");
const numbers = document.getElementById("ex-numbers");
const statusBadge = document.getElementById("ex-status");
const cancelButton = document.getElementById("ex-cancel");
const failuresOnly = document.getElementById("ex-failures");
const disagree = document.getElementById("ex-disagree");
const sortBy = document.getElementById("ex-sort");
const grid = document.querySelector("#ex-grid tbody");
const summary = document.querySelector("#ex-summary tbody");
const pageLabel = document.getElementById("ex-page");
const POLL_MS = 1500;
const SUMMARY_EVERY = 4;
let polls = 0;
let page = 1;
let pages = 1;

// JSON answers pretty-printed, anything else as it came; text either way.
function answerNode(answer) {
  if (answer === null || answer === undefined) return el("span", "—", "muted");
  try {
    const parsed = JSON.parse(answer);
    if (parsed !== null && typeof parsed === "object") return el("pre", JSON.stringify(parsed, null, 2));
  } catch (_) { /* not JSON: shown as text */ }
  return el("div", answer, "ex-answer");
}

const seconds = (s) => (s === null || s === undefined ? "—" : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

// Unknown cost is shown as unknown, never as 0 (README "Usage").
function costShown(p) {
  if (!p.runs_with_unknown_cost) return p.cost;
  return Number(p.cost) === 0 ? "unknown" : `${p.cost} + unknown`;
}

function showProgress(p) {
  bar.max = Math.max(1, p.total);
  bar.value = p.total - p.remaining;
  statusBadge.textContent = p.status;
  numbers.textContent = `${p.done} done · ${p.failed} failed · ${p.remaining} remaining` +
    (p.cancelled ? ` · ${p.cancelled} cancelled` : "") +
    ` · elapsed ${seconds(p.elapsed_seconds)} · ETA ${p.status === "running" ? seconds(p.eta_seconds) : "—"}` +
    ` · ${p.tokens} tokens · cost ${costShown(p)}` +
    (p.judge_calls || p.judging ? ` · judge: ${p.judge_calls} calls, cost ${p.judge_cost ?? "unknown"}${p.judging ? `, ${p.judging} cells waiting` : ""}` : "");
  const stop = document.getElementById("ex-stop");
  stop.hidden = !p.stop_reason;
  stop.textContent = p.stop_reason || "";
  if (cancelButton) cancelButton.hidden = p.status !== "running";
}

function showSummary(data) {
  summary.replaceChildren(...data.variants.map((v) => {
    const row = el("tr");
    const rates = Object.entries(v.pass_rates).map(([name, rate]) => `${name}: ${Math.round(rate * 100)}%`)
      .concat(Object.entries(v.judge_scores || {}).map(([name, score]) => `${name} mean score ${score.toFixed(2)}`)).join(", ");
    const human = v.human_score_mean === null || v.human_score_mean === undefined ? "—" : `${v.human_score_mean.toFixed(1)} / 5 (${v.reviews})`;
    for (const text of [v.name, v.done, v.errors, rates || "—", human, `${v.latency_p50_ms ?? "—"} / ${v.latency_p95_ms ?? "—"}`, v.tokens, v.cost ?? "unknown"]) {
      row.append(el("td", String(text)));
    }
    return row;
  }));
}

function cellNode(cell) {
  const td = el("td", undefined, cell.status === "failed" || cell.passed === false ? "ex-cell-failed" : cell.passed ? "ex-cell-passed" : "");
  td.dataset.status = cell.status;
  td.dataset.variant = cell.variant;
  if (cell.status === "pending" || cell.status === "running" || cell.status === "cancelled") {
    td.append(el("span", cell.status, "muted"));
    return td;
  }
  td.append(answerNode(cell.answer));
  if (cell.error) td.append(el("div", cell.error, "small fail"));
  const verdicts = el("div", undefined, "ex-verdicts");
  for (const r of cell.results) {
    const mark = r.passed === null ? "–" : r.passed ? "✓" : "✗";
    // A judge's reason is the judge model's own words: text, like every answer.
    const score = r.score === null || r.score === undefined ? "" : ` ${r.score.toFixed(2)}`;
    verdicts.append(el("span", `${mark} ${r.name}${score}${r.detail ? ` (${r.detail})` : ""} `, r.passed === false ? "fail" : "pass"));
  }
  if (cell.latency_ms !== null) verdicts.append(el("span", `${cell.latency_ms} ms`, "muted"));
  td.append(verdicts);
  td.dataset.cellId = cell.id;
  td.append(reviewNode(cell));
  return td;
}

function showGrid(data) {
  const hadFocus = grid.contains(document.activeElement);
  pages = data.pages;
  pageLabel.textContent = `Page ${data.page} of ${data.pages} · ${data.count} items`;
  grid.replaceChildren(...data.results.map((row) => {
    const tr = el("tr");
    tr.append(el("td", String(row.position)));
    const item = el("td");
    item.append(el("pre", JSON.stringify(row.variables, null, 2)));
    if (row.expected !== null) item.append(el("div", `expected: ${typeof row.expected === "string" ? row.expected : JSON.stringify(row.expected)}`, "small muted"));
    tr.append(item);
    for (const cell of row.cells) tr.append(cellNode(cell));
    return tr;
  }));
  gridDrawn(hadFocus);
}

async function refreshGrid() {
  if (reviewBusy()) return;  // a comment is being written: the next poll redraws
  const query = new URLSearchParams({
    page, failures: failuresOnly.checked ? "true" : "false", disagree: disagree.value, sort: sortBy.value,
  });
  try {
    showGrid(await api(`${urls.resultsUrl}?${query}`));
  } catch (error) {
    if (page > 1) { page = 1; return refreshGrid(); }  // a filter left fewer pages
    grid.replaceChildren();
    pageLabel.textContent = failuresOnly.checked || disagree.value ? "No items match." : error.message;
  }
}

async function poll() {
  let progress;
  try {
    progress = await api(urls.progressUrl);
  } catch (error) {
    numbers.textContent = `Could not load progress: ${error.message}`;
    setTimeout(poll, POLL_MS * 2);
    return;
  }
  showProgress(progress);
  // The summary reads every cell: every few polls while running, and once at the end.
  const running = progress.status === "running" || progress.judging > 0;
  const summary = !running || polls % SUMMARY_EVERY === 0 ? api(urls.summaryUrl).then(showSummary).catch(() => {}) : null;
  polls += 1;
  await Promise.all([refreshGrid(), summary]);
  if (running) setTimeout(poll, POLL_MS);
}

for (const control of [failuresOnly, disagree, sortBy]) {
  control.addEventListener("change", () => { page = 1; refreshGrid(); });
}
// A review changes the summary's human scores: read it again.
grid.addEventListener("ex:reviewed", () => api(urls.summaryUrl).then(showSummary).catch(() => {}));
reviewStart({
  grid,
  status: document.getElementById("ex-review-status"),
  diff: document.getElementById("ex-diff"),
  reviewUrl: urls.reviewUrl,
  diffUrl: urls.diffUrl,
  canReview: urls.canReview === "true",
});
document.getElementById("ex-prev").addEventListener("click", () => { if (page > 1) { page -= 1; refreshGrid(); } });
document.getElementById("ex-next").addEventListener("click", () => { if (page < pages) { page += 1; refreshGrid(); } });
if (cancelButton) {
  cancelButton.addEventListener("click", async () => {
    cancelButton.disabled = true;
    try {
      await api(urls.cancelUrl, "POST");
    } catch (error) {
      numbers.textContent = `Could not cancel: ${error.message}`;
    }
    cancelButton.disabled = false;
    showProgress(await api(urls.progressUrl));
  });
}
poll();
