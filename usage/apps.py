from django.apps import AppConfig


class UsageConfig(AppConfig):
    """What was spent: usage reports, charts and CSV over the logged runs, for a user, a team
    and the whole site. No tables of its own: it reads completions' runs."""

    name = "usage"
    verbose_name = "Usage reports"
