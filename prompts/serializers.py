from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from accounts.serializers import SharedObjectSerializer, StrictSerializer

from .models import Visibility


class VersionDataSerializer(StrictSerializer):
    """The prompt a version holds. Checked in depth by prompts.services.version_data_clean."""

    model = serializers.CharField(required=False, allow_blank=True, default="")
    messages = serializers.ListField(child=serializers.DictField(), min_length=1)
    tools = serializers.ListField(child=serializers.DictField(), required=False, allow_null=True)
    tool_choice = serializers.JSONField(required=False, allow_null=True)
    response_format = serializers.DictField(required=False, allow_null=True)
    params = serializers.DictField(required=False, default=dict)
    variables = serializers.DictField(required=False, default=dict)
    commit_message = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )


class TemplateCreateSerializer(VersionDataSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.TEAM)
    team_id = serializers.UUIDField(required=False, help_text="Default: your active team.")


class TemplateQuerySerializer(serializers.Serializer):
    """GET /api/templates/'s query: checked so a bad scope is a 400, not quietly "all"."""

    q = serializers.CharField(required=False, allow_blank=True, help_text="Search by name")
    scope = serializers.ChoiceField(choices=["all", "mine", "team"], required=False)


class TemplateUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    model = serializers.CharField()
    messages = serializers.JSONField()
    tools = serializers.JSONField()
    tool_choice = serializers.JSONField()
    response_format = serializers.JSONField()
    params = serializers.JSONField()
    variables = serializers.JSONField()
    commit_message = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username", default=None)
    created_at = serializers.DateTimeField()


class TemplateSerializer(SharedObjectSerializer):
    latest_version = serializers.SerializerMethodField()
    labels = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()

    # Templates come from prompts.selectors, with these annotated and prefetched.
    def get_latest_version(self, template) -> int | None:
        return template.latest_version

    def get_labels(self, template) -> dict:
        return {label.name: label.version.number for label in template.labels.all()}

    def get_permissions(self, template) -> dict | None:
        access = self.context.get("access")
        if access is None:
            return None
        return {
            "can_edit": access.can_edit,
            "can_run": access.can_run,
            "is_manager": access.is_manager,
        }


class LabelSetSerializer(StrictSerializer):
    version = serializers.IntegerField(min_value=1)


class VersionChoiceSerializer(StrictSerializer):
    version = serializers.IntegerField(required=False, min_value=1)
    # A field named like Field.label: the stubs see a clash that DRF's metaclass avoids.
    label = serializers.CharField(required=False, max_length=40)  # type: ignore[assignment]

    def validate(self, data):
        if "version" in data and "label" in data:
            raise serializers.ValidationError("Give a version or a label, not both.")
        return data


class VersionChoiceScheme(OpenApiSerializerExtension):
    """The schema says it too: a version or a label, not both."""

    target_class = VersionChoiceSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "not": {"required": ["version", "label"]}}


class RenderSerializer(VersionChoiceSerializer):
    variables = serializers.DictField(required=False, default=dict)
    overrides = serializers.DictField(required=False, default=dict)


class RunSerializer(RenderSerializer):
    team_id = serializers.UUIDField(required=False)


class ForkSerializer(VersionChoiceSerializer):
    team_id = serializers.UUIDField(required=False, help_text="Default: your active team.")
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)


class LabelPolicyInputSerializer(StrictSerializer):
    dataset_id = serializers.UUIDField(help_text="A dataset of the template's team.")
    min_pass_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, help_text="0 to 1, e.g. 0.9."
    )


class LabelPolicySerializer(serializers.Serializer):
    # A field called label shadows Field.label (its display name), harmlessly here.
    label = serializers.CharField()  # type: ignore[assignment]
    dataset_id = serializers.UUIDField()
    dataset_name = serializers.CharField(source="dataset.name")
    min_pass_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    updated_by = serializers.CharField(source="updated_by.username", default=None)
    updated_at = serializers.DateTimeField()
