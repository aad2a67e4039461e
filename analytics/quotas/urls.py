"""Quota, transaction count, policy and staff alert pages of a unit (included in the "unit" namespace)."""

from django.urls import path

from analytics.quotas import views as v

urlpatterns = [
    path("quotas/", v.quotas, name="quotas"),
    path("quotas/counts/", v.counts, name="quota_counts"),
    path("quotas/counts/<int:pk>/delete/", v.count_delete, name="quota_count_delete"),
    path("quotas/import/", v.counts_import, name="quota_import"),
    path("policy/", v.policy, name="quota_policy"),
    path("alerts/", v.alerts, name="alerts"),
    # Forms of surveys' pages that need the unit's quota rule
    path("campaigns/<int:pk>/customers/start/", v.customer_survey_start, name="customer_survey_start"),
    path("campaigns/<int:pk>/plan/draft/", v.plan_draft_view, name="plan_draft"),
]
