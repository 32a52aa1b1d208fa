from rest_framework import serializers

from .models import TIME_ZONE_CHOICES, Role, Scope, Team


class TeamSerializer(serializers.Serializer):
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


class MeSerializer(serializers.Serializer):
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


class MemberInviteSerializer(serializers.Serializer):
    user = serializers.CharField(help_text="Username or email of an existing user.")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InviteLinkSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True)
    uses = serializers.IntegerField(read_only=True)
    url = serializers.CharField(
        read_only=True, help_text="The full link; present only in the response that created it."
    )


class TokenSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(max_length=80)
    team = TeamRefSerializer(read_only=True)
    team_id = serializers.UUIDField(
        write_only=True, required=False, help_text="Defaults to your personal workspace."
    )
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=Scope.choices),
        required=False,
        allow_empty=False,
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
    last_used_at = serializers.DateTimeField(read_only=True)
    revoked_at = serializers.DateTimeField(read_only=True)
    is_active = serializers.BooleanField(read_only=True)


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; store it now.")
