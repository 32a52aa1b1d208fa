from django.apps import AppConfig


class CompletionsConfig(AppConfig):
    """The run pipeline: validate, pick the provider, call the upstream (client.py, the only
    HTTP client), log exactly one Run per call; /api/completions/, run history and /v1."""

    name = "completions"
    verbose_name = "Completions and runs"
