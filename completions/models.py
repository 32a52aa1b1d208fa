"""Providers (upstream APIs added by site staff) and Runs (every call, logged)."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from accounts.sharing import Visibility, seen_by_member
from budgets.models import ClearsCacheOnChange

from . import crypto

PROVIDERS_CACHE_KEY = "providers:active"


slug_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]{0,39}$", "Lower-case letters, digits, dashes.")


class Provider(ClearsCacheOnChange):
    """An extra OpenAI-compatible upstream. The default one comes from the environment."""

    slug = models.CharField(
        max_length=40,
        unique=True,
        validators=[slug_validator],
        help_text="Short id shown beside its models, e.g. 'local-llama'.",
    )
    name = models.CharField(max_length=80)
    base_url = models.URLField(help_text="Up to and including /v1, e.g. http://127.0.0.1:8081/v1")
    api_key_encrypted = models.TextField(blank=True, editable=False)
    api_key_hint = models.CharField(max_length=12, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    cache_key = PROVIDERS_CACHE_KEY

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_api_key(self, api_key: str) -> None:
        self.api_key_encrypted = crypto.encrypt(api_key) if api_key else ""
        self.api_key_hint = f"…{api_key[-4:]}" if len(api_key) >= 12 else ("…" if api_key else "")

    @property
    def api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""


class RunQuerySet(models.QuerySet):
    def for_user(self, user) -> "RunQuerySet":
        """The runs a user may see: their own, in the teams they are still in (a removed
        member no longer reads what they ran with the team's prompts)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user, team__memberships__user=user)

    def visible_to(self, user) -> "RunQuerySet":
        """Theirs (for_user) and what teammates shared with the teams the user is in now
        (accounts.sharing). Runs shared by link are reached by their link, never listed."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(seen_by_member(user, author="user"))


class Run(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "OK"
        ERROR = "error", "Error"
        CANCELLED = "cancelled", "Cancelled"
        # The process serving it stopped (killed, crashed) before it finished: found and
        # finished by completions.leases.runs_interrupted_reap.
        INTERRUPTED = "interrupted", "Interrupted"

    class Source(models.TextChoices):
        PLAYGROUND = "playground", "Playground page"
        API = "api", "REST API"
        TEMPLATE = "template", "Template run"
        OPENAI = "openai", "OpenAI-compatible endpoint"
        EXPERIMENT = "experiment", "Experiment cell"
        JUDGE = "judge", "Experiment judge"  # an LLM judge scoring a cell's answer

    class Usage(models.TextChoices):
        REPORTED = "reported", "Reported by the upstream"
        PARTIAL = "partial", "Counted from what arrived before the stream ended"
        UNKNOWN = "unknown", "Not reported"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs"
    )
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="runs")
    provider = models.CharField(max_length=40)
    model = models.CharField(max_length=200)
    source = models.CharField(max_length=12, choices=Source.choices)
    stream = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)

    request = models.JSONField(help_text="The body sent upstream, exactly.")
    response = models.JSONField(null=True, blank=True, help_text="The upstream's final body.")
    # None, not "", when the model answered with tool calls only, as the API itself says.
    content = models.TextField(null=True, blank=True)  # noqa: DJ001
    tool_calls = models.JSONField(null=True, blank=True)
    finish_reason = models.CharField(max_length=40, blank=True)
    upstream_id = models.CharField(max_length=200, blank=True)

    error_kind = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)

    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(null=True, blank=True)
    usage = models.CharField(max_length=10, choices=Usage.choices, default=Usage.UNKNOWN)
    # Cost in settings.USAGE_CURRENCY at the prices in force when the run started (kept here
    # so later price changes never rewrite history); null when usage or price is unknown.
    cost = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    input_price = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    output_price = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)

    template_version = models.ForeignKey(
        "playground.TemplateVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs",
        help_text="The template version this run came from, if any.",
    )

    schema_valid = models.BooleanField(null=True, blank=True)
    schema_error = models.TextField(blank=True)

    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    ttft_ms = models.PositiveIntegerField(null=True, blank=True, help_text="Time to first token.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # While running: the run counts as abandoned after this unless the process serving it
    # renews it, and what it holds in budget windows, for whoever finds it abandoned to
    # release: [[window id, amount as a decimal string, metric], ...] (completions/leases.py).
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    holds = models.JSONField(default=list, blank=True)

    # Sharing (accounts.sharing's rule, as templates): private by default. While shared by
    # link, share_token is the link's secret; turning link sharing off clears it, so an old
    # link stops working, and sharing again makes a new one. Kept as it is, not hashed: it
    # guards only this row, which anyone reading the table reads anyway.
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    share_token = models.CharField(max_length=64, null=True, blank=True, unique=True)  # noqa: DJ001
    # What History shows and searches, taken from the request when the run is made
    # (completions.search): the first user message, cut short, and the messages' text.
    preview = models.CharField(max_length=200, blank=True)
    prompt_text = models.TextField(blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["user", "-started_at"], name="run_user_recent"),
            models.Index(fields=["team", "started_at"], name="run_team_time"),
            models.Index(fields=["team", "model", "started_at"], name="run_team_model_time"),
            models.Index(fields=["user", "model", "started_at"], name="run_user_model_time"),
            models.Index(fields=["started_at"], name="run_time"),
            models.Index(
                fields=["team", "-started_at"],
                condition=~models.Q(visibility="private"),
                name="run_team_shared_recent",
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(status="running"),
                name="run_running_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.status} {self.started_at:%Y-%m-%d %H:%M}"
