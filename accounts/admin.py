from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import services
from .models import ApiToken, InviteLink, Membership, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),  # the stubs allow None; Django's UserAdmin sets it
        ("Octoplay", {"fields": ("time_zone", "active_team", "requests_per_minute")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((None, {"fields": ("email",)}),)
    list_display = ("username", "email", "is_staff", "is_active", "date_joined")
    raw_id_fields = ("active_team",)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("__str__", "created_at")
    search_fields = ("name", "personal_owner__username")
    inlines = [MembershipInline]
    raw_id_fields = ("personal_owner",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "team__name")
    raw_id_fields = ("user", "team")


@admin.register(InviteLink)
class InviteLinkAdmin(admin.ModelAdmin):
    list_display = ("team", "role", "created_by", "expires_at", "revoked_at", "uses")
    readonly_fields = ("secret_hash", "uses")
    raw_id_fields = ("team", "created_by")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners (or `manage.py create_token`); admins can only revoke."""

    list_display = (
        "name",
        "user",
        "team",
        "prefix",
        "scopes",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = (
        "user",
        "team",
        "name",
        "prefix",
        "token_hash",
        "scopes",
        "created_by_token",
        "created_at",
        "last_used_at",
    )
    fields = readonly_fields + ("revoked_at",)

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if obj.revoked_at is not None:  # and so are the tokens made with it
            services.token_revoke(token=obj)
