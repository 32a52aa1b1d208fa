// The dataset page's items table: add, edit in place, duplicate and delete through the API
// (/api/datasets/<id>/items/). Item content is untrusted: it only ever reaches the page as
// textContent or form values, never as HTML.

const section = document.getElementById("items");
const tbody = section.querySelector("tbody");
const status = document.getElementById("items-status");
const itemsUrl = section.dataset.itemsUrl;

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json().catch(() => ({}));
  if (!response.ok) {
    const errors = data && data.errors ? Object.entries(data.errors).map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`) : [];
    throw new Error(errors.length ? errors.join("\n") : (data && data.detail) || `HTTP ${response.status}`);
  }
  return data;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// As the server shows it too (datasets/views.py _shown): text as it is, anything else as JSON.
const shown = (value) => (typeof value === "string" ? value : JSON.stringify(value));

function say(message, isError = false) {
  status.textContent = message;
  status.classList.toggle("ok", !isError);
}

// A row's cells from an item as the API gives it (the server renders the same on load).
function fillRow(row, item) {
  row.id = `item-${item.id}`;
  row.dataset.id = item.id;
  row.dataset.position = item.position;
  row.dataset.revision = item.revision_number;
  row.dataset.content = JSON.stringify({ variables: item.variables, expected: item.expected, tags: item.tags, metadata: item.metadata });
  row.replaceChildren(
    el("td", { class: "cell-position muted" }, String(item.position), el("br"), el("span", { class: "small", title: "revision", text: `r${item.revision_number}` })),
    el("td", { class: "cell-variables" }, ...Object.entries(item.variables).map(([name, value]) =>
      el("div", {}, el("span", { class: "var-name", text: name }), " ", el("span", { class: "var-value", text: shown(value) })))),
    el("td", { class: "cell-expected" }, ...(item.expected === null ? [] : [el("span", { class: "expected", text: shown(item.expected) })])),
    el("td", { class: "cell-tags" }, ...item.tags.flatMap((tag) => [el("span", { class: "badge", text: tag }), " "])),
    el("td", { class: "cell-actions" }),
  );
  addActions(row);
  return row;
}

function field(label, control, help, ...extra) {
  const id = `f-${Math.random().toString(36).slice(2)}`;
  control.id = id;
  return el("div", { class: "field" }, el("label", { for: id, text: label }), control, ...(help ? [el("small", { class: "help", text: help })] : []), ...extra);
}

// The editor for a new item (content = null) or an existing one, in a row of its own.
function editor(content, onSave, onCancel) {
  const current = content || { variables: {}, expected: null, tags: [], metadata: {} };
  const isJson = current.expected !== null && typeof current.expected !== "string";
  const variables = el("textarea", { rows: "4", class: "mono" });
  variables.value = JSON.stringify(current.variables, null, 2);
  const expected = el("textarea", { rows: "3" });
  expected.value = current.expected === null ? "" : (isJson ? JSON.stringify(current.expected, null, 2) : current.expected);
  const asJson = el("input", { type: "checkbox" });
  asJson.checked = isJson;
  const tags = el("input", { type: "text" });
  tags.value = current.tags.join(", ");
  const metadata = el("textarea", { rows: "2", class: "mono" });
  metadata.value = JSON.stringify(current.metadata);
  const errors = el("p", { class: "form-errors", role: "alert" });
  const save = el("button", { type: "submit", class: "btn btn-primary btn-small", text: "Save" });
  const cancel = el("button", { type: "button", class: "btn btn-small", text: "Cancel" });
  const jsonLabel = el("label", { class: "small" }, asJson, " Expected is JSON");
  const form = el("form", { class: "item-editor" },
    field("Variables (JSON object)", variables),
    field("Expected answer", expected, "Empty: none.", jsonLabel),
    field("Tags", tags, "Comma-separated."),
    field("Metadata (JSON object)", metadata),
    errors, el("div", { class: "copyrow" }, save, cancel));

  const parse = (text, name) => {
    try { return JSON.parse(text); } catch { throw new Error(`${name}: not valid JSON.`); }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errors.textContent = "";
    try {
      const body = {
        variables: parse(variables.value || "{}", "variables"),
        expected: expected.value === "" ? null : (asJson.checked ? parse(expected.value, "expected") : expected.value),
        tags: tags.value.split(",").map((tag) => tag.trim()).filter(Boolean),
        metadata: parse(metadata.value || "{}", "metadata"),
      };
      save.disabled = true;
      await onSave(body);
    } catch (error) {
      errors.textContent = error.message;
      save.disabled = false;
    }
  });
  cancel.addEventListener("click", onCancel);
  const row = el("tr", { class: "editing" }, el("td", { colspan: "5" }, form));
  setTimeout(() => variables.focus(), 0);
  return row;
}

function addActions(row) {
  const edit = el("button", { type: "button", class: "btn btn-small", text: "Edit" });
  const duplicate = el("button", { type: "button", class: "btn btn-small", text: "Duplicate" });
  const remove = el("button", { type: "button", class: "btn btn-small btn-danger", text: "Delete" });
  const position = row.dataset.position;
  for (const button of [edit, duplicate, remove]) button.setAttribute("aria-label", `${button.textContent} item ${position}`);
  row.querySelector(".cell-actions").replaceChildren(el("div", { class: "actions" }, edit, duplicate, remove));
  const url = `${itemsUrl}${row.dataset.id}/`;

  edit.addEventListener("click", () => {
    const form = editor(JSON.parse(row.dataset.content), async (body) => {
      const item = await api("PATCH", url, body);
      fillRow(row, item);
      form.replaceWith(row);
      say(`Saved item ${item.position} as revision ${item.revision_number}.`);
    }, () => form.replaceWith(row));
    row.replaceWith(form);
  });
  duplicate.addEventListener("click", async () => {
    try {
      const item = await api("POST", `${url}duplicate/`);
      const copy = fillRow(el("tr", { class: "fresh" }), item);
      row.after(copy);
      say(`Duplicated item ${position} as item ${item.position} (added at the end of the dataset).`);
    } catch (error) { say(error.message, true); }
  });
  remove.addEventListener("click", async () => {
    if (!window.confirm(`Delete item ${position}? Its revisions are kept for past results.`)) return;
    try {
      await api("DELETE", url);
      row.remove();
      say(`Deleted item ${position}.`);
    } catch (error) { say(error.message, true); }
  });
}

tbody.querySelectorAll("tr[data-id]").forEach(addActions);

document.getElementById("item-new").addEventListener("click", () => {
  const form = editor(null, async (body) => {
    const item = await api("POST", itemsUrl, body);
    form.replaceWith(fillRow(el("tr", { class: "fresh" }), item));
    document.getElementById("items-empty")?.remove();
    say(`Added item ${item.position}.`);
  }, () => form.remove());
  tbody.prepend(form);
});
