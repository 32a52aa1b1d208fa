"""A string a regular expression matches, built from the regex's own parse tree, for JSON
Schema `pattern`s. The one place in the project that touches `re`'s private parser."""

# Why private internals: the standard library has no public API for a regex's structure,
# and a third-party regex generator would be a dependency for one demo nicety. re._parser
# and re._constants are what `re` itself runs on, under these names since CPython 3.11
# (before, sre_parse and sre_constants), so this is pinned to CPython 3.11+ internals and
# may break with any release: a change in the parse tree makes string_for_regex() return
# None (the caller then tries a few fixed strings), a removal fails at import.
# typeshed has no stubs for these private modules: they are untyped (Any) here.
import re._constants as c  # type: ignore[import-not-found]  # the opcodes in a parse tree
import re._parser  # type: ignore[import-not-found]


def string_for_regex(pattern: str, repeat_extra: int) -> str | None:
    """A string the regex matches, built from its parse tree: the first alternative, the
    first character of each class, each repeat `repeat_extra` times past its minimum.

    Anything it cannot handle, or any surprise from the private parser, yields None."""
    try:
        return _emit(re._parser.parse(pattern), repeat_extra)
    except Exception:  # a private parser's surprises must never break a reply
        return None


def _emit(items, repeat_extra: int) -> str | None:
    out: list[str | None] = []  # None: a part it cannot handle
    for op, arg in items:
        if op == c.LITERAL:
            out.append(chr(arg))
        elif op == c.NOT_LITERAL:
            out.append("b" if arg == ord("a") else "a")
        elif op == c.ANY:
            out.append("a")
        elif op == c.IN:
            out.append(_class_member(arg))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = arg
            times = low + repeat_extra if high == c.MAXREPEAT else min(high, low + repeat_extra)
            out.append(_emit(sub, repeat_extra) * times)
        elif op == c.SUBPATTERN:
            out.append(_emit(arg[-1], repeat_extra))
        elif op == c.ATOMIC_GROUP:
            out.append(_emit(arg, repeat_extra))
        elif op == c.BRANCH:
            out.append(_emit(arg[1][0], repeat_extra))
        elif op != c.AT:  # lookarounds, backreferences, conditionals: out of scope
            return None
    parts = [part for part in out if part is not None]
    return "".join(parts) if len(parts) == len(out) else None


def _class_member(items) -> str:
    """One character in a regex character class: [A-Z] -> "A", \\d -> "0", [^a-z] -> "A"."""
    first_op, first_arg = items[0]
    if first_op == c.NEGATE:
        return next(ch for ch in "aA0_-" if not _in_class(ch, items[1:]))
    if first_op == c.LITERAL:
        return chr(first_arg)
    if first_op == c.RANGE:
        return chr(first_arg[0])
    if first_op == c.CATEGORY:
        return {
            c.CATEGORY_DIGIT: "0",
            c.CATEGORY_SPACE: " ",
            c.CATEGORY_NOT_WORD: "-",
        }.get(first_arg, "a")
    return "a"


def _in_class(char: str, items) -> bool:
    """Whether a class's literals and ranges include `char` (categories are not checked)."""
    code = ord(char)
    return any(
        (op == c.LITERAL and arg == code) or (op == c.RANGE and arg[0] <= code <= arg[1])
        for op, arg in items
    )
