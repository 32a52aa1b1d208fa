from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    """Prompt evaluation: a dataset's item revisions run through template variants, each call a
    normal run (cells), checked by deterministic evaluators, run by `experiment_worker`."""

    name = "experiments"
    verbose_name = "Experiments"

    def ready(self) -> None:
        # Protected labels ask for evidence from finished experiments (prompts.policy).
        from prompts.policy import pass_rate_source_set

        from .selectors import version_best_pass_rate

        pass_rate_source_set(version_best_pass_rate)
