import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts import services
from accounts.models import Scope, Team


class Command(BaseCommand):
    help = (
        "Create a personal API token for a user and print it (it is shown only this once); "
        "its scopes go to stderr, so `TOKEN=$(manage.py create_token alice)` holds the token."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="A label for the token.")
        parser.add_argument(
            "--team",
            help="Team name or id the token's runs are charged to (default: personal workspace).",
        )
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=Scope.values,
            help="What the token may do; repeat for several (default: run). "
            + "; ".join(f"{scope.value}: {scope.label}" for scope in Scope),
        )

    def handle(self, *args, username, name, team, scopes, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        chosen_team = None
        if team:
            teams = Team.objects.for_user(user)
            match = Q(name__iexact=team, personal_owner__isnull=True)
            if _looks_like_uuid(team):
                match |= Q(pk=team)
            chosen_team = teams.filter(match).first()
            if chosen_team is None:
                raise CommandError(f"{username} is not a member of a team called {team!r}.")
        try:
            token, secret = services.token_create(
                user=user, name=name, team=chosen_team, scopes=scopes
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(secret)
        self.stderr.write(f"Scopes: {', '.join(token.scopes)} (team: {token.team})")


def _looks_like_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
