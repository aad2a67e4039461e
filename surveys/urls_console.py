"""The officer console's set-up pages of a unit (included in the "unit" namespace, under /u/<slug>/)."""

from django.urls import path

from . import console_views as v
from . import customer_views as c
from . import device_views
from .households import urls as household_urls

urlpatterns = [
    # Fields (lĩnh vực) and procedures (TTHC)
    path("catalog/", v.catalog, name="catalog"),
    path("catalog/seed/", v.catalog_seed_view, name="catalog_seed"),
    path("catalog/fields/new/", v.field_new, name="field_new"),
    path("catalog/fields/<int:pk>/", v.field_edit, name="field_edit"),
    path("catalog/fields/<int:pk>/active/", v.field_active, name="field_active"),
    path("catalog/procedures/new/", v.procedure_new, name="procedure_new"),
    path("catalog/procedures/<int:pk>/", v.procedure_edit, name="procedure_edit"),
    path("catalog/procedures/<int:pk>/active/", v.procedure_active, name="procedure_active"),
    # Service desks and civil servants
    path("staff/", v.staff, name="staff"),
    path("staff/desks/new/", v.desk_new, name="desk_new"),
    path("staff/desks/<int:pk>/", v.desk_edit, name="desk_edit"),
    path("staff/desks/<int:pk>/active/", v.desk_active, name="desk_active"),
    path("staff/people/new/", v.staff_new, name="staff_new"),
    path("staff/people/<int:pk>/", v.staff_edit, name="staff_edit"),
    path("staff/people/<int:pk>/active/", v.staff_active, name="staff_active"),
    path("staff/devices/", device_views.devices, name="devices"),
    path("staff/devices/<int:pk>/revoke/", device_views.device_revoke, name="device_revoke"),
    # Questionnaires, their versions and sharing down the hierarchy
    path("questionnaires/", v.questionnaires, name="questionnaires"),
    path("questionnaires/install/", v.questionnaire_install, name="questionnaire_install"),
    path("questionnaires/<int:pk>/", v.questionnaire_detail, name="questionnaire"),
    path("questionnaires/<int:pk>/draft/", v.questionnaire_draft, name="questionnaire_draft"),
    path("questionnaires/<int:pk>/edit/", v.questionnaire_edit, name="questionnaire_edit"),
    path("questionnaires/<int:pk>/edit/json/", v.questionnaire_edit_json, name="questionnaire_edit_json"),
    path("questionnaires/<int:pk>/publish/", v.questionnaire_publish, name="questionnaire_publish"),
    path("questionnaires/<int:pk>/switch/", v.questionnaire_switch, name="questionnaire_switch"),
    path("questionnaires/<int:pk>/discard/", v.questionnaire_discard, name="questionnaire_discard"),
    path("questionnaires/<int:pk>/share/", v.questionnaire_share_view, name="questionnaire_share"),
    path("questionnaires/shared/<int:share_id>/use/", v.share_use, name="share_use"),
    path("questionnaires/shared/<int:share_id>/withdraw/", v.share_withdraw, name="share_withdraw"),
    # Campaigns and their QR links
    path("campaigns/", v.campaigns, name="campaigns"),
    path("campaigns/new/", v.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", v.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/edit/", v.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/active/", v.campaign_active, name="campaign_active"),
    path("campaigns/<int:pk>/links/new/", v.campaign_link_new, name="campaign_link_new"),
    path(
        "campaigns/<int:pk>/links/<int:link_pk>/deactivate/",
        v.campaign_link_deactivate,
        name="campaign_link_deactivate",
    ),
    path("campaigns/<int:pk>/links/<int:link_pk>/move/", v.campaign_link_move, name="campaign_link_move"),
    # The household survey (seed 002), in the owning province
    *household_urls.urlpatterns,
    # Customer lists of the one-stop desk, customer surveys and the plans of campaigns
    path("customers/", c.customers, name="customers"),
    path("customers/import/", c.customers_upload, name="customers_import"),
    path("customers/from-api/", c.customers_from_api, name="customers_from_api"),
    path("customers/erase/", c.customer_erase, name="customer_erase"),
    path("customers/find/", c.customer_find, name="customer_find"),
    path("customers/<int:pk>/", c.customer_history, name="customer_history"),
    path("campaigns/<int:pk>/customers/", c.customer_survey, name="customer_survey"),
    path("campaigns/<int:pk>/customers/messages.csv", c.customer_messages, name="customer_messages"),
    path("campaigns/<int:pk>/customers/letters.pdf", c.customer_letters, name="customer_letters"),
    path("campaigns/<int:pk>/customers/emails/", c.customer_emails, name="customer_emails"),
    path(
        "campaigns/<int:pk>/customers/<int:invitation_pk>/phone/", c.invitation_phone, name="invitation_phone"
    ),
    path(
        "campaigns/<int:pk>/customers/<int:invitation_pk>/outcome/", c.invitation_mark, name="invitation_mark"
    ),
    path("campaigns/<int:pk>/plan/", c.plan, name="plan"),
    path("campaigns/<int:pk>/plan/edit/", c.plan_edit, name="plan_edit"),
    path("campaigns/<int:pk>/plan/timetable/", c.plan_timetable, name="plan_timetable"),
    path("campaigns/<int:pk>/plan/issue/", c.plan_issue_view, name="plan_issue"),
    path("campaigns/<int:pk>/plan.pdf", c.plan_pdf_view, name="plan_pdf"),
    path("campaigns/<int:pk>/plan/steps/<int:step_pk>/", c.plan_step_toggle, name="plan_step"),
]
