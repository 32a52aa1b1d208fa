from django.contrib import admin

from .models import LabelMove, PromptTemplate, TemplateLabel, TemplateVersion


class VersionInline(admin.TabularInline):
    model = TemplateVersion
    fields = ("number", "model", "commit_message", "created_by", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # versions are saved by people working on the template, never edited


class LabelInline(admin.TabularInline):
    model = TemplateLabel
    fields = ("name", "version", "updated_by", "updated_at")
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PromptTemplate)
class PromptTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "created_by", "visibility", "updated_at")
    list_filter = ("visibility",)
    search_fields = ("name", "team__name", "created_by__username")
    raw_id_fields = ("team", "created_by", "forked_from")
    inlines = [VersionInline, LabelInline]


@admin.register(TemplateVersion)
class TemplateVersionAdmin(admin.ModelAdmin):
    """Read-only: a version never changes once saved."""

    list_display = ("template", "number", "model", "created_by", "created_at")
    search_fields = ("template__name",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LabelMove)
class LabelMoveAdmin(admin.ModelAdmin):
    list_display = ("template", "label", "from_version", "to_version", "moved_by", "moved_at")
    search_fields = ("template__name", "label")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
