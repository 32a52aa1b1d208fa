from django.contrib import admin

from .models import Cell, DatasetEvaluators, Experiment, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    raw_id_fields = ("template", "template_version")


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "dataset", "status", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("name",)
    raw_id_fields = ("team", "dataset", "created_by", "started_by")
    inlines = [VariantInline]


@admin.register(Cell)
class CellAdmin(admin.ModelAdmin):
    list_display = ("experiment", "position", "variant", "repetition", "status", "attempts")
    list_filter = ("status",)
    raw_id_fields = ("experiment", "variant", "item_revision", "run")


@admin.register(DatasetEvaluators)
class DatasetEvaluatorsAdmin(admin.ModelAdmin):
    raw_id_fields = ("dataset",)
