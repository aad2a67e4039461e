import pytest
from django.conf import settings
from django.utils import translation

from tenants.vietnam import VIETNAM, fold, language_of, localized_name


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đăng ký khai sinh", "dang ky khai sinh"),
        ("ĐỒNG ĐĂNG", "dong dang"),
        ("Xã Hồng Thái", "xa hong thai"),
        ("Số hồ sơ", "so ho so"),
        ("ﬁ ２", "fi 2"),  # compatibility forms too, as typed from other systems
        ("", ""),
    ],
)
def test_fold_drops_every_vietnamese_mark_and_the_case(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "en"), ("en-us", "en"), ("vi", "vi"), ("", "vi"), ("fr", "vi")]
)
def test_a_page_is_in_english_only_when_asked(language, expected):
    assert language_of(language) == expected


def test_without_a_language_the_active_one_is_read():
    with translation.override("en"):
        assert language_of() == "en"
        assert localized_name("Khai sinh", "Birth registration") == "Birth registration"
    with translation.override("vi"):
        assert language_of() == "vi"
        assert localized_name("Khai sinh", "Birth registration") == "Khai sinh"


def test_an_english_page_falls_back_to_the_vietnamese_name():
    assert localized_name("Khai sinh", "", "en") == "Khai sinh"
    assert localized_name("Khai sinh", "Birth registration", "vi") == "Khai sinh"


def test_one_time_zone_for_the_settings_and_the_figures():
    assert settings.TIME_ZONE == VIETNAM.key == "Asia/Ho_Chi_Minh"
