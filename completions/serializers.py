from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.sharing import Visibility
from budgets.pricing import price_for

from .models import Run
from .validation import REASONING_EFFORTS


class UsageSerializer(serializers.Serializer):
    prompt_tokens = serializers.IntegerField(allow_null=True)
    completion_tokens = serializers.IntegerField(allow_null=True)
    total_tokens = serializers.IntegerField(allow_null=True)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # see RunResultSerializer
        choices=Run.Usage.choices, help_text="reported, partial (stream cut short) or unknown."
    )


class RunResultSerializer(serializers.Serializer):
    """What a completion returns, and the final event of a stream."""

    run_id = serializers.UUIDField(source="id")
    status = serializers.ChoiceField(choices=Run.Status.choices)
    provider = serializers.CharField()
    model = serializers.CharField()
    # A field named like Field.source: the stubs see a clash that DRF's metaclass avoids.
    source = serializers.CharField()  # type: ignore[assignment]
    message = serializers.SerializerMethodField(help_text="The first choice's message.")
    finish_reason = serializers.CharField()
    choices = serializers.SerializerMethodField(
        help_text="Every choice (several with n > 1): index, message, finish_reason, and "
        "logprobs (null unless asked for with logprobs: true)."
    )
    usage = serializers.SerializerMethodField()
    schema = serializers.SerializerMethodField(help_text="Structured-output check, when asked for.")
    cost = serializers.DecimalField(
        max_digits=14,
        decimal_places=6,
        allow_null=True,
        coerce_to_string=False,
        help_text="In USAGE_CURRENCY; null when usage or the model's price is unknown.",
    )
    latency_ms = serializers.IntegerField(allow_null=True)
    ttft_ms = serializers.IntegerField(allow_null=True)
    upstream_id = serializers.CharField()
    error = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()

    def get_message(self, run: Run) -> dict:
        message = {"role": "assistant", "content": run.content}
        if run.tool_calls:
            message["tool_calls"] = run.tool_calls
        return message

    def get_choices(self, run: Run) -> list[dict]:
        response = run.response if isinstance(run.response, dict) else {}
        choices = response.get("choices")
        if not isinstance(choices, list):
            return []
        return [
            {
                "index": choice.get("index", number),
                "message": choice.get("message"),
                "finish_reason": choice.get("finish_reason"),
                "logprobs": choice.get("logprobs"),
            }
            for number, choice in enumerate(choices)
            if isinstance(choice, dict)
        ]

    def get_usage(self, run: Run) -> dict:
        return UsageSerializer(
            {
                "prompt_tokens": run.prompt_tokens,
                "completion_tokens": run.completion_tokens,
                "total_tokens": run.total_tokens,
                "source": run.usage,
            }
        ).data

    def get_schema(self, run: Run) -> dict | None:
        if run.schema_valid is None:
            return None
        return {"valid": run.schema_valid, "error": run.schema_error}

    def get_error(self, run: Run) -> dict | None:
        if not run.error_kind:
            return None
        return {
            "kind": run.error_kind,
            "message": run.error_message,
            "http_status": run.http_status,
        }


class RunTemplateSerializer(serializers.Serializer):
    """The saved template version a run came from."""

    id = serializers.UUIDField(source="template_id")
    name = serializers.CharField(source="template.name")
    version = serializers.IntegerField(source="number")
    version_id = serializers.UUIDField(source="id")


class RunListSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    provider = serializers.CharField()
    model = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # see RunResultSerializer
    stream = serializers.BooleanField()
    team = serializers.CharField(source="team_id")
    user = serializers.CharField(source="user.username", help_text="Who ran it.")
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    preview = serializers.CharField(help_text="The first user message, cut short.")
    answer_preview = serializers.CharField(
        allow_null=True, help_text="The answer's first 300 characters; null: tool calls only."
    )
    template = RunTemplateSerializer(
        source="template_version", allow_null=True, help_text="null when not a template run."
    )
    total_tokens = serializers.IntegerField(allow_null=True)
    cost = serializers.DecimalField(
        max_digits=14, decimal_places=6, allow_null=True, coerce_to_string=False
    )
    latency_ms = serializers.IntegerField(allow_null=True)
    error_message = serializers.CharField()
    started_at = serializers.DateTimeField()


class RunPageSerializer(serializers.Serializer):
    """A page of runs, newest first: GET /api/runs/ is paginated (RunPagination)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = RunListSerializer(many=True)


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
)
class MomentField(serializers.CharField):
    """An ISO date or datetime (completions.selectors parses it)."""


class RunQuerySerializer(serializers.Serializer):
    """GET /api/runs/'s query: checked here so a bad value is a 400 naming it."""

    model = serializers.CharField(required=False)
    status = serializers.ChoiceField(choices=Run.Status.choices, required=False)
    # The ignore: see RunResultSerializer.
    source = serializers.ChoiceField(choices=Run.Source.choices, required=False)  # type: ignore[assignment]
    scope = serializers.ChoiceField(
        choices=["mine", "team"],
        required=False,
        help_text="mine (default): your runs; team: runs shared with your teams.",
    )
    template = serializers.UUIDField(required=False, help_text="Runs of this template.")
    q = serializers.CharField(required=False, help_text="Words in the prompt or the answer.")
    since = MomentField(required=False, help_text="ISO date or datetime (inclusive)")
    until = MomentField(required=False, help_text="ISO date or datetime (exclusive)")
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class RunSharedSerializer(RunResultSerializer):
    """A run read through its share link: the run, nothing about its team or author. Its
    template only for whom may read it (context: access, a completions.access.RunAccess)."""

    request = serializers.JSONField()
    stream = serializers.BooleanField()
    finished_at = serializers.DateTimeField(allow_null=True, help_text="null while running.")
    template = serializers.SerializerMethodField(help_text="null when not a template run.")

    @extend_schema_field(RunTemplateSerializer(allow_null=True))
    def get_template(self, run: Run) -> dict | None:
        if not self.context["access"].template_readable:
            return None
        return dict(RunTemplateSerializer(run.template_version).data)


