import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from accounts import services


class Command(BaseCommand):
    help = "Create the admin from DJANGO_SUPERUSER_* if asked, then print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        users = get_user_model().objects
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if username and password and not users.filter(username=username).exists():
            admin = users.create_superuser(
                username=username,
                email=os.environ.get("DJANGO_SUPERUSER_EMAIL", f"{username}@localhost"),
                password=password,
            )
            services.personal_team_get(admin)
            self.stdout.write(f"Created the administrator {username!r}.")
        self.stdout.write(self.style.SUCCESS(f"\nOctoplay is starting on {url}"))
        if users.exists():
            self.stdout.write(f"Log in at {url}accounts/login/ or sign up at {url}accounts/signup/")
        else:
            self.stdout.write(
                f"Sign up at {url}accounts/signup/ — the first account becomes the site admin."
            )
        self.stdout.write("Press Ctrl+C to stop.\n")
