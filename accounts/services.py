"""Business rules for users, teams, memberships, invite links and API tokens.

HTML views and API views both call these functions. They raise
`django.core.exceptions.ValidationError` (bad input, with field names) and
`PermissionDenied` (a member acting beyond their role). Whether the actor may *see*
the team at all is decided earlier, by `Team.objects.for_user()` (a 404 otherwise).
"""

from collections.abc import Iterable
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import (
    ApiToken,
    InviteLink,
    Membership,
    Role,
    Scope,
    Team,
    User,
    default_scopes,
    hash_secret,
    owner_is_last,
)
from .token_lookup import active_token_by_hash, active_token_used

# Users and workspaces


def user_signup(*, username: str, email: str, password: str) -> User:
    """Create an account with its personal workspace.

    The very first account on a fresh install becomes the site administrator, so a
    self-hosted instance needs no extra set-up step (documented in the README).
    """
    with transaction.atomic():
        is_first = not get_user_model().objects.exists()
        user = get_user_model().objects.create_user(
            username=username,
            email=email,
            password=password,
            is_staff=is_first,
            is_superuser=is_first,
        )
        personal_team_get(user)
    return user


def personal_team_get(user: User) -> Team:
    """The user's personal workspace, created on first need (so admin-made users get one too)."""
    team = Team.objects.filter(personal_owner=user).first()
    if team is None:
        with transaction.atomic():
            team, created = Team.objects.get_or_create(
                personal_owner=user, defaults={"name": "Personal"}
            )
            if created:
                Membership.objects.create(team=team, user=user, role=Role.OWNER)
    return team


def active_team_get(user: User) -> Team:
    """The team the user is working in: their choice if still a member, else personal."""
    if (
        user.active_team_id
        and Membership.objects.filter(team_id=user.active_team_id, user=user).exists()
        and user.active_team is not None
    ):
        return user.active_team
    return personal_team_get(user)


def active_team_set(*, user: User, team: Team) -> None:
    if not Membership.objects.filter(team=team, user=user).exists():
        raise PermissionDenied("You are not a member of that team.")
    user.active_team = team
    user.save(update_fields=["active_team"])


# Teams and members


def membership_get(*, user: User, team: Team) -> Membership | None:
    return Membership.objects.filter(team=team, user=user).first()


def team_manager_require(*, user: User, team: Team, action: str = "do that") -> Membership:
    """The user's membership, checked now, if they manage the team; PermissionDenied if not."""
    membership = membership_get(user=user, team=team)
    if membership is None or not membership.can_manage:
        raise PermissionDenied(f"Only team owners and admins can {action}.")
    return membership


def _reject_personal(team: Team) -> None:
    if team.is_personal:
        raise ValidationError(
            "A personal workspace has exactly one member; create a team to share."
        )


def team_create(*, user: User, name: str) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    if Team.objects.filter(personal_owner__isnull=True, name__iexact=name).exists():
        raise ValidationError({"name": f"A team called “{name}” already exists."})
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name)
            Membership.objects.create(team=team, user=user, role=Role.OWNER)
    except IntegrityError:  # lost a race with another request creating the same name
        raise ValidationError({"name": f"A team called “{name}” already exists."}) from None
    return team


def team_rename(*, actor: User, team: Team, name: str) -> Team:
    team_manager_require(user=actor, team=team)
    _reject_personal(team)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    clash = Team.objects.filter(personal_owner__isnull=True, name__iexact=name).exclude(pk=team.pk)
    if clash.exists():
        raise ValidationError({"name": f"A team called “{name}” already exists."})
    team.name = name
    team.save(update_fields=["name"])
    return team


