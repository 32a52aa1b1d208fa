"""Reassemble streamed `chat.completion.chunk`s into the message a non-streamed call returns."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Choice:
    role: str = "assistant"
    content: list[str] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)
    tool_calls: dict[int, dict] = field(default_factory=dict)
    finish_reason: str | None = None
    saw_content: bool = False
    logprobs: list[dict] | None = None  # the tokens' logprobs, when the stream carried them

    def message(self) -> dict:
        message: dict = {
            "role": self.role,
            "content": "".join(self.content) if self.saw_content or not self.tool_calls else None,
        }
        if self.refusal:
            message["refusal"] = "".join(self.refusal)
        if self.tool_calls:
            message["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        return message


class StreamAccumulator:
    def __init__(self) -> None:
        self.id = ""
        self.model = ""
        self.created: int | None = None
        self.choices: dict[int, _Choice] = {}
        self.usage: dict | None = None
        self.delta_count = 0  # content/argument pieces seen: a token count when usage is missing

    def add(self, chunk: dict) -> list[dict]:
        """Fold one chunk in; returns the per-choice deltas it carried, for relaying."""
        self.id = self.id or chunk.get("id") or ""
        self.model = self.model or chunk.get("model") or ""
        self.created = self.created or chunk.get("created")
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        deltas = []
        for raw in chunk.get("choices") or []:
            if not isinstance(raw, dict):
                continue
            index = raw.get("index", 0)
            choice = self.choices.setdefault(index, _Choice())
            delta = raw.get("delta") or {}
            relay: dict = {"index": index}
            if delta.get("role"):
                choice.role = delta["role"]
            if isinstance(delta.get("content"), str):
                choice.saw_content = choice.saw_content or bool(delta["content"])
                if delta["content"]:
                    choice.content.append(delta["content"])
                    relay["content"] = delta["content"]
                    self.delta_count += 1
            if isinstance(delta.get("refusal"), str):
                choice.refusal.append(delta["refusal"])
                relay["refusal"] = delta["refusal"]
            logprobs = raw.get("logprobs")
            tokens = logprobs.get("content") if isinstance(logprobs, dict) else None
            if isinstance(tokens, list) and tokens:
                choice.logprobs = (choice.logprobs or []) + tokens
                relay["logprobs"] = tokens
            if delta.get("tool_calls"):
                relay["tool_calls"] = [self._add_tool_call(choice, c) for c in delta["tool_calls"]]
            if raw.get("finish_reason"):
                choice.finish_reason = raw["finish_reason"]
                relay["finish_reason"] = raw["finish_reason"]
            if len(relay) > 1:
                deltas.append(relay)
        return deltas

    def _add_tool_call(self, choice: _Choice, delta: dict) -> dict:
        index = delta.get("index", len(choice.tool_calls))
        call = choice.tool_calls.setdefault(
            index, {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
        )
        function = delta.get("function") or {}
        if delta.get("id"):
            call["id"] = delta["id"]
        if function.get("name"):
            call["function"]["name"] += function["name"]
        if function.get("arguments"):
            call["function"]["arguments"] += function["arguments"]
            self.delta_count += 1
        return {
            "index": index,
            "id": delta.get("id"),
            "name": function.get("name"),
            "arguments": function.get("arguments", ""),
        }

    @property
    def started(self) -> bool:
        return self.delta_count > 0

    def completion(self) -> dict:
        """A `chat.completion` body equivalent to the stream so far."""
        body: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {
                    "index": index,
                    "message": choice.message(),
                    "finish_reason": choice.finish_reason,
                    "logprobs": None if choice.logprobs is None else {"content": choice.logprobs},
                }
                for index, choice in sorted(self.choices.items())
            ],
        }
        if self.usage is not None:
            body["usage"] = self.usage
        return body
