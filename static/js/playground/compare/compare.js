// Compare mode: 2 to 4 panes side by side (stacked on a phone), each with its own model,
// parameters and, if wanted, system prompt, sharing the editor's conversation unless un-synced.
// Run all streams every pane at once (each its own run); Stop stops them all. A pane can be
// diffed with another, made the editor's setup ("Use this pane") or saved as a template version.

import { wide } from "../layout.js";
import { RequestProblem, buildRequest, variableNames, variableValues } from "../state.js";
import { apiGet } from "../stream.js";
import { MAX_PANES, MIN_PANES, applyPane, compareDraftOf, newPane, paneLetter, paneState } from "./draft.js";
import { PaneView } from "./pane.js";
import { renderWordDiff } from "./worddiff.js";

const $ = (selector) => document.querySelector(selector);

// `getState()`: the editor's state; `saveDialog`: templates.js's; `onUse()`: the editor's state
// was changed by "Use this pane", redraw it.
export function setUpCompare({ config, getState, saveDialog, onUse }) {
  const draft = compareDraftOf(config.user);
  const compare = draft.load();
  const section = $("#compare");
  const heading = Object.assign(document.createElement("strong"), { id: "compare-heading", hidden: true });
  $(".pg-model").append(heading);
  let views = [];
  let groups = null; // GET /api/models/, fetched when compare mode is first entered
  let running = false;
  const changed = () => draft.save(compare);

  const place = () => {
    if (wide.matches) $("#editor").after(section);
    else $(".pg-conversation").after(section);
  };
  place();
  wide.addEventListener("change", place);

  // The panes drawn again from the state, then the mode. Never while they run: a run in
  // flight paints its own pane (leaving compare mode meanwhile only hides them).
  function paint() {
    if (!running) {
      views = compare.panes.map((pane, index) => new PaneView(pane, index, actionsFor(index)));
      $("#compare-panes").replaceChildren(...views.map((view) => view.element));
      $("#compare-panes").dataset.count = String(views.length);
      for (const view of views) {
        view.paintConversation({ synced: compare.synced });
        if (groups) view.paintModels(groups);
      }
    }
    paintMode();
  }

  function paintMode() {
    document.body.classList.toggle("is-comparing", compare.on);
    document.body.classList.toggle("is-unsynced", compare.on && !compare.synced);
    section.hidden = !compare.on;
    heading.hidden = !compare.on;
    heading.textContent = `Comparing ${compare.panes.length} panes`;
    $("#compare-toggle").setAttribute("aria-pressed", String(compare.on));
    $("#compare-toggle").textContent = compare.on ? "Exit compare" : "Compare";
    $("#run").firstChild.textContent = compare.on ? "Run all " : "Run ";
    $("#compare-sync").checked = compare.synced;
    $("#compare-unsynced").hidden = compare.synced;
    paintControls();
  }

  // What may change while panes run: nothing that redraws them.
  function paintControls() {
    $("#run").disabled = running;
    $("#stop").disabled = !running;
    $("#compare-add").disabled = running || compare.panes.length >= MAX_PANES;
    $("#compare-sync").disabled = running;
    for (const button of section.querySelectorAll('[data-action="remove"]')) button.disabled = running || compare.panes.length <= MIN_PANES;
  }

  function actionsFor(index) {
    const pane = compare.panes[index];
    return {
      changed,
      currency: config.currency || "",
      remove: () => {
        compare.panes.splice(index, 1);
        changed();
        paint();
      },
      use: () => {
        stop();
        applyPane(getState(), pane, { synced: compare.synced });
        compare.on = false;
        changed();
        paintMode();
        onUse();
      },
      save: () => saveDialog.open(() => paneState(getState(), pane, { synced: compare.synced }), `pane ${paneLetter(index)}`),
      appendAnswer: () => {
        pane.messages.push(
          { role: "assistant", content: pane.result.content, tool_calls: "", tool_call_id: "" },
          { role: "user", content: "", tool_calls: "", tool_call_id: "" },
        );
        changed();
        views[index].paintConversation({ synced: false });
        views[index].paintResult();
        section.querySelector(`[data-pane="${paneLetter(index)}"] .cmp-messages li:last-child textarea`).focus();
      },
    };
  }

  async function loadModels() {
    if (groups) return;
    try {
      groups = await apiGet("/api/models/");
    } catch {
      groups = null; // the toolbar's picker says why; panes keep the models they name
      return;
    }
    for (const view of views) view.paintModels(groups);
    changed();
  }

  async function enter() {
    const main = getState();
    while (compare.panes.length < MIN_PANES) compare.panes.push(newPane(main, { synced: compare.synced }));
    compare.on = true;
    changed();
    paint();
    await loadModels();
  }

  function exit() {
    stop();
    compare.on = false;
    changed();
    paintMode();
  }

  // The request each pane sends, or null where the pane's setup cannot be sent (said in it).
  function requestFor(pane, view) {
    const state = paneState(getState(), pane, { synced: compare.synced });
    try {
      const body = buildRequest(state);
      if (groups?.length > 1 && pane.provider) body.provider = pane.provider;
      if (variableNames(state).length) body.variables = variableValues(state);
      return body;
    } catch (problem) {
      if (!(problem instanceof RequestProblem)) throw problem;
      view.fail(`${problem.field}: ${problem.message}`);
      return null;
    }
  }

  async function runAll() {
    if (running) return;
    const bodies = views.map((view, index) => requestFor(compare.panes[index], view));
    running = true;
    paintControls();
    // On a phone the panes are under the conversation: bring them into view, as a run does.
    if (!wide.matches) $("#compare-panes").scrollIntoView({ block: "start", behavior: "instant" });
    try {
      await Promise.all(views.map((view, index) => bodies[index] && view.run(bodies[index])));
    } finally {
      running = false;
      paintControls();
      changed();
    }
  }

  function stop() {
    for (const view of views) view.stop();
  }

  $("#compare-toggle").onclick = () => (compare.on ? exit() : enter());
  $("#compare-exit").onclick = exit;
  $("#compare-add").onclick = () => {
    if (compare.panes.length >= MAX_PANES) return;
    compare.panes.push(newPane(getState(), { synced: compare.synced }));
    changed();
    paint();
  };
  $("#compare-sync").onchange = (event) => setSynced(event.target.checked);
  $("#compare-resync").onclick = () => setSynced(true);

  function setSynced(synced) {
    const main = getState();
    if (synced) {
      const differ = compare.panes.some((pane) => JSON.stringify(pane.messages) !== JSON.stringify(main.messages));
      if (differ && !window.confirm("Share the editor's conversation again? Each pane's own conversation is dropped.")) {
        $("#compare-sync").checked = false;
        return;
      }
    }
    compare.synced = synced;
    for (const pane of compare.panes) pane.messages = synced ? null : structuredClone(main.messages);
    changed();
    paint();
  }

  setUpDiff(() => compare.panes);

  return {
    get on() { return compare.on; },
    runAll,
    stop,
    // On page load: back in compare mode if it was on.
    restore: async () => {
      paint();
      if (compare.on) await enter();
    },
  };
}

