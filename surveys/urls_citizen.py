"""Public pages of citizens: /q/<code> (a printed QR code), /d/<token> (a one-time dossier link) and
/k/<code> (the short address of a listed customer's one-time link).

/gop-y/<unit> is the unit's feedback page ("góp ý"), /danh-gia/<token> the one-time link to rate how
feedback was handled ("đánh giá"). "cam-on" is Vietnamese for "thank you": the page a successful
answer is redirected to. It needs no cookie and shows nothing about the answer.
"""

from django.urls import path

from . import citizen_views, feedback_views

urlpatterns = [
    path("q/<str:code>", citizen_views.qr_form, name="citizen_qr"),
    path("q/<str:code>/cam-on", citizen_views.qr_thanks, name="citizen_qr_thanks"),
    path("d/<str:token>", citizen_views.dossier_form, name="citizen_dossier"),
    path("d/<str:token>/cam-on", citizen_views.dossier_thanks, name="citizen_dossier_thanks"),
    # "khách hàng": a listed customer's short personal link, the same one-time link as /d/.
    path("k/<str:code>", citizen_views.personal_form, name="citizen_personal"),
    path("k/<str:code>/cam-on", citizen_views.personal_thanks, name="citizen_personal_thanks"),
    # "thư / ngưng": stop the e-mails of customer surveys.
    path("thu/ngung/<str:token>", citizen_views.email_unsubscribe, name="citizen_unsubscribe"),
    path("gop-y/<str:slug>", feedback_views.feedback_page, name="citizen_feedback"),
    path("gop-y/<str:slug>/cam-on", feedback_views.feedback_thanks, name="citizen_feedback_thanks"),
    path("gop-y/<str:slug>/qr.svg", feedback_views.feedback_qr, name="citizen_feedback_qr"),
    path("danh-gia/<str:token>", feedback_views.rating_page, name="citizen_feedback_rating"),
]
