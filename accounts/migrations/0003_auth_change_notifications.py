"""PostgreSQL tells every app process when anything an API token check reads has changed.

Served processes keep recently checked tokens in memory (accounts/token_cache.py) and drop
them all on a notification on the `octoplay_auth` channel. Triggers, not application code,
send it, so every path is covered: the services, the admin, a raw SQL fix in psql, cascades.
NOTIFY is transactional: it goes out when the change commits, never for a rollback.

Only columns that mean something to a check count: a token's `last_used_at` (written once a
minute by the check itself) and a user's `last_login` are left out. Other databases (SQLite)
get nothing: processes there don't keep tokens in memory.
"""

from django.db import migrations

CHANNEL = "octoplay_auth"
FUNCTION = "octoplay_auth_changed"
# table model -> column changes that don't matter to a token check
WATCHED = {"ApiToken": ["last_used_at"], "User": ["last_login"], "Team": [], "Membership": []}


def _tables(apps):
    return {name: apps.get_model("accounts", name)._meta.db_table for name in WATCHED}


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME); RETURN NULL; END $$"
    )
    for name, table in _tables(apps).items():
        ignored = "".join(f" - '{column}'" for column in WATCHED[name])
        changed = f"(to_jsonb(OLD){ignored}) IS DISTINCT FROM (to_jsonb(NEW){ignored})"
        for event, when in (("UPDATE", f"WHEN ({changed})"), ("DELETE", "")):
            schema_editor.execute(
                f"CREATE TRIGGER {quote(f'{table}_auth_{event.lower()}')} AFTER {event} "
                f"ON {quote(table)} FOR EACH ROW {when} EXECUTE FUNCTION {FUNCTION}()"
            )
        schema_editor.execute(
            f"CREATE TRIGGER {quote(f'{table}_auth_truncate')} AFTER TRUNCATE "
            f"ON {quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE")  # and its triggers


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_requests_per_minute")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
