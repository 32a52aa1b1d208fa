// A word diff of two answers: which words one has that the other has not, for "Diff answers".
// Words and the whitespace between them are the units, so the pieces join back into each text.
// Rendered with textContent only: answers are untrusted model output.

const MAX_CELLS = 4_000_000; // beyond this the middle of two long answers is shown as replaced

function tokens(text) {
  return (text || "").match(/\s+|[^\s]+/g) || [];
}

// The longest common subsequence of a and b, as [kind, token] steps: " " both, "-" a, "+" b.
function lcsSteps(a, b) {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_CELLS) return [...a.map((t) => ["-", t]), ...b.map((t) => ["+", t])];
  const width = m + 1;
  const table = new Uint32Array((n + 1) * width); // table[i][j]: LCS of a[i:] and b[j:]
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      table[i * width + j] = a[i] === b[j]
        ? table[(i + 1) * width + j + 1] + 1
        : Math.max(table[(i + 1) * width + j], table[i * width + j + 1]);
    }
  }
  const steps = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { steps.push([" ", a[i]]); i += 1; j += 1; }
    else if (table[(i + 1) * width + j] >= table[i * width + j + 1]) { steps.push(["-", a[i]]); i += 1; }
    else { steps.push(["+", b[j]]); j += 1; }
  }
  while (i < n) steps.push(["-", a[i++]]);
  while (j < m) steps.push(["+", b[j++]]);
  return steps;
}

// Each run of changes as what went, then what came: "[-a b]{+c d}" rather than "[-a]{+c} [-b]{+d}".
// A gap both sides share between two changes is part of the run (on each side).
function hunks(steps) {
  const changed = (step) => step && step[0] !== " ";
  const out = [];
  let run = [];
  const flush = () => {
    out.push(...run.filter(([kind]) => kind === "-"), ...run.filter(([kind]) => kind === "+"));
    run = [];
  };
  steps.forEach((step, index) => {
    const gap = step[0] === " " && !step[1].trim() && changed(steps[index - 1]) && changed(steps[index + 1]);
    if (gap) run.push(["-", step[1]], ["+", step[1]]);
    else if (changed(step)) run.push(step);
    else {
      flush();
      out.push(step);
    }
  });
  flush();
  return out;
}

// [{kind, text}] with kind " " (both), "-" (only in `before`) or "+" (only in `after`).
export function wordDiff(before, after) {
  const a = tokens(before);
  const b = tokens(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end += 1;
  const steps = [
    ...a.slice(0, start).map((t) => [" ", t]),
    ...hunks(lcsSteps(a.slice(start, a.length - end), b.slice(start, b.length - end))),
    ...a.slice(a.length - end).map((t) => [" ", t]),
  ];
  const parts = [];
  for (const [kind, text] of steps) {
    // Whitespace alone that changed is shown as plain text: marking a gap says nothing.
    const shown = text.trim() ? kind : " ";
    const last = parts[parts.length - 1];
    if (last && last.kind === shown) last.text += text;
    else parts.push({ kind: shown, text });
    // A gap between two runs of the same change joins them: "[-two words]", not "[-two] [-words]".
    const [before, gap, after] = parts.slice(-3);
    if (parts.length >= 3 && after.kind !== " " && before.kind === after.kind && gap.kind === " " && !gap.text.trim()) {
      parts.splice(-3, 3, { kind: after.kind, text: before.text + gap.text + after.text });
    }
  }
  return parts;
}

// The diff into `element`: deleted words struck through, added ones highlighted. Returns the
// number of words each side has that the other has not.
export function renderWordDiff(element, before, after) {
  const parts = wordDiff(before, after);
  const counts = { removed: 0, added: 0 };
  element.replaceChildren(
    ...parts.map(({ kind, text }) => {
      if (kind === " ") return document.createTextNode(text);
      const words = text.trim().split(/\s+/).length;
      if (kind === "-") counts.removed += words;
      else counts.added += words;
      const span = document.createElement(kind === "-" ? "del" : "ins");
      span.className = kind === "-" ? "diff-del" : "diff-add";
      span.textContent = text;
      return span;
    }),
  );
  return counts;
}
