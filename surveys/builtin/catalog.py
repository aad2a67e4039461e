"""A commune one-stop desk's catalog of fields (lĩnh vực) and administrative procedures (TTHC).

Plain data, no Django: tenants start from it and edit their own copy.

- Procedure names follow the national public-service portal (Cổng Dịch vụ công quốc gia), without the
  leading "Thủ tục" and, for two chứng thực procedures, without the long parenthetical the portal appends.
- ``national_code`` is the portal's procedure code (e.g. "1.001193") only where it was checked; otherwise
  ``None``. Codes are never guessed: a province may publish local variants, and the portal renumbers
  procedures when the law changes (as it did for land and household businesses in 2024–2025), so a tenant
  should confirm a code against its province's published list before relying on it.
- The list reflects what a commune handles since the two-tier reform of 1 July 2025 (land registration,
  household businesses and building permits moved down from the district), but is a starting set, not the
  complete official list.
"""

from __future__ import annotations

from typing import TypedDict


class Text(TypedDict):
    vi: str
    en: str


class Field(TypedDict):
    key: str
    name: Text


class Procedure(TypedDict):
    key: str
    field: str
    name: Text
    national_code: str | None


class SeedFieldGroup(TypedDict):
    name: Text
    fields: list[str]


FIELDS: list[Field] = [
    {"key": "ho_tich", "name": {"vi": "Hộ tịch", "en": "Civil status registration"}},
    {
        "key": "chung_thuc",
        "name": {"vi": "Chứng thực", "en": "Certification of copies, signatures and contracts"},
    },
    {"key": "nuoi_con_nuoi", "name": {"vi": "Nuôi con nuôi", "en": "Adoption"}},
    {"key": "hoa_giai_co_so", "name": {"vi": "Hòa giải ở cơ sở", "en": "Grassroots mediation"}},
    {"key": "dat_dai", "name": {"vi": "Đất đai", "en": "Land"}},
    {"key": "xay_dung", "name": {"vi": "Xây dựng", "en": "Construction"}},
    {"key": "nong_nghiep", "name": {"vi": "Nông nghiệp", "en": "Agriculture"}},
    {
        "key": "ho_kinh_doanh",
        "name": {"vi": "Thành lập và hoạt động của hộ kinh doanh", "en": "Household businesses"},
    },
    {"key": "bao_tro_xa_hoi", "name": {"vi": "Bảo trợ xã hội", "en": "Social protection"}},
    {"key": "giam_ngheo", "name": {"vi": "Giảm nghèo", "en": "Poverty reduction"}},
    {
        "key": "nguoi_co_cong",
        "name": {"vi": "Người có công", "en": "People with meritorious service to the revolution"},
    },
    {"key": "giao_duc", "name": {"vi": "Giáo dục và đào tạo", "en": "Education and training"}},
    {"key": "van_hoa", "name": {"vi": "Văn hóa", "en": "Culture"}},
    {
        "key": "thi_dua_khen_thuong",
        "name": {"vi": "Thi đua - Khen thưởng", "en": "Emulation and commendation"},
    },
    {"key": "tin_nguong_ton_giao", "name": {"vi": "Tín ngưỡng, tôn giáo", "en": "Beliefs and religion"}},
    {
        "key": "khieu_nai_to_cao",
        "name": {"vi": "Giải quyết khiếu nại, tố cáo", "en": "Complaints and denunciations"},
    },
    {"key": "khac", "name": {"vi": "Lĩnh vực khác", "en": "Other fields"}},
]


def _p(key: str, field: str, vi: str, en: str, code: str | None = None) -> Procedure:
    return {"key": key, "field": field, "name": {"vi": vi, "en": en}, "national_code": code}


