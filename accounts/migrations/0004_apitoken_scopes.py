"""API tokens get scopes. New tokens default to the least ("run"); tokens made before scopes
existed keep what scripts use them for (running, templates, usage) but lose "manage": minting
tokens and managing teams with a token now takes a token made for it (or a browser session)."""

import accounts.models
import django.db.models.deletion
from django.db import migrations, models

EXISTING_TOKEN_SCOPES = ["run", "usage", "templates"]


def scope_existing_tokens(apps, schema_editor):
    apps.get_model("accounts", "ApiToken").objects.update(scopes=EXISTING_TOKEN_SCOPES)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_auth_change_notifications'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='created_by_token',
            field=models.ForeignKey(blank=True, help_text='The token that made this one over the API; revoking it revokes this too.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='minted', to='accounts.apitoken'),
        ),
        migrations.AddField(
            model_name='apitoken',
            name='scopes',
            field=models.JSONField(default=accounts.models.default_scopes, help_text='Scope values, e.g. ["run"].'),
        ),
        migrations.RunPython(scope_existing_tokens, migrations.RunPython.noop),
    ]
