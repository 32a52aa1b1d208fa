from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    """Prompt evaluation: a dataset's item revisions run through template variants, each call a
    normal run (cells), checked by deterministic evaluators, run by `experiment_worker`."""

    name = "experiments"
    verbose_name = "Experiments"
