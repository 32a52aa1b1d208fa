from django.contrib import admin

from .models import Dataset, Item, ItemRevision


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "created_by", "visibility", "updated_at")
    list_filter = ("visibility",)
    search_fields = ("name", "team__name", "created_by__username")
    raw_id_fields = ("team", "created_by")


@admin.register(ItemRevision)
class ItemRevisionAdmin(admin.ModelAdmin):
    """Read-only: a revision never changes once written (experiments point at it)."""

    list_display = ("item", "number", "created_by", "created_at")
    search_fields = ("item__id", "item__dataset__name")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    """Read-only too: items change through new revisions, made on the site or the API."""

    list_display = ("dataset", "position", "current", "deleted_at")
    search_fields = ("id", "dataset__name")
    raw_id_fields = ("dataset", "current", "deleted_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