class RunDetailSerializer(RunSharedSerializer):
    """A run as its author and teammates read it (context: access and request)."""

    response = serializers.JSONField()
    team = serializers.CharField(source="team_id")
    user = serializers.CharField(source="user.username", help_text="Who ran it.")
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    share_url = serializers.SerializerMethodField(
        help_text="While shared by link, the link (only for whom may share the run)."
    )

    def get_share_url(self, run: Run) -> str | None:
        if not (run.share_token and self.context["access"].can_share):
            return None
        path = reverse("run_shared", kwargs={"token": run.share_token})
        return self.context["request"].build_absolute_uri(path)


class RunShareSerializer(serializers.Serializer):
    """PATCH /api/runs/{id}/: who sees the run (sharing by link makes its link); left out,
    it stays as it is."""

    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


@extend_schema_field(
    {"oneOf": [{"type": "string", "format": "uuid"}, {"type": "string", "enum": [""]}]},
)
class OptionalUUIDField(serializers.UUIDField):
    """A UUID, where null and "" mean "not given" (accounts.services.request_team_resolve)."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)


class CompletionRequestSerializer(serializers.Serializer):
    """For the API docs: the body is a Chat Completions request plus three optional fields.
    Validation itself happens in completions.validation, with per-field messages; null is
    "not given" for the optional fields below that allow it, as there."""

    model = serializers.CharField()
    messages = serializers.ListField(
        child=serializers.DictField(),
        help_text=(
            "A user message's content may be a list of parts: text, and images as "
            '{"type": "image_url", "image_url": {"url": "data:image/png;base64,…" or an '
            'http(s) URL (never fetched by this server), "detail": "auto|low|high"}}; '
            "PNG, JPEG, WebP or GIF, each and all together within the site's limits."
        ),
    )
    stream = serializers.BooleanField(required=False)
    response_format = serializers.DictField(required=False, allow_null=True)
    tools = serializers.ListField(child=serializers.DictField(), required=False, allow_null=True)
    tool_choice = serializers.JSONField(required=False)
    temperature = serializers.FloatField(required=False, allow_null=True)
    top_p = serializers.FloatField(required=False, allow_null=True)
    max_tokens = serializers.IntegerField(required=False, allow_null=True)
    seed = serializers.IntegerField(required=False, allow_null=True)
    stop = serializers.JSONField(required=False)
    presence_penalty = serializers.FloatField(required=False, allow_null=True)
    frequency_penalty = serializers.FloatField(required=False, allow_null=True)
    max_completion_tokens = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    n = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=8)
    logprobs = serializers.BooleanField(required=False)
    top_logprobs = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=20, help_text="Needs logprobs."
    )
    reasoning_effort = serializers.ChoiceField(
        choices=REASONING_EFFORTS, required=False, allow_null=True
    )
    provider = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Provider slug, when several providers serve the same model id.",
    )
    variables = serializers.DictField(
        required=False,
        help_text="Values for {{name}} placeholders in the messages; each one used must be given.",
    )
    team_id = OptionalUUIDField(
        required=False,
        help_text='Team to charge; default (also for null or ""): the token\'s team, or your '
        "active team.",
    )


def _price(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=12, decimal_places=6, allow_null=True, coerce_to_string=False, **kwargs
    )


class ModelInfoSerializer(serializers.Serializer):
    id = serializers.CharField()
    owned_by = serializers.CharField(allow_blank=True)
    context_window = serializers.IntegerField(
        allow_null=True, help_text="In tokens, when the provider's model list gives it."
    )
    input_per_million = _price(help_text="The price in force now; null when none is set.")
    output_per_million = _price(help_text="The price in force now; null when none is set.")
    currency = serializers.CharField(help_text="USAGE_CURRENCY, which prices are in.")


class ModelGroupSerializer(serializers.Serializer):
    provider = serializers.CharField(source="provider.slug")
    provider_name = serializers.CharField(source="provider.name")
    is_demo = serializers.BooleanField(source="provider.is_demo")
    models = serializers.SerializerMethodField()
    error = serializers.CharField()
    stale = serializers.BooleanField(help_text="True when showing the last good list.")

    @extend_schema_field(ModelInfoSerializer(many=True))
    def get_models(self, group) -> list:
        """Each model with what the picker shows beside it: its price (the admin's Model
        prices, in force now) and context window, where known."""
        now = timezone.now()
        rows = []
        for model in group.models:
            price = price_for(provider=group.provider.slug, model=model["id"], at=now)
            rows.append(
                {
                    "id": model["id"],
                    "owned_by": model.get("owned_by", ""),
                    "context_window": model.get("context_window"),
                    "input_per_million": price.input_per_million if price else None,
                    "output_per_million": price.output_per_million if price else None,
                    "currency": settings.USAGE_CURRENCY,
                }
            )
        return list(ModelInfoSerializer(rows, many=True).data)