def member_add(*, actor: User, team: Team, identifier: str, role: str = Role.MEMBER) -> Membership:
    """Add an existing user, found by username or email, to the team."""
    actor_membership = team_manager_require(user=actor, team=team)
    _reject_personal(team)
    _check_role_grant(actor_membership, role)
    identifier = identifier.strip()
    if not identifier:
        raise ValidationError({"user": "Enter a username or an email address."})
    user = (
        get_user_model()
        .objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))
        .first()
    )
    if user is None:
        raise ValidationError({"user": f"No user with the username or email “{identifier}”."})
    if membership_get(user=user, team=team):
        raise ValidationError({"user": f"{user.username} is already a member of {team.name}."})
    return Membership.objects.create(team=team, user=user, role=role)


def _check_role_grant(actor_membership: Membership, role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": f"Choose one of: {', '.join(Role.values)}."})
    if role == Role.OWNER and actor_membership.role != Role.OWNER:
        raise PermissionDenied("Only owners can make someone an owner.")


def _lock_owners(team: Team) -> int:
    """Count owners while holding their rows, so two requests can't both remove 'another' owner."""
    return len(
        Membership.objects.select_for_update().filter(team=team, role=Role.OWNER).values_list("pk")
    )


def member_role_change(*, actor: User, membership: Membership, role: str) -> Membership:
    actor_membership = team_manager_require(user=actor, team=membership.team)
    _check_role_grant(actor_membership, role)
    if membership.role == Role.OWNER and actor_membership.role != Role.OWNER:
        raise PermissionDenied("Only owners can change an owner's role.")
    with transaction.atomic():
        demoting_owner = membership.role == Role.OWNER and role != Role.OWNER
        if demoting_owner and owner_is_last(membership.role, _lock_owners(membership.team)):
            raise ValidationError({"role": "A team needs at least one owner."})
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def member_remove(*, actor: User, membership: Membership) -> None:
    if membership.user_id == actor.pk:
        team_leave(user=actor, team=membership.team)
        return
    actor_membership = team_manager_require(user=actor, team=membership.team)
    if membership.role == Role.OWNER and actor_membership.role != Role.OWNER:
        raise PermissionDenied("Only owners can remove an owner.")
    with transaction.atomic():
        if owner_is_last(membership.role, _lock_owners(membership.team)):
            raise ValidationError("A team needs at least one owner.")
        _membership_delete(membership)


def team_leave(*, user: User, team: Team) -> None:
    _reject_personal(team)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(team=team, user=user).first()
        if membership is None:
            raise ValidationError("You are not a member of this team.")
        if owner_is_last(membership.role, _lock_owners(team)):
            raise ValidationError(
                "You are the last owner: make someone else an owner before you leave."
            )
        _membership_delete(membership)


def _membership_delete(membership: Membership) -> None:
    """A removed member's tokens for that team stop working at once."""
    ApiToken.objects.active().filter(user=membership.user, team=membership.team).update(
        revoked_at=timezone.now()
    )
    membership.delete()


# Invite links


def invite_link_create(
    *, actor: User, team: Team, role: str = Role.MEMBER
) -> tuple[InviteLink, str]:
    """Returns the link and its secret; only the hash is kept, so the secret is shown once."""
    actor_membership = team_manager_require(user=actor, team=team)
    _reject_personal(team)
    _check_role_grant(actor_membership, role)
    secret = ApiToken.generate_secret().removeprefix(ApiToken.PREFIX)
    link = InviteLink.objects.create(
        team=team,
        role=role,
        secret_hash=hash_secret(secret),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITE_LINK_DAYS),
    )
    return link, secret


def invite_link_find(secret: str) -> InviteLink | None:
    link = InviteLink.objects.select_related("team").filter(secret_hash=hash_secret(secret)).first()
    return link if link and link.is_usable else None


def invite_link_accept(*, user: User, secret: str) -> Team:
    link = invite_link_find(secret)
    if link is None:
        raise ValidationError("This invite link has expired or been revoked. Ask for a new one.")
    with transaction.atomic():
        _, created = Membership.objects.get_or_create(
            team=link.team, user=user, defaults={"role": link.role}
        )
        if created:
            InviteLink.objects.filter(pk=link.pk).update(uses=F("uses") + 1)
    return link.team


