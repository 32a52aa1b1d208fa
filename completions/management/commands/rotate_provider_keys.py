from django.core.management.base import BaseCommand
from django.db import transaction

from completions import crypto
from completions.models import Provider


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored provider API key with the first key in FIELD_ENCRYPTION_KEY. "
        "Run after putting a new key first; then the old key can be removed."
    )

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            for provider in Provider.objects.select_for_update().exclude(api_key_encrypted=""):
                provider.api_key_encrypted = crypto.rotate(provider.api_key_encrypted)
                provider.save(update_fields=["api_key_encrypted"])
                count += 1
        self.stdout.write(f"Re-encrypted {count} provider key(s) with the current key.")