// "Diff answers": two panes' answers, word by word.
function setUpDiff(getPanes) {
  const dialog = $("#compare-diff-dialog");
  const [first, second] = [$("#diff-first"), $("#diff-second")];
  const paint = () => {
    const panes = getPanes();
    const [a, b] = [panes[first.selectedIndex], panes[second.selectedIndex]];
    const missing = [[a, first], [b, second]].filter(([pane]) => !pane?.result?.content).map(([, select]) => select.value);
    $("#diff-note").textContent = missing.length ? `No answer in pane ${missing.join(" and ")} yet: Run all first.` : "";
    const counts = renderWordDiff($("#diff-output"), a?.result?.content || "", b?.result?.content || "");
    const words = counts.removed === 1 ? "word" : "words";
    $("#diff-counts").textContent = `${counts.removed} ${words} only in ${first.value} · ${counts.added} only in ${second.value}`;
  };
  $("#compare-diff").onclick = () => {
    const letters = getPanes().map((_, index) => paneLetter(index));
    for (const [select, chosen] of [[first, 0], [second, 1]]) {
      const keep = letters.includes(select.value) ? select.value : letters[chosen];
      select.replaceChildren(...letters.map((letter) => new Option(`Pane ${letter}`, letter)));
      select.value = keep;
    }
    paint();
    dialog.showModal();
  };
  first.onchange = paint;
  second.onchange = paint;
  $("#diff-close").onclick = () => dialog.close();
}
