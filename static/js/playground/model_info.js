// What the model picker says about the chosen model: its prices (the admin's Model prices)
// and its context window, each only where known (GET /api/models/ gives null otherwise).

function money(value, currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 6 }).format(value);
  } catch {
    return `${value} ${currency}`; // a currency code Intl does not know
  }
}

export function modelDetails(model) {
  const parts = [];
  const { input_per_million: input, output_per_million: output, currency = "USD" } = model;
  if (input !== null && input !== undefined && output !== null && output !== undefined) {
    parts.push(`${money(input, currency)} in · ${money(output, currency)} out per 1M tokens`);
  }
  if (Number.isInteger(model.context_window)) parts.push(`${model.context_window.toLocaleString("en")}-token context`);
  return parts.join(" · ");
}
