"""The per-process API token cache is gone (a plain query checks each token), and with it
the triggers that told processes when to empty it (0003)."""

from django.db import migrations

FUNCTION = "octoplay_auth_changed"


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE")  # and its triggers


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_auth_change_notifications")]

    operations = [migrations.RunPython(drop_triggers, migrations.RunPython.noop)]
