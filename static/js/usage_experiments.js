// The usage page's "By experiment" table: the usage app cannot read experiments (imports run
// one way), so the page asks the experiments API for the same range and team. Experiment
// names are user text: shown with textContent.

const section = document.getElementById("by-experiment");
const status = document.getElementById("by-experiment-status");
const wrap = section.querySelector(".table-wrap");
const body = section.querySelector("tbody");

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "—" : String(text);
  return td;
}

async function load() {
  const response = await fetch(section.dataset.url, { headers: { Accept: "application/json" } });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || `HTTP ${response.status}`);
  if (!data.rows.length) {
    status.textContent = "No experiment runs in this range.";
    return;
  }
  body.replaceChildren(...data.rows.map((row) => {
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    const link = document.createElement("a");
    link.href = `/experiments/${encodeURIComponent(row.experiment_id)}/`;
    link.textContent = row.experiment;
    name.append(link);
    tr.append(name, ...[row.calls, row.cell_calls, row.judge_calls, row.total_tokens, row.cost, row.judge_cost, row.unknown_cost].map(cell));
    return tr;
  }));
  status.hidden = true;
  wrap.hidden = false;
}

load().catch((error) => { status.textContent = `Could not load the usage by experiment: ${error.message}`; });
