"""Published reports, no sign-in: included at the root of config.urls_public.

"cong-bo" is Vietnamese for "publication". The address of a report never changes: it is printed in
the PDF and e-mailed to subscribers.
"""

from django.urls import path

from analytics.publications import views as v

urlpatterns = [
    path("cong-bo/<uuid:public_id>/", v.publication_public, name="publication_public"),
    path("cong-bo/<uuid:public_id>.pdf", v.publication_public_pdf, name="publication_public_pdf"),
]