def invite_link_revoke(*, actor: User, link: InviteLink) -> None:
    team_manager_require(user=actor, team=link.team)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


# API tokens


def token_create(
    *,
    user: User,
    name: str,
    team: Team | None = None,
    scopes: Iterable[str] | None = None,
    created_by_token: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Returns the token and its secret; the secret is never stored, so it is shown once.

    Scopes default to the least, "run". A token made with another token (`created_by_token`,
    over the API) gets no scope its maker lacks, and is revoked with it.
    """
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the script that uses it."})
    team = team or personal_team_get(user)
    if not membership_get(user=user, team=team):
        raise ValidationError({"team": "Choose one of your own teams."})
    scopes = default_scopes() if scopes is None else _scopes_clean(scopes)
    if created_by_token is not None:
        beyond = [scope for scope in scopes if not created_by_token.has_scope(scope)]
        if beyond:
            raise PermissionDenied(
                f"A token cannot give a new token scopes it lacks itself: {', '.join(beyond)}."
            )
    secret = ApiToken.generate_secret()
    token = ApiToken.objects.create(
        user=user,
        team=team,
        name=name,
        prefix=secret[: len(ApiToken.PREFIX) + 6],
        token_hash=hash_secret(secret),
        scopes=scopes,
        created_by_token=created_by_token,
    )
    return token, secret


def _scopes_clean(scopes: Iterable[str]) -> list[str]:
    """Known scopes, each once, in their fixed order; at least one."""
    chosen = set(scopes)
    unknown = sorted(chosen - set(Scope.values))
    if unknown:
        raise ValidationError(
            {"scopes": f"Unknown scope “{unknown[0]}”: choose from {', '.join(Scope.values)}."}
        )
    if not chosen:
        raise ValidationError({"scopes": "Choose at least one scope."})
    return [scope for scope in Scope.values if scope in chosen]


def token_revoke(*, token: ApiToken) -> ApiToken:
    """Revokes the token and every token made with it (and with those), so nothing a leaked
    token minted outlives it."""
    family, made = {token.pk}, [token.pk]
    while made:
        made = list(
            ApiToken.objects.filter(created_by_token__in=made)
            .exclude(pk__in=family)
            .values_list("pk", flat=True)
        )
        family.update(made)
    ApiToken.objects.active().filter(pk__in=family).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def token_authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret (and its user), recording when it was last used."""
    if not secret.startswith(ApiToken.PREFIX):
        return None
    token_hash = hash_secret(secret)
    token = active_token_by_hash(token_hash)
    if token is None:
        return None
    now = timezone.now()
    resolution = timedelta(seconds=settings.TOKEN_LAST_USED_RESOLUTION_SECONDS)
    if token.last_used_at is None or now - token.last_used_at >= resolution:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        active_token_used(token_hash, token)
    return token


def _team_uuid(team_id: object) -> UUID:
    if isinstance(team_id, UUID):
        return team_id
    if isinstance(team_id, str):
        try:
            return UUID(team_id)
        except ValueError:
            pass
    raise ValidationError({"team_id": "Give the id of one of your teams (a UUID string)."})


def request_team_resolve(*, user: User, auth: object, team_id: object = None) -> Team:
    """The team a request charges: the one named (must be the user's), else the API token's
    team, else the user's active team. Only None or "" name none: anything else that is not a
    team id (`[]`, 0, a dict) is refused, never taken for "the default"."""
    if team_id is not None and team_id != "":
        team = Team.objects.for_user(user).filter(pk=_team_uuid(team_id)).first()
        if team is None:
            raise ValidationError({"team_id": "Choose one of your own teams."})
        return team
    if isinstance(auth, ApiToken):
        return auth.team
    return active_team_get(user)
