from django.apps import AppConfig


class PromptsConfig(AppConfig):
    """Saved prompt templates: immutable versions, movable labels with their history, and
    who may see, run and edit them. Rendering a template and running it goes through completions."""

    name = "prompts"
    # The app was born inside the project package as "playground"; the label keeps its tables
    # (playground_prompttemplate, …) and migration history, so existing databases carry on.
    label = "playground"
    verbose_name = "Prompt templates"