PROCEDURES: list[Procedure] = [
    # ---- Hộ tịch
    _p("dang_ky_khai_sinh", "ho_tich", "Đăng ký khai sinh", "Birth registration", "1.001193"),
    _p(
        "dang_ky_khai_sinh_luu_dong",
        "ho_tich",
        "Đăng ký khai sinh lưu động",
        "Mobile birth registration (at the family's home)",
        "1.003583",
    ),
    _p(
        "dang_ky_khai_sinh_nhan_cha_me_con",
        "ho_tich",
        "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
        "Birth registration combined with recognition of parentage",
        "1.000689",
    ),
    _p(
        "lien_thong_khai_sinh",
        "ho_tich",
        "Liên thông các thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế "
        "cho trẻ em dưới 6 tuổi",
        "Joint birth registration, permanent residence registration and health-insurance card for a child "
        "under 6",
    ),
    _p("dang_ky_lai_khai_sinh", "ho_tich", "Đăng ký lại khai sinh", "Re-registration of a birth", "1.004884"),
    _p(
        "dang_ky_khai_sinh_da_co_giay_to",
        "ho_tich",
        "Đăng ký khai sinh cho người đã có hồ sơ, giấy tờ cá nhân",
        "Birth registration for a person who already holds personal records",
        "1.004772",
    ),
    _p("dang_ky_ket_hon", "ho_tich", "Đăng ký kết hôn", "Marriage registration", "1.000894"),
    _p("dang_ky_lai_ket_hon", "ho_tich", "Đăng ký lại kết hôn", "Re-registration of a marriage", "1.004746"),
    _p(
        "xac_nhan_tinh_trang_hon_nhan",
        "ho_tich",
        "Cấp Giấy xác nhận tình trạng hôn nhân",
        "Certificate of marital status",
        "1.004873",
    ),
    _p("dang_ky_khai_tu", "ho_tich", "Đăng ký khai tử", "Death registration", "1.000656"),
    _p("dang_ky_lai_khai_tu", "ho_tich", "Đăng ký lại khai tử", "Re-registration of a death", "1.005461"),
    _p(
        "lien_thong_khai_tu",
        "ho_tich",
        "Liên thông các thủ tục hành chính về đăng ký khai tử, xóa đăng ký thường trú, giải quyết mai táng "
        "phí, tử tuất",
        "Joint death registration, removal from the permanent residence register and funeral or survivor "
        "allowance",
    ),
    _p(
        "dang_ky_nhan_cha_me_con",
        "ho_tich",
        "Đăng ký nhận cha, mẹ, con",
        "Registration of recognition of parentage",
        "1.001022",
    ),
    _p("dang_ky_giam_ho", "ho_tich", "Đăng ký giám hộ", "Registration of guardianship", "1.004837"),
    _p(
        "dang_ky_cham_dut_giam_ho",
        "ho_tich",
        "Đăng ký chấm dứt giám hộ",
        "Registration of the end of a guardianship",
        "1.004845",
    ),
    _p(
        "thay_doi_cai_chinh_ho_tich",
        "ho_tich",
        "Thay đổi, cải chính, bổ sung thông tin hộ tịch, xác định lại dân tộc",
        "Change, correction or completion of civil status records; re-determination of ethnicity",
        "1.004859",
    ),
    _p(
        "cap_ban_sao_trich_luc",
        "ho_tich",
        "Cấp bản sao Trích lục hộ tịch",
        "Issue of a copy of a civil status extract",
        "2.000635",
    ),
    # ---- Chứng thực
    _p(
        "chung_thuc_ban_sao",
        "chung_thuc",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam "
        "cấp hoặc chứng nhận",
        "Certified copy from an original issued or certified by a Vietnamese authority",
        "2.000815",
    ),
    _p(
        "chung_thuc_chu_ky",
        "chung_thuc",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        "Certification of a signature (or fingerprint) on papers and documents",
        "2.000884",
    ),
    _p(
        "chung_thuc_hop_dong",
        "chung_thuc",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở",
        "Certification of a contract or transaction on movable property, land-use rights or housing",
        "2.001035",
    ),
    _p(
        "chung_thuc_sua_doi_hop_dong",
        "chung_thuc",
        "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
        "Certification of an amendment to, or cancellation of, a contract or transaction",
    ),
    _p("chung_thuc_di_chuc", "chung_thuc", "Chứng thực di chúc", "Certification of a will", "2.001019"),
    _p(
        "chung_thuc_phan_chia_di_san",
        "chung_thuc",
        "Chứng thực văn bản thỏa thuận phân chia di sản mà di sản là động sản, quyền sử dụng đất, nhà ở",
        "Certification of an agreement dividing an estate of movables, land-use rights or housing",
    ),
    _p(
        "chung_thuc_khai_nhan_di_san",
        "chung_thuc",
        "Chứng thực văn bản khai nhận di sản mà di sản là động sản, quyền sử dụng đất, nhà ở",
        "Certification of a declaration accepting an inheritance of movables, land-use rights or housing",
    ),
    # ---- Nuôi con nuôi
    _p(
        "dang_ky_nuoi_con_nuoi",
        "nuoi_con_nuoi",
        "Đăng ký việc nuôi con nuôi trong nước",
        "Registration of a domestic adoption",
        "2.001263",
    ),
    _p(
        "dang_ky_lai_nuoi_con_nuoi",
        "nuoi_con_nuoi",
        "Đăng ký lại việc nuôi con nuôi trong nước",
        "Re-registration of a domestic adoption",
    ),
    # ---- Hòa giải ở cơ sở
    _p("cong_nhan_hoa_giai_vien", "hoa_giai_co_so", "Công nhận hòa giải viên", "Recognition of a mediator"),
    _p("thoi_lam_hoa_giai_vien", "hoa_giai_co_so", "Thôi làm hòa giải viên", "Release of a mediator"),
    # ---- Đất đai
    _p(
        "hoa_giai_tranh_chap_dat_dai",
        "dat_dai",
        "Hòa giải tranh chấp đất đai",
        "Mediation of a land dispute",
    ),
    _p(
        "dang_ky_dat_dai_lan_dau",
        "dat_dai",
        "Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài "
        "sản gắn liền với đất lần đầu",
        "First registration of land and attached assets and issue of the land-use right certificate",
    ),
    _p(
        "chuyen_muc_dich_su_dung_dat",
        "dat_dai",
        "Chuyển mục đích sử dụng đất đối với hộ gia đình, cá nhân",
        "Change of land use for a household or individual",
    ),
    # ---- Xây dựng
    _p(
        "giay_phep_xay_dung_nha_o",
        "xay_dung",
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "Building permit for a detached house",
    ),
    # ---- Nông nghiệp
    _p(
        "ho_tro_khoi_phuc_san_xuat",
        "nong_nghiep",
        "Hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai, dịch bệnh",
        "Support to restore farm production after a natural disaster or epidemic",
    ),
    _p(
        "ke_hoach_khuyen_nong",
        "nong_nghiep",
        "Phê duyệt kế hoạch khuyến nông địa phương",
        "Approval of a local agricultural extension plan",
    ),
    # ---- Hộ kinh doanh
    _p(
        "dang_ky_ho_kinh_doanh",
        "ho_kinh_doanh",
        "Đăng ký thành lập hộ kinh doanh",
        "Registration of a household business",
        "1.001612",
    ),
    _p(
        "thay_doi_ho_kinh_doanh",
        "ho_kinh_doanh",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "Change of a household business's registered details",
        "2.000720",
    ),
    _p(
        "cham_dut_ho_kinh_doanh",
        "ho_kinh_doanh",
        "Chấm dứt hoạt động hộ kinh doanh",
        "Closure of a household business",
        "1.001266",
    ),
    # ---- Bảo trợ xã hội
    _p(
        "tro_cap_xa_hoi_hang_thang",
        "bao_tro_xa_hoi",
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng, hỗ trợ kinh phí chăm sóc, nuôi dưỡng "
        "hàng tháng",
        "Granting, adjusting or ending a monthly social allowance or monthly care support",
        "1.001776",
    ),
    _p(
        "mai_tang_phi_bao_tro_xa_hoi",
        "bao_tro_xa_hoi",
        "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        "Funeral cost support for a social protection beneficiary",
        "1.001731",
    ),
    _p(
        "xac_dinh_muc_do_khuyet_tat",
        "bao_tro_xa_hoi",
        "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật",
        "Assessment or reassessment of a disability and issue of the disability certificate",
        "1.001699",
    ),
    _p(
        "doi_cap_lai_giay_khuyet_tat",
        "bao_tro_xa_hoi",
        "Đổi, cấp lại Giấy xác nhận khuyết tật",
        "Replacement or reissue of a disability certificate",
        "1.001653",
    ),
    _p(
        "tro_giup_khan_cap_nha_o",
        "bao_tro_xa_hoi",
        "Trợ giúp xã hội khẩn cấp về hỗ trợ làm nhà ở, sửa chữa nhà ở",
        "Emergency social assistance to build or repair a home",
    ),
    # ---- Giảm nghèo
    _p(
        "cong_nhan_ho_ngheo_hang_nam",
        "giam_ngheo",
        "Công nhận hộ nghèo, hộ cận nghèo; hộ thoát nghèo, hộ thoát cận nghèo định kỳ hằng năm",
        "Annual recognition of poor and near-poor households, and of households leaving poverty",
    ),
    _p(
        "cong_nhan_ho_ngheo_phat_sinh",
        "giam_ngheo",
        "Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm",
        "Recognition of a household falling into poverty or near-poverty during the year",
    ),
    # ---- Người có công
    _p(
        "tro_cap_tho_cung_liet_si",
        "nguoi_co_cong",
        "Giải quyết chế độ trợ cấp thờ cúng liệt sĩ",
        "Allowance for tending the worship of a fallen soldier (martyr)",
    ),
    _p(
        "tham_vieng_mo_liet_si",
        "nguoi_co_cong",
        "Cấp giấy giới thiệu đi thăm viếng mộ liệt sĩ và hỗ trợ thăm viếng mộ liệt sĩ",
        "Letter of introduction and support for visiting a martyr's grave",
    ),
    _p(
        "tro_cap_khi_nguoi_co_cong_tu_tran",
        "nguoi_co_cong",
        "Hưởng trợ cấp khi người có công đang hưởng trợ cấp ưu đãi từ trần",
        "Allowances due when a person receiving preferential allowances for revolutionary merit dies",
    ),
    # ---- Giáo dục và đào tạo
    _p(
        "thanh_lap_nhom_tre",
        "giao_duc",
        "Thành lập nhóm trẻ, lớp mẫu giáo độc lập",
        "Establishment of an independent day-care group or kindergarten class",
    ),
    _p(
        "giai_the_nhom_tre",
        "giao_duc",
        "Giải thể nhóm trẻ, lớp mẫu giáo độc lập",
        "Dissolution of an independent day-care group or kindergarten class",
    ),
    # ---- Văn hóa
    _p(
        "gia_dinh_van_hoa",
        "van_hoa",
        "Xét tặng danh hiệu Gia đình văn hóa",
        "Award of the 'Cultured family' title",
    ),
    _p(
        "thon_to_dan_pho_van_hoa",
        "van_hoa",
        "Xét tặng danh hiệu Thôn, Tổ dân phố văn hóa",
        "Award of the 'Cultured village / residential group' title",
    ),
    _p(
        "dang_ky_to_chuc_le_hoi",
        "van_hoa",
        "Đăng ký tổ chức lễ hội cấp xã",
        "Registration of a commune-level festival",
    ),
    # ---- Thi đua - Khen thưởng
    _p(
        "giay_khen_nhiem_vu_chinh_tri",
        "thi_dua_khen_thuong",
        "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã về thành tích thực hiện nhiệm vụ chính trị",
        "Certificate of merit from the commune chairman for carrying out political tasks",
    ),
    _p(
        "giay_khen_dot_xuat",
        "thi_dua_khen_thuong",
        "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã về thành tích đột xuất",
        "Certificate of merit from the commune chairman for an outstanding one-off achievement",
    ),
    _p(
        "giay_khen_gia_dinh",
        "thi_dua_khen_thuong",
        "Tặng Giấy khen của Chủ tịch Ủy ban nhân dân cấp xã cho gia đình",
        "Certificate of merit from the commune chairman to a family",
    ),
    # ---- Tín ngưỡng, tôn giáo
    _p(
        "dang_ky_hoat_dong_tin_nguong",
        "tin_nguong_ton_giao",
        "Đăng ký hoạt động tín ngưỡng",
        "Registration of folk-belief activities",
    ),
    _p(
        "dang_ky_sinh_hoat_ton_giao_tap_trung",
        "tin_nguong_ton_giao",
        "Đăng ký sinh hoạt tôn giáo tập trung",
        "Registration of congregational religious activities",
    ),
    # ---- Giải quyết khiếu nại, tố cáo
    _p(
        "giai_quyet_khieu_nai_lan_dau",
        "khieu_nai_to_cao",
        "Giải quyết khiếu nại lần đầu tại cấp xã",
        "First-instance settlement of a complaint at the commune",
    ),
    _p(
        "giai_quyet_to_cao",
        "khieu_nai_to_cao",
        "Giải quyết tố cáo tại cấp xã",
        "Handling of a denunciation at the commune",
    ),
]

