"""A unit's publications (included in the "unit" namespace): list, ad hoc drafts, review, publish,
schedules and subscribers. "publications" in the path: the console is English-keyed like the rest."""

from django.urls import path

from analytics.publications import views as v

urlpatterns = [
    path("publications/", v.publications, name="publications"),
    path("publications/new/", v.publication_new, name="publication_new"),
    path("publications/<int:pk>/", v.publication_detail, name="publication_detail"),
    path("publications/<int:pk>/pdf/", v.publication_pdf, name="publication_pdf"),
    path("publications/<int:pk>/publish/", v.publication_publish_view, name="publication_publish"),
    path("publications/<int:pk>/refresh/", v.publication_refresh_view, name="publication_refresh"),
    path("publications/<int:pk>/delete/", v.publication_delete_view, name="publication_delete"),
    path("publications/schedules/", v.publication_schedules_view, name="publication_schedules"),
    path("publications/subscribers/", v.publication_subscribers, name="publication_subscribers"),
    path(
        "publications/subscribers/<int:pk>/delete/",
        v.publication_subscriber_delete,
        name="publication_subscriber_delete",
    ),
]
