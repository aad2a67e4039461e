"""A unit's printable codes, inside the "unit" namespace: /u/<unit>/links/<code>.svg|.png|/poster.pdf."""

from django.urls import re_path

from . import link_views

# Codes are lower-case letters and digits (services.CODE_ALPHABET); anything else is a 404 here.
CODE = r"(?P<code>[a-z0-9]{1,12})"

urlpatterns = [
    re_path(rf"^links/{CODE}\.svg$", link_views.link_svg, name="link_svg"),
    re_path(rf"^links/{CODE}\.png$", link_views.link_png, name="link_png"),
    re_path(rf"^links/{CODE}/poster\.pdf$", link_views.link_poster, name="link_poster"),
]
