// Saving the playground as a prompt template (or a new version of one), and loading a
// template version into the editor.

import { buildRequest, stateFromRequest, variableNames } from "./state.js";
import { apiGet, apiPost, fieldErrorText } from "./stream.js";

const $ = (selector) => document.querySelector(selector);

// What a template version stores, from the editor: the request without streaming.
function versionData(state) {
  const { model, messages, tools, tool_choice: toolChoice, response_format: format, stream, ...params } = buildRequest(state);
  const variables = Object.fromEntries(
    variableNames(state).map((name) => {
      const spec = state.variables[name] || {};
      return [name, { default: spec.default || null, description: spec.description || "" }];
    }),
  );
  return { model, messages, tools: tools ?? null, tool_choice: toolChoice ?? null, response_format: format ?? null, params, variables };
}

export function stateFromVersion(template, version) {
  const request = { model: version.model, messages: version.messages, stream: true, ...version.params };
  if (version.tools) request.tools = version.tools;
  if (version.tool_choice) request.tool_choice = version.tool_choice;
  if (version.response_format) request.response_format = version.response_format;
  const state = stateFromRequest(request);
  for (const [name, spec] of Object.entries(version.variables || {})) {
    state.variables[name] = { value: "", default: spec.default ?? "", description: spec.description || "" };
  }
  state.template = { id: template.id, name: template.name, version: version.number, canEdit: Boolean(template.permissions?.can_edit) };
  return state;
}

export async function loadTemplateVersion(id, number) {
  const template = await apiGet(`/api/templates/${encodeURIComponent(id)}/`);
  const version = await apiGet(`/api/templates/${encodeURIComponent(id)}/versions/${number || template.latest_version}/`);
  return stateFromVersion(template, version);
}

export function showTemplateBadge(state) {
  const badge = $("#template-badge");
  badge.hidden = !state.template;
  if (state.template) badge.textContent = `Template: ${state.template.name} v${state.template.version}`;
}

export function setUpSaveDialog({ config, getState, onSaved }) {
  const dialog = $("#save-dialog");
  const team = $("#save-team");
  team.replaceChildren(...config.teams.map((t) => new Option(t.name, t.id, false, t.id === config.activeTeam)));
  // Whose setup is saved: the editor's, or (compare mode) a pane's, named in the title.
  let source = getState;
  let sourceTitle = "";
  const modeFields = () => {
    const asVersion = !$("#save-mode").hidden && document.querySelector('input[name="save-mode"]:checked').value === "version";
    document.querySelectorAll("#save-form [data-new]").forEach((field) => { field.hidden = asVersion; });
    const what = asVersion ? "Save new version" : "Save as template";
    $("#save-title").textContent = sourceTitle ? `${what}: ${sourceTitle}` : what;
  };
  document.querySelectorAll('input[name="save-mode"]').forEach((radio) => { radio.onchange = modeFields; });

  // One outcome at a time: each attempt starts by clearing the last one's message.
  const clearOutcome = () => {
    $("#save-errors").textContent = "";
    $("#save-result").hidden = true;
  };

  const open = (from = getState, title = "") => {
    source = from;
    sourceTitle = title;
    const state = source();
    const editable = Boolean(state.template?.canEdit);
    $("#save-mode").hidden = !editable;
    if (editable) $("#save-template-name").textContent = state.template.name;
    clearOutcome();
    $("#save-message").value = ""; // a note describes one version: never the last one's
    modeFields();
    dialog.showModal();
  };
  $("#save-template").onclick = () => open();
  $("#save-close").onclick = () => dialog.close();

  $("#save-form").onsubmit = async (event) => {
    event.preventDefault();
    clearOutcome();
    const state = source();
    const asVersion = !$("#save-mode").hidden && document.querySelector('input[name="save-mode"]:checked').value === "version";
    let data;
    try {
      data = versionData(state);
    } catch (problem) {
      $("#save-errors").textContent = problem.message;
      return;
    }
    data.commit_message = $("#save-message").value;
    const submit = $("#save-submit");
    submit.disabled = true; // a second click while saving would save twice
    try {
      let template;
      let number;
      if (asVersion) {
        const version = await apiPost(`/api/templates/${state.template.id}/versions/`, data);
        template = { id: state.template.id, name: state.template.name, permissions: { can_edit: true } };
        number = version.number;
      } else {
        template = await apiPost("/api/templates/", { ...data, name: $("#save-name").value, team_id: team.value, visibility: $("#save-visibility").value });
        number = 1;
      }
      onSaved({ id: template.id, name: template.name, version: number, canEdit: Boolean(template.permissions?.can_edit) });
      const link = $("#save-result");
      link.href = `/templates/${template.id}/?v=${number}`;
      link.textContent = `Saved as ${template.name} v${number} — open the template`;
      link.hidden = false;
      $("#save-message").value = "";
    } catch (error) {
      const fields = error.body?.errors;
      $("#save-errors").textContent = fields ? fieldErrorText(fields) : error.message;
    } finally {
      submit.disabled = false;
    }
  };
  return { open };
}
