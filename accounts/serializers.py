from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from .models import TIME_ZONE_CHOICES, Role, Scope, Team

# The JSON types a field takes; DRF on its own would take 0 for a name, "1" or 1.5 for a
# whole number and "yes" for a boolean (checked in this order: BooleanField is no number).
JSON_TYPES: list[tuple[type, tuple[type, ...], str]] = [
    (serializers.BooleanField, (bool,), "Must be true or false."),
    (serializers.CharField, (str,), "Must be a string."),
    (serializers.UUIDField, (str,), "Must be a string."),
    (serializers.IntegerField, (int,), "Must be a whole number."),
    (serializers.FloatField, (int, float), "Must be a number."),
    (serializers.DecimalField, (str,), 'Must be a string, e.g. "100.5".'),  # as documented
]


class SharedObjectSerializer(serializers.Serializer):
    """What every team-owned object shared by accounts.sharing's rule shows first (templates,
    datasets); each adds its own fields after these."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    visibility = serializers.CharField()
    team = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_team(self, shared) -> dict:
        return {"id": str(shared.team_id), "name": str(shared.team)}


def validated(serializer_class: type[serializers.Serializer], data: Any) -> Any:
    """`data` as `serializer_class` validates it; a ValidationError (400, per field) if not."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def json_type_problem(field: serializers.Field, value: Any) -> str | None:
    if value is None:
        return None  # the field's allow_null says whether null is fine
    for kind, types, message in JSON_TYPES:
        if isinstance(field, kind):
            wrong = isinstance(value, bool) and bool not in types
            return message if wrong or not isinstance(value, types) else None
    return None


# An API body whose fields must have the JSON types the schema gives them: a wrong type is a
# 400 naming the field, not a value quietly converted. (A comment, not a docstring: the
# schema would give it to every serializer made from this one.)
class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {
                name: [problem]
                for name, field in self.fields.items()
                if not field.read_only
                and name in data
                and (problem := json_type_problem(field, data[name]))
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class TeamSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=80)
    is_personal = serializers.BooleanField(read_only=True)
    role = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True)

    def get_role(self, team: Team) -> str | None:
        return getattr(team, "my_role", None)


class TeamRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    is_personal = serializers.BooleanField()


class MeSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    is_staff = serializers.BooleanField(read_only=True)
    time_zone = serializers.ChoiceField(choices=TIME_ZONE_CHOICES)
    active_team = TeamRefSerializer(read_only=True)
    active_team_id = serializers.UUIDField(write_only=True, required=False)


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)


class MemberInviteSerializer(StrictSerializer):
    user = serializers.CharField(help_text="Username or email of an existing user.")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class RoleSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InviteLinkSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    uses = serializers.IntegerField(read_only=True)


class InviteLinkCreatedSerializer(InviteLinkSerializer):
    url = serializers.CharField(
        read_only=True, help_text="The full link; shown once, store it now."
    )


class TokenSerializer(StrictSerializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=80)
    team = TeamRefSerializer(read_only=True)
    team_id = serializers.UUIDField(
        write_only=True, required=False, help_text="Defaults to your personal workspace."
    )
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=Scope.choices),
        required=False,
        min_length=1,
        help_text='What the token may do; default ["run"]. A token can give no scope it lacks.',
    )
    created_by_token = serializers.UUIDField(
        source="created_by_token_id",
        read_only=True,
        allow_null=True,
        help_text="The token that made this one, if one did; revoking it revokes this too.",
    )
    prefix = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)
    revoked_at = serializers.DateTimeField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; store it now.")
