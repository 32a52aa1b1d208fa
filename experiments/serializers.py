"""Plain serializers for the experiments API: input checked here, work in services."""

from rest_framework import serializers

from .evaluators import MAX_EVALUATORS
from .selectors import DISAGREEMENTS, SORTS
from .services import MAX_COMMENT, MAX_VARIANTS, REVIEW_SCORES


class VariantInputSerializer(serializers.Serializer):
    template_id = serializers.UUIDField()
    version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    # A field called label shadows Field.label (its display name), harmlessly here.
    label = serializers.CharField(  # type: ignore[assignment]
        required=False, allow_blank=True, max_length=40
    )
    model = serializers.CharField(required=False, allow_blank=True, max_length=200)
    params = serializers.DictField(required=False, help_text="Template parameters to override.")


class EvaluatorsField(serializers.ListField):
    child = serializers.DictField()
    max_length = MAX_EVALUATORS
    help_text = "Evaluators: objects with a `kind` (see the README)."


class ExperimentCreateSerializer(serializers.Serializer):
    dataset_id = serializers.UUIDField()
    name = serializers.CharField(max_length=120)
    repetitions = serializers.IntegerField(default=1, min_value=1, max_value=100)
    variants = serializers.ListField(
        child=VariantInputSerializer(), min_length=1, max_length=MAX_VARIANTS
    )
    evaluators = EvaluatorsField(
        required=False, help_text="Default: the dataset's default evaluators."
    )


class StartSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        default=False, help_text="true to start; without it, a 400 with the estimate."
    )


class EvaluateSerializer(serializers.Serializer):
    evaluators = EvaluatorsField(required=False, help_text="Default: the experiment's own.")


class DatasetEvaluatorsSerializer(serializers.Serializer):
    evaluators = EvaluatorsField()


class ResultsQuerySerializer(serializers.Serializer):
    MAX_PAGE_SIZE = 200
    page = serializers.IntegerField(required=False, default=1, min_value=1, max_value=10**6)
    page_size = serializers.IntegerField(
        required=False, default=50, min_value=1, max_value=MAX_PAGE_SIZE
    )
    failures = serializers.BooleanField(
        required=False, default=False, help_text="Only items where a cell failed."
    )
    disagree = serializers.ChoiceField(
        choices=["", *DISAGREEMENTS],
        required=False,
        default="",
        help_text="Only items whose cells disagree: `verdicts` (some passed, some failed) or "
        "`answers` (different answers).",
    )
    sort = serializers.ChoiceField(
        choices=list(SORTS),
        required=False,
        default="position",
        help_text="position; latency (slowest first); passed (fewest passing first); score "
        "(lowest human score first).",
    )


class ListQuerySerializer(serializers.Serializer):
    dataset = serializers.UUIDField(required=False, help_text="Only this dataset's.")


class VariantSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    template_id = serializers.UUIDField()
    template_name = serializers.CharField(source="template.name")
    version_number = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]
    model = serializers.CharField()
    params = serializers.DictField()
    template_version_number = serializers.IntegerField(
        source="template_version.number", allow_null=True, default=None
    )


class ExperimentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.CharField()
    team_id = serializers.UUIDField()
    dataset_id = serializers.UUIDField()
    dataset_name = serializers.CharField(source="dataset.name")
    created_by = serializers.CharField(source="created_by.username")
    repetitions = serializers.IntegerField()
    evaluators = serializers.ListField(child=serializers.DictField())
    variants = VariantSerializer(many=True, source="variants.all")
    item_revision_ids = serializers.ListField(
        child=serializers.UUIDField(), help_text="Frozen at start: exactly what it runs."
    )
    stop_reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class ReviewSerializer(serializers.Serializer):
    score = serializers.IntegerField(allow_null=True)
    comment = serializers.CharField()
    reviewed_by = serializers.CharField(source="reviewed_by.username", default=None)
    reviewed_at = serializers.DateTimeField()


class ReviewInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=REVIEW_SCORES.start,
        max_value=REVIEW_SCORES.stop - 1,
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_COMMENT
    )


class CellSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    variant = serializers.IntegerField(source="variant.position")
    repetition = serializers.IntegerField()
    status = serializers.CharField()
    error = serializers.CharField()
    passed = serializers.BooleanField(allow_null=True)
    results = serializers.ListField(child=serializers.DictField())
    run_id = serializers.UUIDField(allow_null=True)
    answer = serializers.CharField(source="run.content", allow_null=True, default=None)
    latency_ms = serializers.IntegerField(source="run.latency_ms", allow_null=True, default=None)
    total_tokens = serializers.IntegerField(
        source="run.total_tokens", allow_null=True, default=None
    )
    cost = serializers.DecimalField(
        source="run.cost", max_digits=14, decimal_places=6, allow_null=True, default=None
    )
    review = ReviewSerializer(allow_null=True, default=None, help_text="A person's verdict.")


class RowSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    item_revision_id = serializers.UUIDField()
    variables = serializers.DictField()
    expected = serializers.JSONField(allow_null=True)
    cells = CellSerializer(many=True)


class ResultsPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Items (rows) in all.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = RowSerializer(many=True)


class CompareQuerySerializer(serializers.Serializer):
    baseline = serializers.UUIDField(help_text="The experiment to compare against.")
    candidate = serializers.UUIDField(help_text="The new experiment (same dataset).")
    baseline_variant = serializers.IntegerField(required=False, default=1, min_value=1)
    candidate_variant = serializers.IntegerField(required=False, default=1, min_value=1)


class DiffQuerySerializer(serializers.Serializer):
    a = serializers.UUIDField(help_text="A cell of this experiment.")
    b = serializers.UUIDField(help_text="Another cell of this experiment.")


class PromoteSerializer(serializers.Serializer):
    # A field called label shadows Field.label (its display name), harmlessly here.
    label = serializers.SlugField(max_length=40)  # type: ignore[assignment]
