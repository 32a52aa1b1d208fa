// "Add to dataset" on a run's page: lists the datasets of the run's team the user can see
// (and so edit), and adds the run to the one chosen (POST /api/datasets/<id>/items/from-run/).

const panel = document.getElementById("add-to-dataset");
const form = panel.querySelector("form");
const select = form.querySelector("select");
const status = panel.querySelector("[role=status]");

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function say(text, link) {
  status.replaceChildren(text);
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link.href;
    anchor.textContent = link.text;
    status.append(" ", anchor);
  }
}

async function load() {
  const url = `${panel.dataset.datasetsUrl}?team=${encodeURIComponent(panel.dataset.team)}`;
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const datasets = response.ok ? await response.json() : [];
  if (!datasets.length) {
    say("This team has no datasets yet.", { href: "/datasets/", text: "Make one" });
    return;
  }
  select.replaceChildren(...datasets.map((dataset) => {
    const option = document.createElement("option");
    option.value = dataset.id;
    option.textContent = `${dataset.name} (${dataset.item_count} items)`;
    return option;
  }));
  form.hidden = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  const response = await fetch(`${panel.dataset.datasetsUrl}${select.value}/items/from-run/`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: JSON.stringify({ run_id: panel.dataset.run }),
  });
  const data = await response.json().catch(() => ({}));
  button.disabled = false;
  if (!response.ok) {
    say(data.detail || `Could not add it (HTTP ${response.status}).`);
    return;
  }
  const option = select.selectedOptions[0];
  const [, name, count] = option.textContent.match(/^(.*) \((\d+) items\)$/);
  option.textContent = `${name} (${Number(count) + 1} items)`;
  const images = data.metadata?.images_left_out;
  const leftOut = images ? ` Its ${images === 1 ? "image was" : `${images} images were`} left out: items hold text.` : "";
  say(`Added as item ${data.position} of ${name}.${leftOut}`, { href: `/datasets/${select.value}/?page=last#item-${data.id}`, text: "Open it" });
});

load();
