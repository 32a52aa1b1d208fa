from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    """Test cases for prompts: datasets owned by a team, whose items are immutable revisions
    (experiments record which revisions they ran)."""

    name = "datasets"
    verbose_name = "Datasets"
