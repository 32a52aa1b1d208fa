"""Token log probabilities for the fake model's answers: made up, but the same for the same
piece at the same place, so tests and the playground's hover can count on them.

A token is a streamed piece (a word with the space before it, demo.answers.pieces); its
alternatives are other words from a small list, each less likely than the one chosen."""

import hashlib

ALTERNATIVES = (" the", " a", " sea", " octopus", " and", " it", " of", " reply", " demo", ".")


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(repr(parts).encode()).digest()[:4], "big")


def _entry(token: str, logprob: float) -> dict:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode())}


def token_logprobs(pieces: list[str], top: int) -> list[dict]:
    """OpenAI's `logprobs.content` for these pieces, with `top` alternatives each (the chosen
    token first among them, as OpenAI lists it when it is the likeliest)."""
    tokens = []
    for position, piece in enumerate(pieces):
        chosen = -round((_hash(piece, position) % 1500) / 1000, 4)  # in (-1.5, 0]
        others = [word for word in ALTERNATIVES if word != piece]
        start = _hash(position, piece) % len(others)
        alternatives = [others[(start + k) % len(others)] for k in range(max(top - 1, 0))]
        entry = _entry(piece, chosen)
        entry["top_logprobs"] = [_entry(piece, chosen)][:top] + [
            _entry(word, round(chosen - 0.75 * (rank + 1), 4))
            for rank, word in enumerate(alternatives)
        ]
        tokens.append(entry)
    return tokens
