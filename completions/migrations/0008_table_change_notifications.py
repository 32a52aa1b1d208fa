"""PostgreSQL tells every app process when a provider, a price or a budget changes, as it does
for what an API token check reads (accounts/migrations/0003, whose function this reuses):
served processes keep these small tables in memory until then (kept_while_unchanged in
accounts/token_cache.py). Budget windows, which every run writes, are not watched. Prices and
budgets belong to the budgets app but kept the tables they had in completions: one migration
for all three."""

from django.db import migrations

TABLES = ["completions_provider", "completions_modelprice", "completions_budget"]


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
        ("budgets", "0001_initial"),
        ("completions", "0007_alter_run_source"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
