"""PostgreSQL tells every app process when a provider changes, as it does for what an API
token check reads (accounts/migrations/0003, whose function this reuses): served processes
keep the provider list in memory until then (accounts.token_cache.kept_while_unchanged)."""

from django.db import migrations

TABLES = ["completions_provider"]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for event, each in (("INSERT OR UPDATE OR DELETE", "ROW"), ("TRUNCATE", "STATEMENT")):
            name = f"{table}_changed_{'truncate' if event == 'TRUNCATE' else 'row'}"
            schema_editor.execute(
                f"CREATE TRIGGER {schema_editor.quote_name(name)} AFTER {event} "
                f"ON {schema_editor.quote_name(table)} FOR EACH {each} "
                "EXECUTE FUNCTION octoplay_auth_changed()"
            )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        for suffix in ("row", "truncate"):
            name = schema_editor.quote_name(f"{table}_changed_{suffix}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_auth_change_notifications"),
        ("completions", "0007_alter_run_source"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
