from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Domain, Membership, Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "structure", "onboarded_at")
    list_filter = ("structure", "level", "division_type")
    search_fields = ("code", "name")
    readonly_fields = ("path", "schema_name", "onboarded_at", "schema_checked_at", "schema_ok")
    raw_id_fields = ("parent",)
    filter_horizontal = ("successors",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "unit__name", "unit__code")
    raw_id_fields = ("user", "unit", "granted_by")


admin.site.register(User, UserAdmin)
admin.site.register(Domain)
