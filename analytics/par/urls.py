"""PAR Index pages of a province (/u/<province>/par/...), included in the "unit" namespace."""

from django.urls import path

from analytics.par import views as v

urlpatterns = [
    path("par/", v.contributions, name="par"),
    path("par/<int:year>/recompute/", v.recompute, name="par_recompute"),
    path("par/<int:year>/freeze/", v.freeze, name="par_freeze"),
    path("par/<int:year>/units/<int:unit_id>/", v.contribution_detail, name="par_detail"),
    path("par/<int:year>.csv", v.export_csv, name="par_csv"),
    path("par/<int:year>.xlsx", v.export_xlsx, name="par_xlsx"),
    path("par/rules/", v.rule_sets, name="par_rules"),
    path("par/rules/new/", v.rule_set_new, name="par_rule_new"),
    path("par/rules/<int:pk>/revise/", v.rule_set_revise, name="par_rule_revise"),
]
