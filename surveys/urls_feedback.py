"""The unit's feedback pages in its console (included in the "unit" namespace, under /u/<slug>/)."""

from django.urls import path

from . import feedback_console_views as v

urlpatterns = [
    path("feedback/", v.feedback_index, name="feedback"),
    path("feedback/new/", v.feedback_new, name="feedback_new"),
    path("feedback/export.csv", v.feedback_csv, name="feedback_csv"),
    path("feedback/<int:pk>/", v.feedback_detail, name="feedback_detail"),
    path("feedback/<int:pk>/assign/", v.feedback_assign_view, name="feedback_assign"),
    path("feedback/<int:pk>/reply/", v.feedback_reply_view, name="feedback_reply"),
]
