from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_noop

from .models import AuditEvent, CalendarDay, Domain, FeedbackDeadlineRule, Membership, Unit, User
from .services import membership_revoke, unit_move, unit_parent_check

# The admin also lists django-celery-beat's and django-axes' tables, whose packages carry no
# Vietnamese: the project's catalog translates their names, and naming them here keeps them in it
# when makemessages runs.
OTHER_PACKAGES_NAMES = (
    gettext_noop("Periodic Tasks"),
    gettext_noop("periodic task"),
    gettext_noop("periodic tasks"),
    gettext_noop("clocked"),
    gettext_noop("crontab"),
    gettext_noop("crontabs"),
    gettext_noop("solar event"),
    gettext_noop("solar events"),
    gettext_noop("interval"),
    gettext_noop("intervals"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
)


def _operator(request: HttpRequest) -> User:
    """The signed-in operator; the admin site lets no one else reach its views."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ("name", "division_type", "parent", "valid_from", "valid_to", "successors")

    def clean_parent(self) -> Unit | None:
        parent = self.cleaned_data.get("parent")
        unit = self.instance
        unit_parent_check(level=unit.level, structure=unit.structure, parent=parent, unit=unit)
        return parent


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    """Units come from the official registry (`import_units`); operators may correct a name, the
    validity or the parent. A new parent goes through `unit_move`, which rewrites the materialized
    path of the whole subtree (path decides every subtree, role and API reach)."""

    form = UnitAdminForm
    list_display = ("code", "name", "level", "structure", "onboarded_at")
    list_filter = ("structure", "level", "division_type")
    search_fields = ("code", "name")
    fields = ("code", "level", "structure", *UnitAdminForm.Meta.fields, "path", "schema_name", "onboarded_at")
    readonly_fields = ("code", "level", "structure", "path", "schema_name", "onboarded_at")
    raw_id_fields = ("parent",)
    filter_horizontal = ("successors",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Unit, form: forms.ModelForm, change: bool) -> None:
        if "parent" in form.changed_data:
            new_parent = obj.parent
            obj.parent = Unit.objects.get(pk=obj.pk).parent
            obj.save()
            unit_move(unit=obj, parent=new_parent)
            return
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Roles are given from the console (`member_invite`), which checks the granter and tells the person;
    here operators read them and may remove one, through the same service, so the removal is logged."""

    list_display = ("user", "unit", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "unit__name", "unit__code")
    readonly_fields = ("user", "unit", "role", "granted_by", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_revoke(granter=_operator(request), membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset.select_related("unit", "user"):
            membership_revoke(granter=_operator(request), membership=membership)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The activity log, read only (the database refuses changes anyway)."""

    list_display = ("at", "actor_email", "unit", "action", "target", "reason")
    list_filter = ("action",)
    search_fields = ("actor_email", "target", "reason", "unit__name", "unit__code")
    date_hierarchy = "at"
    list_select_related = ("unit",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Accounts are made by invitations from the console (`member_invite`), so that every person chooses
    their own password from an e-mailed link; operators edit and deactivate them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


admin.site.register(Domain)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The civil servants' holiday calendar: operators add each year's official days off (and weekend
    days worked in exchange) when the announcement is issued; feedback due dates count over it."""

    list_display = ("day", "kind", "name")
    list_filter = ("kind", "day")
    date_hierarchy = "day"
    search_fields = ("name",)


@admin.register(FeedbackDeadlineRule)
class FeedbackDeadlineRuleAdmin(admin.ModelAdmin):
    """Working days a province gives its units to reply to feedback (default 10 without a row)."""

    list_display = ("province", "working_days", "updated_at")
    raw_id_fields = ("province",)
