"""Running completions: validate, pick the provider, call upstream, log the Run — always.

Every call leaves exactly one Run row, whatever happens — success, upstream error, a stream
that breaks, a client that goes away mid-stream ("cancelled", with the partial content), or a
process killed mid-call ("interrupted", found by completions/leases.py). The row is finished
before the answer (or a stream's end) goes back; a stream, or a run that holds budget, is
first written as running before the upstream call.
"""

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Team, User
from budgets.limits import rate_limit_check
from budgets.pricing import MILLION, price_for
from budgets.services import Reservation, Spent, budget_reserve

from .assembly import StreamAccumulator
from .client import UpstreamError, UpstreamStream
from .database_steps import database_step
from .input_rules import storable
from .io_loop import blocking
from .leases import run_finished_write, run_running_write
from .models import Run
from .providers import ProviderConfig, provider_for_model
from .schemas import answer_check
from .search import prompt_texts
from .validation import stream_requested, validate_chat_request

logger = logging.getLogger(__name__)

# A prompts.TemplateVersion or None: completions sits below prompts, so it cannot name it.
TemplateVersion = Any
_Answer = TypeVar("_Answer")  # what an upstream call returns


class RunFailed(Exception):
    """The upstream call failed; the run is logged with the error."""

    def __init__(self, run: Run, error: UpstreamError):
        super().__init__(error.message)
        self.run = run
        self.error = error


def upstream_body(body: dict[str, Any]) -> dict[str, Any]:
    """What is sent upstream: the request as given, except that streams always ask for usage."""
    sent = dict(body)
    if sent.get("stream"):
        sent["stream_options"] = {**(sent.get("stream_options") or {}), "include_usage": True}
    return sent


def _run_new(
    *,
    user: User,
    team: Team,
    provider: ProviderConfig,
    sent: dict[str, Any],
    source: str,
    template_version: TemplateVersion,
    run_id: UUID | None,
) -> Run:
    """The run's row, not yet saved."""
    preview, prompt_text = prompt_texts(sent)
    return Run(
        id=run_id or uuid4(),
        template_version=template_version,
        user=user,
        team=team,
        provider=provider.slug,
        model=sent["model"],
        source=source,
        stream=bool(sent.get("stream")),
        request=sent,
        preview=preview,
        prompt_text=prompt_text,
    )


@dataclass
class StreamItem:
    """One thing to relay: an upstream chunk (raw data text, parsed, per-choice deltas) or a
    heartbeat while the upstream is silent."""

    data: str = ""
    chunk: dict[str, Any] = field(default_factory=dict)
    deltas: list[dict[str, Any]] = field(default_factory=list)
    heartbeat: bool = False


@dataclass
class Prepared:
    """A run that passed every check and holds what it may spend, ready to be sent."""

    run: Run
    provider: ProviderConfig
    reservation: Reservation
    stream: bool


def run_prepare(
    *,
    user: User,
    team: Team,
    body: dict[str, Any],
    source: str,
    provider_slug: str | None = None,
    template_version: TemplateVersion = None,
    strict: bool = True,
    run_id: UUID | None = None,
) -> Prepared:
    """Check everything that can refuse a run before it costs anything: the request, the
    rate limit, the budgets (holding its worst case); the run is written as running if it
    streams or holds anything (completions/leases.py). Raises ValidationError or
    LimitExceeded, with nothing logged. Sync: the database steps of a run. A caller that must
    find its run again after a crash (an experiment cell) chooses its `run_id`."""
    stream = stream_requested(body)  # "yes" or a list body: a 400 here, never a guess
    # The OpenAI-compatible endpoint passes fields it does not know through (strict=False),
    # as SDKs add new ones; our own API names them as probable typos.
    body = validate_chat_request({**body, "stream": stream}, allow_unknown=not strict)
    rate_limit_check(user)
    provider = provider_for_model(body["model"], provider_slug)
    sent = upstream_body(body)
    run = _run_new(
        user=user,
        team=team,
        provider=provider,
        sent=sent,
        source=source,
        template_version=template_version,
        run_id=run_id,
    )
    reservation = run_running_write(
        run,
        lambda: budget_reserve(
            user=user, team=team, body=sent, provider=provider.slug, now=timezone.now()
        ),
    )
    _release_database_connection()
    return Prepared(run, provider, reservation, stream)


