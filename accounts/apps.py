from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Users, teams and memberships (with the one rule of who manages a team), invite links and
    personal API tokens. Every other app builds on this one; it imports none of them."""

    name = "accounts"
    verbose_name = "Accounts and teams"

    def ready(self) -> None:
        from django.core import checks

        from .password_reset import email_check

        checks.register(email_check, checks.Tags.security, deploy=True)
