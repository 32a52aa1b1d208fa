"""Prompt templates: named prompts owned by a team, with immutable numbered versions,
movable labels (with their history) and a visibility that decides who may see them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

# The rule is accounts.sharing's; Visibility named here too for prompts' own modules.
from accounts.sharing import Visibility as Visibility
from accounts.sharing import seen_by_member
from completions.variables import variables_in


class TemplateQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TemplateQuerySet":
        """What a user may list (seen_by_member). Link templates of other teams are reachable
        by their link only, never listed."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(seen_by_member(user)).distinct()


class PromptTemplate(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="templates")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.TEAM
    )
    forked_from = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="forks"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="unique_template_name_per_team")
        ]

    def __str__(self) -> str:
        return self.name


class Snapshot(models.Model):
    """A saved state that is never changed once saved (a template version, a dataset item's
    revision): an edit saves the next one, so what a run or an experiment used stays as it
    was. CONTENT_FIELDS: what a snapshot holds, as opposed to who saved it when."""

    CONTENT_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            name = str(self._meta.verbose_name_plural).capitalize()
            raise ValueError(f"{name} are immutable; save a new one instead.")
        super().save(*args, **kwargs)

    def content(self) -> dict:
        return {field: getattr(self, field) for field in self.CONTENT_FIELDS}


class TemplateVersion(Snapshot):
    """One saved state of a template: edits make a new version."""

    # What a version holds, as opposed to who saved it when.
    CONTENT_FIELDS = (
        "model",
        "messages",
        "tools",
        "tool_choice",
        "response_format",
        "params",
        "variables",
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.ForeignKey(PromptTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    model = models.CharField(max_length=200, blank=True)
    messages = models.JSONField()
    tools = models.JSONField(null=True, blank=True)
    tool_choice = models.JSONField(null=True, blank=True)
    response_format = models.JSONField(null=True, blank=True)
    params = models.JSONField(default=dict, blank=True, help_text="temperature, max_tokens, …")
    variables = models.JSONField(
        default=dict, blank=True, help_text='{"name": {"default": …, "description": …}}'
    )
    commit_message = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="unique_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"

    @property
    def variable_list(self) -> list[tuple[str, dict]]:
        """(name, spec) in order of first use in the messages: JSONB keeps no key order."""
        return [(name, self.variables.get(name) or {}) for name in variables_in(self.messages)]


class TemplateLabel(models.Model):
    """A name (production, staging, …) pointing at one version; `latest` is implicit."""

    template = models.ForeignKey(PromptTemplate, on_delete=models.CASCADE, related_name="labels")
    name = models.SlugField(max_length=40)
    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="labels")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["template", "name"], name="unique_label_per_template")
        ]

    def __str__(self) -> str:
        return f"{self.template}@{self.name}"


class LabelMove(models.Model):
    """Who pointed a label from which version to which, so a rollback is one click."""

    template = models.ForeignKey(
        PromptTemplate, on_delete=models.CASCADE, related_name="label_moves"
    )
    label = models.CharField(max_length=40)
    from_version = models.ForeignKey(
        TemplateVersion, null=True, on_delete=models.CASCADE, related_name="+"
    )
    to_version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="+")
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    moved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-moved_at"]

    def __str__(self) -> str:
        return f"{self.template}@{self.label} → v{self.to_version.number}"


class LabelPolicy(models.Model):
    """A protected label's bar (off unless a template sets one): the label moves only to a
    version that a finished experiment on `dataset` passed at `min_pass_rate` or better.
    prompts.policy checks it on every move."""

    template = models.ForeignKey(
        PromptTemplate, on_delete=models.CASCADE, related_name="label_policies"
    )
    label = models.SlugField(max_length=40)
    # A string reference: prompts may not import datasets (imports run one way). RESTRICT:
    # deleting the dataset alone must not silently lift the label's protection; deleting the
    # team takes the template, and so the policy, with it.
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.RESTRICT, related_name="+")
    min_pass_rate = models.DecimalField(max_digits=5, decimal_places=4, help_text="0 to 1.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(fields=["template", "label"], name="unique_policy_per_label")
        ]

    def __str__(self) -> str:
        return f"{self.template}@{self.label} policy"