async def run_send(prepared: Prepared) -> "Run | RunStream":
    """Call the upstream for a prepared run: a finished Run, or a RunStream to relay once
    the upstream accepted the stream. Raises RunFailed (logged) if the upstream fails; a
    caller cancelled while waiting (its client left) leaves a cancelled run."""
    started = time.perf_counter()
    try:
        answer = await _upstream_call(prepared)
    except asyncio.CancelledError:
        left = UpstreamError("The client left before the answer came.", kind="cancelled")
        await asyncio.shield(database_step(_failed)(prepared, left, started))
        raise
    except Exception as error:
        raise await database_step(_failed)(prepared, _as_upstream_error(error), started) from None
    return await database_step(_answered)(prepared, answer, started)


def run_start_blocking(**arguments: Any) -> "Run | RunStream":
    """run_prepare then run_send, for sync callers (DRF views, template runs, commands,
    workers): the database steps in the caller's thread, the upstream call on the I/O loop,
    waited for (a stream's events are then relayed from async code)."""
    prepared = run_prepare(**arguments)
    started = time.perf_counter()
    try:
        answer = blocking(_upstream_call(prepared))
    except Exception as error:
        raise _failed(prepared, _as_upstream_error(error), started) from None
    return _answered(prepared, answer, started)


async def _upstream_call(prepared: Prepared) -> "dict[str, Any] | UpstreamStream":
    client = prepared.provider.client()
    if prepared.stream:
        return await client.open_stream(prepared.run.request)
    return await client.create(prepared.run.request)


def _as_upstream_error(error: Exception) -> UpstreamError:
    if isinstance(error, UpstreamError):
        return error
    # A bug of ours: the run is still logged, and the error logged in full.
    logger.error("Internal error calling the upstream", exc_info=error)
    return UpstreamError(f"Internal error: {type(error).__name__}.", kind="internal")


def _answered(
    prepared: Prepared, answer: "dict[str, Any] | UpstreamStream", started: float
) -> "Run | RunStream":
    """A whole answer finishes the run; an accepted stream is handed on to be relayed."""
    run, reservation = prepared.run, prepared.reservation
    if isinstance(answer, UpstreamStream):
        return RunStream(run, answer, started, reservation)
    _finish(run, answer, started, reservation, status=Run.Status.OK)
    return run


def _failed(prepared: Prepared, error: UpstreamError, started: float) -> RunFailed:
    """The run finished as refused (cancelled if its client left); the exception to raise."""
    status = Run.Status.CANCELLED if error.kind == "cancelled" else Run.Status.ERROR
    _finish_error(prepared.run, error, started, prepared.reservation, status=status)
    return RunFailed(prepared.run, error)


def _release_database_connection() -> None:
    """An upstream call may take minutes: hand the connection back (to the pool on PostgreSQL)
    rather than hold it while waiting or relaying, or a few dozen slow calls would take every
    connection from everyone; finishing the run borrows one again. Not inside a transaction
    (tests wrap each test in one)."""
    if not connection.in_atomic_block:
        connection.close()


class RunStream:
    """Relays an upstream stream and finishes its Run when iteration ends, however it ends:
    the upstream finished, broke, or the client went away (cancelled, partial answer kept).
    While the upstream is quiet, `events` yields heartbeats."""

    def __init__(
        self, run: Run, upstream: UpstreamStream, started: float, reservation: Reservation
    ):
        self.run = run
        self.reservation = reservation
        self.upstream = upstream
        self.started = started
        self.accumulator = StreamAccumulator()
        self.error: UpstreamError | None = None
        self.ttft: float | None = None

    async def events(self) -> AsyncGenerator[StreamItem, None]:
        status = Run.Status.OK
        try:
            while True:
                try:
                    pair = await self.upstream.next(settings.STREAM_HEARTBEAT_SECONDS)
                except TimeoutError:
                    yield StreamItem(heartbeat=True)
                    continue
                except UpstreamError as error:
                    self.error = error
                    status = Run.Status.ERROR
                    break
                if pair is None:
                    break
                data, chunk = pair
                deltas = self.accumulator.add(chunk)
                if self.ttft is None and self.accumulator.started:
                    self.ttft = time.perf_counter() - self.started
                yield StreamItem(data=data, chunk=chunk, deltas=deltas)
        except (GeneratorExit, asyncio.CancelledError):
            status = Run.Status.CANCELLED  # the client went away
            raise
        finally:
            await self.upstream.close()
            # Written in a thread that finishes even if this task is cancelled again.
            await asyncio.shield(database_step(self._finish)(status))

    def _finish(self, status: str) -> None:
        run = self.run
        completion = self.accumulator.completion()
        if status == Run.Status.CANCELLED:
            run.error_kind = "cancelled"
            run.error_message = "The client stopped the stream; the partial answer is kept."
        elif self.error is not None:
            run.error_kind = self.error.kind
            run.error_message = self.error.message
            run.http_status = self.error.status
        _finish(
            run,
            completion,
            self.started,
            self.reservation,
            status=status,
            ttft=self.ttft,
            partial_tokens=self.accumulator.delta_count,
        )


