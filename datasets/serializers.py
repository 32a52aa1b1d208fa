from django.core.validators import RegexValidator
from rest_framework import serializers

from accounts.serializers import SharedObjectSerializer, StrictSerializer

from .content import MAX_TAGS, TAG_MAX_LENGTH, TAG_PATTERN
from .imports import FORMATS
from .models import Visibility


class StrictCharField(serializers.CharField):
    """A string, never a number turned into one (StrictSerializer checks only top-level
    fields; this is for strings inside lists)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DatasetCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.TEAM)
    team_id = serializers.UUIDField(required=False, help_text="Default: your active team.")


class DatasetUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    visibility = serializers.ChoiceField(
        choices=Visibility.choices,
        required=False,
        help_text="Only the creator and the team's owners/admins change it.",
    )


class DatasetQuerySerializer(serializers.Serializer):
    team = serializers.UUIDField(required=False, help_text="Only this team's datasets.")


class DatasetSerializer(SharedObjectSerializer):
    item_count = serializers.IntegerField(help_text="Live items.")
    permissions = serializers.SerializerMethodField()

    def get_permissions(self, dataset) -> dict | None:
        access = self.context.get("access")
        if access is None:
            return None
        return {"can_edit": access.can_edit, "can_manage": access.can_manage}


class ItemWriteSerializer(StrictSerializer):
    """An item's content (rules: datasets/content.py). On PATCH, fields left out stay."""

    variables = serializers.DictField(help_text="Variable name: value.")
    expected = serializers.JSONField(
        required=False, allow_null=True, help_text="The answer wanted, text or JSON; null: none."
    )
    tags = serializers.ListField(
        child=StrictCharField(
            max_length=TAG_MAX_LENGTH,
            trim_whitespace=False,
            # The schema says what one tag looks like (content.py says it in words).
            validators=[RegexValidator(TAG_PATTERN, "No commas, no spaces around it.")],
        ),
        max_length=MAX_TAGS,
        required=False,
    )
    metadata = serializers.DictField(required=False)

    def to_internal_value(self, data):
        # A misspelt field ("expcted") would otherwise be dropped without a word.
        if isinstance(data, dict) and (unknown := sorted(set(data) - set(self.fields))):
            raise serializers.ValidationError({name: ["Not an item field."] for name in unknown})
        return super().to_internal_value(data)


class ItemPatchSerializer(ItemWriteSerializer):
    variables = serializers.DictField(required=False, help_text="Variable name: value.")


class ItemQuerySerializer(serializers.Serializer):
    MAX_PAGE_SIZE = 500

    page = serializers.IntegerField(required=False, min_value=1, help_text="From 1.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, help_text="Default: 50."
    )


class ItemSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The item's stable id.")
    position = serializers.IntegerField()
    revision = serializers.UUIDField(source="current.id", help_text="Its current revision.")
    revision_number = serializers.IntegerField(source="current.number")
    variables = serializers.JSONField(source="current.variables")
    expected = serializers.JSONField(source="current.expected")
    tags = serializers.ListField(child=serializers.CharField(), source="current.tags")
    metadata = serializers.JSONField(source="current.metadata")
    updated_at = serializers.DateTimeField(source="current.created_at")


class ItemPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ItemSerializer(many=True)


class RevisionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.IntegerField()
    variables = serializers.JSONField()
    expected = serializers.JSONField()
    tags = serializers.ListField(child=serializers.CharField())
    metadata = serializers.JSONField()
    created_by = serializers.CharField(source="created_by.username", default=None)
    created_at = serializers.DateTimeField()


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with a header row, or JSON Lines.")
    format = serializers.ChoiceField(
        choices=FORMATS, required=False, help_text="Default: from the file name's extension."
    )


class ImportResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()


class FromRunSerializer(StrictSerializer):
    run_id = serializers.UUIDField(help_text="One of your runs in the dataset's team.")
