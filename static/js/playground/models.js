// A model picker (the toolbar's, each compare pane's): GET /api/models/'s groups as options
// grouped by provider, valued "provider::model", and choosing the model a state names.
// `details(model)`, if given, is what the picker says about a chosen model (model_info.js).

export function fillModelPicker(select, groups, details = null) {
  select.replaceChildren();
  for (const group of groups) {
    const optgroup = document.createElement("optgroup");
    optgroup.label = group.is_demo ? `${group.provider_name} — demo mode` : group.provider_name;
    for (const model of group.models) {
      const option = new Option(model.id, `${group.provider}::${model.id}`);
      option.dataset.search = `${model.id} ${group.provider_name}`.toLowerCase();
      if (details) option.dataset.details = details(model);
      optgroup.append(option);
    }
    select.append(optgroup);
  }
}

// Selects `provider`'s `model`, else the model at another provider, else adds it as not listed
// (a draft or template may name one the upstream no longer has). Returns [provider, model].
export function chooseModel(select, { provider, model }) {
  const wanted = `${provider}::${model}`;
  const options = [...select.options];
  const byModel = options.find((o) => o.value.endsWith(`::${model}`));
  if (options.some((o) => o.value === wanted)) select.value = wanted;
  else if (model && byModel) select.value = byModel.value;
  else if (model) {
    const option = new Option(`${model} (not listed)`, wanted);
    select.prepend(option);
    select.value = option.value;
  }
  return select.value.split("::");
}
