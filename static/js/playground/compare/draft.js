// Compare mode's state: whether it is on, whether the panes share the editor's conversation,
// and 2 to 4 panes, each with its own model, parameters, optional system prompt (and, once
// un-synced, its own copy of the conversation) and its last answer. Kept in localStorage
// beside the playground's draft (same prefix, so log-out forgets it too: state.js).

export const MIN_PANES = 2;
export const MAX_PANES = 4;
const LETTERS = "ABCD";
const KEPT_ANSWER = 50_000; // characters of a pane's last answer kept across a reload

export function paneLetter(index) {
  return LETTERS[index];
}

const copy = (value) => structuredClone(value ?? null);

// A new pane starts from the editor's setup: model, parameters, conversation.
export function newPane(main, { synced }) {
  return {
    model: main.model,
    provider: main.provider,
    params: copy(main.params) || {},
    ownSystem: false,
    systemRole: main.systemRole,
    system: main.system,
    messages: synced ? null : copy(main.messages),
    result: null,
  };
}

function emptyCompare() {
  return { on: false, synced: true, panes: [] };
}

export function compareDraftOf(userId) {
  const key = `octoplay:playground:compare:v1:${userId}`;
  return {
    load() {
      try {
        const saved = JSON.parse(localStorage.getItem(key));
        if (saved && Array.isArray(saved.panes)) {
          const panes = saved.panes.slice(0, MAX_PANES);
          for (const pane of panes) {
            // A run the page left mid-stream goes on without it (its run is logged): say so.
            if (pane.result?.status === "running") Object.assign(pane.result, { status: "stopped", error: "The page was left while this pane ran, which stops a run: Open run shows what it got." });
          }
          return { ...emptyCompare(), ...saved, panes };
        }
      } catch {
        // A corrupt entry is ignored, as the playground's draft is.
      }
      return emptyCompare();
    },
    save(compare) {
      const panes = compare.panes.map((pane) => ({
        ...pane,
        result: pane.result && { ...pane.result, content: (pane.result.content || "").slice(0, KEPT_ANSWER) },
      }));
      localStorage.setItem(key, JSON.stringify({ ...compare, panes }));
    },
  };
}

// The playground state a pane runs: the editor's (tools, response format, variables, template)
// with the pane's model, parameters, system prompt and, when un-synced, conversation.
export function paneState(main, pane, { synced }) {
  const state = {
    ...main,
    model: pane.model,
    provider: pane.provider,
    params: { ...pane.params, stream: true }, // Run all streams: time to first token is measured
    messages: synced || !pane.messages ? main.messages : pane.messages,
  };
  if (pane.ownSystem) Object.assign(state, { system: pane.system, systemRole: pane.systemRole });
  return state;
}

// "Use this pane": its setup written into the editor's state.
export function applyPane(main, pane, { synced }) {
  main.model = pane.model;
  main.provider = pane.provider;
  main.params = { ...copy(pane.params), stream: main.params.stream };
  if (pane.ownSystem) Object.assign(main, { system: pane.system, systemRole: pane.systemRole });
  if (!synced && pane.messages) main.messages = copy(pane.messages);
}
