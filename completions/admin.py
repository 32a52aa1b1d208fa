from django import forms
from django.contrib import admin

from .models import Provider, Run


class ProviderForm(forms.ModelForm):
    """The key is write-only: typed in, encrypted, never shown again (only its last 4 chars)."""

    api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current key. Stored encrypted; never displayed.",
    )
    clear_api_key = forms.BooleanField(required=False, help_text="Remove the stored key.")
    base_url = forms.URLField(
        assume_scheme="https",
        help_text="Up to and including /v1, e.g. http://127.0.0.1:8081/v1",
    )

    class Meta:
        model = Provider
        fields = ("slug", "name", "base_url", "is_active")

    def save(self, commit=True):
        provider = super().save(commit=False)
        if self.cleaned_data.get("clear_api_key"):
            provider.set_api_key("")
        elif self.cleaned_data.get("api_key"):
            provider.set_api_key(self.cleaned_data["api_key"])
        if commit:
            provider.save()
        return provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = ProviderForm
    list_display = ("name", "slug", "base_url", "api_key_hint", "is_active")
    readonly_fields = ("api_key_hint",)
    fields = ("slug", "name", "base_url", "api_key", "clear_api_key", "api_key_hint", "is_active")


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "user",
        "team",
        "provider",
        "model",
        "source",
        "status",
        "total_tokens",
        "latency_ms",
    )
    list_filter = ("status", "source", "provider", "usage")
    search_fields = ("model", "user__username", "upstream_id")
    date_hierarchy = "started_at"
    raw_id_fields = ("user", "team")

    def has_add_permission(self, request) -> bool:
        return False  # runs are a log: made by calls, not by hand

    def has_change_permission(self, request, obj=None) -> bool:
        return False