def _finish(
    run: Run,
    completion: dict[str, Any],
    started: float,
    reservation: Reservation,
    *,
    status: str,
    ttft: float | None = None,
    partial_tokens: int = 0,
) -> None:
    choices = completion.get("choices") or [{}]
    first = choices[0] if isinstance(choices[0], dict) else {}
    message = first.get("message") or {}
    run.status = status
    run.response = completion
    run.content = message.get("content") if isinstance(message.get("content"), str) else None
    run.tool_calls = message.get("tool_calls") or None
    run.finish_reason = first.get("finish_reason") or ""
    run.upstream_id = str(completion.get("id") or "")[:200]
    run.http_status = run.http_status or 200
    _apply_usage(run, completion.get("usage"), partial_tokens)
    _apply_cost(run)
    _check_structured_output(run)
    run.latency_ms = round((time.perf_counter() - started) * 1000)
    run.ttft_ms = round(ttft * 1000) if ttft is not None else None
    run.finished_at = timezone.now()
    _save(run, reservation)


def _finish_error(
    run: Run,
    error: UpstreamError,
    started: float,
    reservation: Reservation,
    *,
    status: str = Run.Status.ERROR,
) -> None:
    run.status = status
    run.error_kind = error.kind
    run.error_message = error.message
    run.http_status = error.status
    run.latency_ms = round((time.perf_counter() - started) * 1000)
    run.finished_at = timezone.now()
    _save(run, reservation)


def _save(run: Run, reservation: Reservation) -> None:
    """Write the finished run and settle its budget holds to what it really used."""
    # What the upstream said is stored whatever it holds (model output is untrusted text).
    for name in ("response", "content", "tool_calls", "error_message", "finish_reason"):
        setattr(run, name, storable(getattr(run, name)))
    run_finished_write(
        run,
        reservation,
        Spent(
            total_tokens=run.total_tokens,
            cost=run.cost,
            partial_completion_tokens=(
                run.completion_tokens or 0 if run.usage == Run.Usage.PARTIAL else None
            ),
            nothing=run.status == Run.Status.ERROR and run.usage == Run.Usage.UNKNOWN,
        ),
    )


def _apply_cost(run: Run) -> None:
    """The run's cost and the prices used, from its tokens, at the prices in force when it
    started (kept on the run, so later price changes never rewrite history)."""
    price = price_for(provider=run.provider, model=run.model, at=run.started_at)
    if price is None:
        return
    run.input_price = price.input_per_million
    run.output_price = price.output_per_million
    if run.prompt_tokens is None and run.completion_tokens is None:
        run.cost = None  # unknown usage: unknown cost
        return
    prompt = Decimal(run.prompt_tokens or 0)
    completion = Decimal(run.completion_tokens or 0)
    cost = (prompt * price.input_per_million + completion * price.output_per_million) / MILLION
    run.cost = cost.quantize(Decimal("0.000001"))


def _apply_usage(run: Run, usage: object, partial_tokens: int) -> None:
    """Tokens as reported; never invented. A cut stream records what was seen, marked partial."""
    keys = ("prompt_tokens", "completion_tokens", "total_tokens")
    if isinstance(usage, dict) and all(isinstance(usage.get(k), int) for k in keys):
        run.prompt_tokens, run.completion_tokens, run.total_tokens = (usage[k] for k in keys)
        run.usage = Run.Usage.REPORTED
    elif run.status != Run.Status.OK and partial_tokens:
        run.completion_tokens = partial_tokens
        run.usage = Run.Usage.PARTIAL
    else:
        run.usage = Run.Usage.UNKNOWN


def _check_structured_output(run: Run) -> None:
    """Record whether JSON output matches what was asked for, with the validator's message."""
    if run.status != Run.Status.OK or run.content is None:
        return
    checked = answer_check(run.request.get("response_format"), run.content)
    if checked is not None:
        run.schema_valid, run.schema_error = checked
