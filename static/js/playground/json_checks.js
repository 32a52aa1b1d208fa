// What the API would refuse in a JSON box whose text parses, said as the server says it
// (completions/validation.py), so the editor can point at it before anyone runs. The server
// still checks everything (a full JSON Schema check, for one); its answer is shown too.

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

// A tool as the playground sends it: a bare function definition counts (state.toolFromText).
export function toolProblem(value) {
  if (!isObject(value)) return "A tool must be a JSON object.";
  const tool = !value.type && value.name ? { type: "function", function: value } : value;
  if (tool.type !== "function") return 'Only function tools are supported: "type": "function".';
  if (!isObject(tool.function)) return "A function tool needs a function object.";
  const { name, description, parameters } = tool.function;
  if (typeof name !== "string" || !NAME.test(name)) return "function.name: 1-64 letters, digits, underscores or dashes.";
  if (description !== undefined && typeof description !== "string") return "function.description: must be a string.";
  if (parameters !== undefined && !isObject(parameters)) return "function.parameters: must be a JSON Schema object.";
  return null;
}

export function schemaProblem(value) {
  return isObject(value) ? null : "A schema must be a JSON object.";
}

export function toolCallsProblem(value) {
  if (!Array.isArray(value) || !value.length) return "Must be a non-empty list of tool calls.";
  for (const [index, call] of value.entries()) {
    if (!isObject(call) || typeof call.id !== "string" || !call.id) return `[${index}].id: each tool call needs an id.`;
    if (!isObject(call.function) || typeof call.function.name !== "string") return `[${index}].function.name: each tool call needs a function name.`;
    if (typeof call.function.arguments !== "string") return `[${index}].function.arguments: arguments must be a JSON string.`;
  }
  return null;
}
