"""Reading templates: the list a user sees, and a template's label history.

Lists come with what a row shows (team, author, latest version number, labels) in a fixed
number of queries however many templates there are."""

from uuid import UUID

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.models import User

from .models import LabelMove, PromptTemplate, TemplateLabel, TemplateVersion

SCOPES = ("all", "mine", "team")


def templates_summarised(templates: QuerySet[PromptTemplate]) -> QuerySet[PromptTemplate]:
    """Each template with `latest_version` (its newest version's number) annotated and its
    labels, each with its version's number, prefetched: one query for them all."""
    newest = TemplateVersion.objects.filter(template=OuterRef("pk")).order_by("-number")
    labels = TemplateLabel.objects.select_related("version").only(
        "name", "template_id", "version__number"
    )
    return (
        templates.select_related("team", "team__personal_owner", "created_by")
        .annotate(latest_version=Subquery(newest.values("number")[:1]))
        .prefetch_related(Prefetch("labels", queryset=labels))
    )


def template_list(user: User, *, q: str = "", scope: str = "all") -> QuerySet[PromptTemplate]:
    """The templates a user may list (see TemplateQuerySet.visible_to), searched by name and
    narrowed to their own ("mine") or their teammates' ("team"); any other scope is "all"."""
    templates = PromptTemplate.objects.visible_to(user)
    q = q.strip()
    if q:
        templates = templates.filter(name__icontains=q)
    if scope == "mine":
        templates = templates.filter(created_by=user)
    elif scope == "team":
        templates = templates.filter(~Q(created_by=user))
    return templates_summarised(templates)


def template_summary_get(template_id: UUID) -> PromptTemplate:
    """One template, summarised as in lists (for its detail in the API)."""
    return templates_summarised(PromptTemplate.objects.filter(pk=template_id)).get()


def template_label_moves(template: PromptTemplate) -> QuerySet[LabelMove]:
    """Who moved which label of the template from which version to which, newest first."""
    return LabelMove.objects.filter(template=template).select_related(
        "from_version", "to_version", "moved_by"
    )
