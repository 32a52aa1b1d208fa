"""Users, teams, memberships, invite links and personal API tokens.

Every user owns a personal workspace: a Team with `personal_owner` set. Later features
(templates, runs, usage) always belong to a team, so "no team" never has to be handled.
"""

import hashlib
import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


def hash_secret(secret: str) -> str:
    """SHA-256 is right for high-entropy random secrets: no need for a slow password hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


class User(AbstractUser):
    email = models.EmailField("email address", unique=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    active_team = models.ForeignKey(
        "Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requests_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Completion requests per minute; empty uses the site default, 0 means no limit.",
    )

    REQUIRED_FIELDS = ["email"]


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


# Who may do what in a team, stated once: owners and admins manage it (members, invite links,
# budgets, protected template labels, everyone's usage); only owners make or unmake owners.
MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def role_can_manage(role: str | None) -> bool:
    return role in MANAGER_ROLES


def owner_is_last(role: str | None, owner_count: int) -> bool:
    """A team always keeps an owner: its last one may not leave, be removed or step down."""
    return role == Role.OWNER and owner_count <= 1


class Scope(models.TextChoices):
    """What an API token may do, chosen when it is made. A browser session is its user and
    needs none; each API view declares the scope a token needs (accounts/permissions.py)."""

    RUN = "run", "Run completions and templates, read your runs"
    USAGE = "usage", "Read usage and budgets"
    TEMPLATES = "templates", "Create, edit and delete templates"
    DATASETS = "datasets", "Create, edit, import and delete datasets and their items"
    MANAGE = "manage", "Manage teams, members, invite links, budgets and tokens"


def default_scopes() -> list[str]:
    """The least: a new token only runs things."""
    return [Scope.RUN.value]


class TeamQuerySet(models.QuerySet["Team"]):
    def for_user(self, user) -> "TeamQuerySet":
        """The only way teams reach a user: those they are a member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Team(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=80)
    personal_owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="personal_team",
    )
    created_at = models.DateTimeField(default=timezone.now)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams"
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # Shared team names are global, like organisations elsewhere; personal
            # workspaces are all called "Personal" and are exempt.
            models.UniqueConstraint(
                Lower("name"),
                condition=models.Q(personal_owner__isnull=True),
                name="unique_shared_team_name",
            )
        ]

    def __str__(self) -> str:
        if self.personal_owner is not None:  # no query when personal_owner_id is None
            return f"{self.personal_owner.username} (personal)"
        return self.name

    @property
    def is_personal(self) -> bool:
        return self.personal_owner_id is not None

    # For teams loaded through accounts.selectors, annotated with the viewer's `my_role`.
    @property
    def viewer_can_manage(self) -> bool:
        return role_can_manage(getattr(self, "my_role", None))

    @property
    def viewer_is_owner(self) -> bool:
        return getattr(self, "my_role", None) == Role.OWNER


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return role_can_manage(self.role)


class InviteLink(models.Model):
    """A link anyone logged in can use to join a team until it expires or is revoked.

    Only the hash of the link's secret is stored; the full link is shown once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invite_links")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    url: str  # not a column: the full link, set once when it is made (only its hash is kept)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invite to {self.team} ({self.role})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def for_user(self, user) -> "ApiTokenQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token for scripts. Stored only as a SHA-256 hash."""

    PREFIX = "oct_"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=default_scopes, help_text='Scope values, e.g. ["run"].')
    created_by_token = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="minted",
        help_text="The token that made this one over the API; revoking it revokes this too.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()
    token: str  # not a column: the secret, set once when it is made (only its hash is kept)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @classmethod
    def generate_secret(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
