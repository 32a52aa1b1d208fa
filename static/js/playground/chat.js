// Chat mode: each finished answer joins the conversation as an assistant message and an empty
// user message waits for the reply, so iterating is type, run, type. The switch is this
// browser's preference, not part of the draft (a template or a run opened later keeps it).

const KEY = "octoplay:chat-mode";

export function chatModeSaved() {
  return localStorage.getItem(KEY) === "on";
}

export function saveChatMode(on) {
  if (on) localStorage.setItem(KEY, "on");
  else localStorage.removeItem(KEY);
}

// Where Regenerate cuts the conversation: at the last assistant message (it and what follows
// go), or nowhere when there is none.
export function regenerateCut(messages) {
  const last = messages.map((message) => message.role).lastIndexOf("assistant");
  return last < 0 ? messages.length : last;
}

// Would cutting at `index` lose something the person wrote?
export function cutLosesText(messages, index) {
  return messages.slice(index).some((message, offset) => offset > 0 && (message.content.trim() || message.tool_calls?.trim()));
}