# Seed 000 (Hồng Thái, III.2 "Lĩnh vực đo lường") lists its fields partly by the civil servant who handles
# them. Each entry keeps the seed's wording and names the catalog fields it covers, in the seed's order.
HONG_THAI_FIELD_GROUPS: list[SeedFieldGroup] = [
    {
        "name": {"vi": "Tư pháp – Hộ tịch", "en": "Justice – civil status"},
        "fields": [
            "ho_tich",
            "chung_thuc",
            "nuoi_con_nuoi",
        ],
    },
    {
        "name": {"vi": "Văn hóa – xã hội", "en": "Culture – social affairs"},
        "fields": [
            "van_hoa",
            "bao_tro_xa_hoi",
            "giam_ngheo",
            "nguoi_co_cong",
            "giao_duc",
        ],
    },
    {
        "name": {"vi": "Văn phòng – Thống kê", "en": "Office – statistics"},
        "fields": [
            "tin_nguong_ton_giao",
            "khieu_nai_to_cao",
        ],
    },
    {
        "name": {
            "vi": "Địa chính – Xây dựng – NN&MT",
            "en": "Land administration – construction – agriculture and environment",
        },
        "fields": ["dat_dai", "xay_dung", "nong_nghiep"],
    },
    {
        "name": {"vi": "Thi đua - Khen thưởng", "en": "Emulation and commendation"},
        "fields": [
            "thi_dua_khen_thuong",
        ],
    },
    {"name": {"vi": "Đất đai", "en": "Land"}, "fields": ["dat_dai"]},
    {"name": {"vi": "Hòa giải ở cơ sở", "en": "Grassroots mediation"}, "fields": ["hoa_giai_co_so"]},
    {
        "name": {"vi": "Lĩnh vực khác (nếu có)", "en": "Other fields (if any)"},
        "fields": [
            "ho_kinh_doanh",
            "khac",
        ],
    },
]

FIELDS_BY_KEY: dict[str, Field] = {f["key"]: f for f in FIELDS}
PROCEDURES_BY_KEY: dict[str, Procedure] = {p["key"]: p for p in PROCEDURES}
