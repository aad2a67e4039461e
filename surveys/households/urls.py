"""The household survey's pages in a province's console (included in the "unit" namespace)."""

from django.urls import path

from . import views as v

urlpatterns = [
    path("ho-gia-dinh/", v.rounds, name="household_rounds"),
    path("ho-gia-dinh/<int:pk>/", v.round_detail, name="household_round"),
    path("ho-gia-dinh/<int:pk>/phieu.pdf", v.sheets_pdf, name="household_sheets"),
    path("ho-gia-dinh/<int:pk>/nhap-phieu/", v.paper_entry, name="household_entry"),
    path("ho-gia-dinh/<int:pk>/phuc-tra/", v.recheck, name="household_recheck"),
    path("ho-gia-dinh/cua-toi/", v.my_households, name="household_mine"),
    path("ho-gia-dinh/phieu/<str:serial>/", v.slot_page, name="household_slot"),
    path("ho-gia-dinh/dong-bo/", v.sync, name="household_sync"),
    path("ho-gia-dinh/<int:pk>/ung-dung/", v.offline_app, name="household_app"),
    path("ho-gia-dinh/<int:pk>/ung-dung/sw.js", v.offline_worker, name="household_worker"),
    path("ho-gia-dinh/<int:pk>/ung-dung/manifest.webmanifest", v.offline_manifest, name="household_manifest"),
]
