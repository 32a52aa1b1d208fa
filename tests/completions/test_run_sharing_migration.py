"""Migration 0009_run_sharing gives the runs made before it what History shows and searches,
and leaves them private."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from completions.models import Run

BEFORE = [("completions", "0008_table_change_notifications")]


@pytest.mark.django_db(transaction=True)
def test_earlier_runs_get_their_preview_and_search_text(alice, acme):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_run = executor.loader.project_state(BEFORE).apps.get_model("completions", "Run")
    run = old_run.objects.create(
        user_id=alice.pk,
        team_id=acme.pk,
        provider="octopusx",
        model="m1",
        source="api",
        request={
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Old   question"}]},
            ]
        },
        content="Old answer",
    )
    executor = MigrationExecutor(connection)  # a fresh graph, as `migrate` would load
    executor.migrate(executor.loader.graph.leaf_nodes())
    migrated = Run.objects.get(pk=run.pk)
    assert migrated.preview == "Old question"
    assert migrated.prompt_text == "Be brief.\nOld   question"
    assert (migrated.visibility, migrated.share_token) == ("private", None)
