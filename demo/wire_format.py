"""The wire format: an `Answer` as a chat.completion body, or as the chat.completion.chunk
events of a stream, shaped exactly as OpenAI sends them."""

import time
from typing import Any

from demo.answers import Answer, pieces
from demo.logprobs import token_logprobs

SYSTEM_FINGERPRINT = "fp_demo"


def usage_of(answer: Answer, n: int) -> dict:
    completion_tokens = answer.completion_tokens * n
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": answer.prompt_tokens + completion_tokens,
    }


def completion_body(
    completion_id: str,
    model: str,
    answer: Answer,
    n: int,
    *,
    with_usage: bool,
    top_logprobs: int | None = None,
) -> dict:
    """`top_logprobs`: None when logprobs were not asked for, else how many alternatives."""
    message: dict = {"role": "assistant", "content": answer.content, "refusal": None}
    if answer.tool_calls:
        message["tool_calls"] = answer.tool_calls
    body = {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [
            {
                "index": index,
                "message": message,
                "logprobs": _logprobs(pieces(answer.content or ""), top_logprobs),
                "finish_reason": answer.finish_reason,
            }
            for index in range(n)
        ],
    }
    if with_usage:
        body["usage"] = usage_of(answer, n)
    return body


def _logprobs(tokens: list[str], top: int | None) -> dict | None:
    if top is None:
        return None
    return {"content": token_logprobs(tokens, top), "refusal": None}


def stream_chunks(
    completion_id: str,
    model: str,
    answer: Answer,
    n: int,
    *,
    with_usage: bool,
    top_logprobs: int | None = None,
) -> list[dict]:
    """The chunks of a streamed answer, as OpenAI sends them: per choice, a role chunk, the
    content word by word (or each tool call's header then its arguments in fragments), a
    chunk with the finish_reason; then, if asked, a usage chunk with no choices."""
    created = int(time.time())

    def chunk(choices: list[dict], usage: dict | None = None) -> dict:
        event = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "choices": choices,
        }
        if with_usage:
            event["usage"] = usage
        return event

    def choice_chunk(index: int, delta: dict, finish_reason: str | None = None) -> dict:
        return chunk(
            [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        )

    # Each content piece carries its own token's logprobs, as OpenAI streams them.
    tokens = _logprobs(pieces(answer.content or ""), top_logprobs)
    chunks = []
    for index in range(n):
        position = 0
        for delta in _deltas(answer):
            event = choice_chunk(index, delta)
            if tokens is not None and delta.get("content"):
                event["choices"][0]["logprobs"] = {
                    "content": tokens["content"][position : position + 1],
                    "refusal": None,
                }
                position += 1
            chunks.append(event)
        chunks.append(choice_chunk(index, {}, answer.finish_reason))
    if with_usage:
        chunks.append(chunk([], usage_of(answer, n)))
    return chunks


def _deltas(answer: Answer) -> list[dict]:
    """One choice's deltas: the role, then the content word by word, or each tool call's
    header followed by its arguments in fragments."""
    first_content = "" if answer.content is not None else None
    deltas: list[dict[str, Any]] = [
        {"role": "assistant", "content": first_content, "refusal": None}
    ]
    deltas += [{"content": piece} for piece in pieces(answer.content or "")]
    for index, call in enumerate(answer.tool_calls):
        name, arguments = call["function"]["name"], call["function"]["arguments"]
        header = {"index": index, "id": call["id"], "type": "function"}
        deltas.append({"tool_calls": [{**header, "function": {"name": name, "arguments": ""}}]})
        deltas += [
            {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}
            for fragment in _fragments(arguments)
        ]
    return deltas


def _fragments(text: str, parts: int = 4) -> list[str]:
    """`text` in about `parts` pieces, so clients really have to reassemble arguments."""
    size = max(1, -(-len(text) // parts))
    return [text[start : start + size] for start in range(0, len(text), size)]
