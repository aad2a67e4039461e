"""A unit's raw responses (its own officers only) and paper-ballot entry, inside the "unit" namespace."""

from django.urls import path

from . import response_views as views

urlpatterns = [
    path("responses/", views.responses, name="responses"),
    path("responses.csv", views.responses_csv, name="responses_csv"),
    path("responses/<uuid:public_id>/", views.response, name="response"),
    path("responses/review/", views.review, name="review"),
    path("paper/", views.paper, name="paper"),
    path("paper/<int:batch_id>/", views.paper_batch, name="paper_batch"),
    path("paper/<int:batch_id>/close/", views.paper_close, name="paper_close"),
    path("paper/<int:batch_id>/reopen/", views.paper_reopen, name="paper_reopen"),
    path("paper/<int:batch_id>/ballots/<uuid:public_id>/void/", views.paper_void, name="paper_void"),
]
