"""What makes each demo province believable: ethnic mix by commune, village names, area status.

Cà Mau (96) and Sơn La (14) have hand-written profiles drawn from /work/shared/domain/vn-facts.md
and common knowledge of the two provinces; any other province gets a plain Kinh profile so that
the demo still runs there. The per-commune mixes are rough on purpose: the plan rescales them so
that the province as a whole matches the target shares (Sơn La: Thái about 53 %, Kinh 17 %,
Mông 15 %, ...), while communes keep their character (Mông highlands, Mường Phù Yên, Khmer sóc).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lib.names import Region

NOTE = "dữ liệu minh hoạ (demo data), không phải danh sách chính thức"
AREA_DECISION = "60/QĐ-BDTTG"
AREA_FROM = date(2026, 1, 1)
AREA_TO = date(2030, 12, 31)

# Sơn La's smaller groups, together about 3 % of the province.
_SON_LA_OTHERS = {
    "Xinh-mun": 1.0,
    "Kháng": 0.7,
    "La Ha": 0.6,
    "Lào": 0.3,
    "Tày": 0.2,
    "Hoa": 0.1,
    "Nùng": 0.1,
}


@dataclass(frozen=True)
class VillageNaming:
    """How villages are named in one kind of commune."""

    kind: str  # places.models.Village.Kind value for named villages
    prefix: str  # "Ấp", "Bản", "Thôn", ...
    numbered_kind: str  # kind for numbered villages ("Khóm 3", "Tổ dân phố 2")
    numbered_prefix: str
    numbered_share: float  # probability that a commune numbers its villages
    names: tuple[str, ...] = ()
    first: tuple[str, ...] = ()  # or compose two syllables: first + second
    second: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProvinceProfile:
    code: int
    region: Region
    # Target shares of the province's people by ethnic group (canonical 2008 names).
    targets: dict[str, float]
    # Per-commune mix before rescaling; communes not listed use default_mix.
    default_mix: dict[str, float]
    commune_mix: dict[int, dict[str, float]] = field(default_factory=dict)
    # Relative size of communes (before a random factor): the provincial centres are larger.
    commune_weight: dict[int, float] = field(default_factory=dict)
    # Personal ID prefixes: of people born in the commune's area, and of people born elsewhere.
    home_prefix: dict[int, dict[str, float]] = field(default_factory=dict)
    default_home_prefix: dict[str, float] = field(default_factory=dict)
    elsewhere_prefix: dict[str, float] = field(default_factory=dict)
    born_elsewhere: float = 0.05
    household_sizes: dict[str, tuple[float, ...]] = field(default_factory=dict)
    # Household poverty: base rates, then multipliers by group and by area status.
    poor_rate: float = 0.03
    near_poor_rate: float = 0.04
    poverty_factor: dict[str, float] = field(default_factory=dict)
    rural_naming: VillageNaming | None = None
    urban_naming: VillageNaming | None = None
    group_naming: dict[str, VillageNaming] = field(default_factory=dict)
    # Area status: communes by region (others: none), and how villages are marked.
    commune_region: dict[int, str] = field(default_factory=dict)
    default_region: str = ""


# Household size distributions (1..8 people) by naming community; "default" for the rest.
_SIZES_LOWLAND = (10, 19, 22, 26, 12, 6, 3, 2)
_SIZES_UPLAND = (6, 13, 19, 26, 17, 11, 5, 3)
_SIZES_MONG = (3, 8, 13, 18, 18, 17, 12, 11)

_CA_MAU_AP = VillageNaming(
    kind="ap",
    prefix="Ấp",
    numbered_kind="ap",
    numbered_prefix="Ấp",
    numbered_share=0.35,
    names=(
        "Tân Phong", "Tân Hòa", "Tân Lợi", "Tân Điền", "Tân Hưng", "Tân Thành", "Phú Hiệp",
        "Phú Thạnh", "Phú Hưng", "Hòa Thành", "Hòa Trung", "Bình Minh", "Bình Thạnh",
        "An Lợi", "An Phú", "Thạnh Hưng", "Lợi Điền", "Vĩnh Mỹ", "Vĩnh Hòa", "Phước Thạnh",
        "Thới Hòa", "Long Điền", "Mỹ Tân", "Xóm Mới", "Xóm Lớn", "Xóm Rẫy", "Cái Giếng",
        "Cái Keo", "Rạch Gốc", "Kinh Xáng", "Đầu Sấu", "Bà Hính", "Ông Muộn", "Kênh Tắc",
        "Cây Dương", "Cái Cấm", "Đường Ranh", "Nhà Máy", "Chợ Hội", "Giồng Bướm", "Bào Sen",
        "Thống Nhất", "Đoàn Kết", "Tân Tiến", "Tân Quới", "Hiệp Lực", "Nước Mặn", "Bà Điều",
        "Cái Ngay", "Vàm Đình", "Kênh Xáng", "Láng Tròn", "Sào Lưới", "Cái Bát",
    ),
)  # fmt: skip
_CA_MAU_KHOM = VillageNaming(
    kind="ap",
    prefix="Ấp",
    numbered_kind="khom",
    numbered_prefix="Khóm",
    numbered_share=1.0,
    names=_CA_MAU_AP.names,
)
_KHMER_AP = VillageNaming(
    kind="ap",
    prefix="Ấp",
    numbered_kind="ap",
    numbered_prefix="Ấp",
    numbered_share=0.0,
    names=(
        "Sóc Đồn", "Xiêm Cán", "Cù Lao", "Sóc Ruộng", "Bưng Xúc", "Trà Khứa", "Sóc Mới",
        "Tà Ben", "Sóc Dừa", "Cà Lăng", "Ninh Thạnh Tây", "Phước Thọ", "Sóc Thắt", "Giồng Me",
    ),
)  # fmt: skip
_SON_LA_BAN = VillageNaming(
    kind="ban",
    prefix="Bản",
    numbered_kind="ban",
    numbered_prefix="Bản",
    numbered_share=0.0,
    first=(
        "Nà", "Pá", "Huổi", "Nậm", "Phiêng", "Bó", "Hua", "Co", "Hồng", "Kéo", "Púng", "Lọng",
        "Ten", "Sốp", "Pom", "Tạng", "Noong", "Mường", "Chiềng", "Tà", "Xà", "Lả", "Pha",
    ),
    second=(
        "Công", "Cài", "Lạnh", "Ban", "Khoa", "Pục", "Hin", "Cang", "Tra", "Luông", "Sản",
        "Hà", "Lốm", "Lằn", "Pàn", "Chảy", "Lay", "Cưa", "Khoang", "Tòng", "Ngùa", "Lếch",
        "Bon", "Pe", "Vai", "Sẳng", "Nưa", "Tấu", "Mòn", "Cọ", "Hốc", "Phát", "Lót", "Mé",
        "Liềng", "Hài", "Sa", "Xôm",
    ),
)  # fmt: skip
_MONG_BAN = VillageNaming(
    kind="ban",
    prefix="Bản",
    numbered_kind="ban",
    numbered_prefix="Bản",
    numbered_share=0.0,
    first=("Háng", "Pá", "Sáng", "Tà", "Phiêng", "Hua", "Trống", "Lìu", "Suối", "Làng"),
    second=(
        "Đồng", "Chè", "Tùng", "Dê", "Là", "Vàng", "Chung", "Xùa", "Sủ", "Dồng", "Giàng",
        "Say", "Chơ", "Khúa", "Chóng", "Cải", "Nhe", "Lìa", "Tàu", "Phình",
    ),
)  # fmt: skip
_SON_LA_TDP = VillageNaming(
    kind="ban",
    prefix="Bản",
    numbered_kind="to_dan_pho",
    numbered_prefix="Tổ dân phố",
    numbered_share=1.0,
    first=_SON_LA_BAN.first,
    second=_SON_LA_BAN.second,
)
_MOC_CHAU_TK = VillageNaming(
    kind="ban",
    prefix="Bản",
    numbered_kind="to_dan_pho",
    numbered_prefix="Tiểu khu",
    numbered_share=1.0,
    first=_SON_LA_BAN.first,
    second=_SON_LA_BAN.second,
)
_GENERIC_THON = VillageNaming(
    kind="thon",
    prefix="Thôn",
    numbered_kind="thon",
    numbered_prefix="Thôn",
    numbered_share=0.4,
    names=(
        "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân Lập", "Tân Sơn", "Phú Lợi",
        "Hòa Bình", "Thống Nhất", "Đoàn Kết", "An Lạc", "Phú Mỹ", "Yên Thịnh", "Đồng Tâm",
        "Quyết Tiến", "Hợp Thành", "Thắng Lợi",
    ),
)  # fmt: skip
_GENERIC_TDP = VillageNaming(
    kind="thon",
    prefix="Thôn",
    numbered_kind="to_dan_pho",
    numbered_prefix="Tổ dân phố",
    numbered_share=1.0,
    names=_GENERIC_THON.names,
)

# Cà Mau: Khmer live mostly in the former Bạc Liêu communes (Ninh Thạnh Lợi, Hưng Hội, Vĩnh
# Trạch, ...) and around Khánh Bình and Trí Phải; the Hoa in the towns. Codes below 32002 are the
# former Bạc Liêu province, whose people mostly carry personal ID prefix 095.
_CA_MAU_KHMER = {
    31864: 45, 31906: 25, 31834: 20, 31894: 15, 31843: 15, 31849: 15, 31900: 12, 31867: 10,
    31876: 10, 31858: 8, 31885: 8, 31840: 8, 31882: 6, 31825: 5, 32110: 8, 32071: 7,
    32083: 5, 32065: 4, 32069: 5, 32047: 3, 32059: 3,
}  # fmt: skip
_CA_MAU_HOA = {
    31825: 4, 32002: 3, 31942: 2, 32025: 2, 31891: 1.5, 31834: 2, 31840: 1.5, 32098: 2,
    32128: 1, 32191: 1.5,
}  # fmt: skip


def _ca_mau_mix(code: int) -> dict[str, float]:
    khmer = _CA_MAU_KHMER.get(code, 0.7)
    hoa = _CA_MAU_HOA.get(code, 0.4)
    return {"Kinh": 100 - khmer - hoa, "Khơ me": khmer, "Hoa": hoa}


_CA_MAU_CODES = (
    31825, 31834, 31840, 31843, 31849, 31858, 31864, 31867, 31876, 31882, 31885, 31891, 31894,
    31900, 31906, 31918, 31927, 31942, 31951, 31957, 31972, 31975, 31985, 31988, 31993, 32002,
    32014, 32025, 32041, 32044, 32047, 32059, 32062, 32065, 32069, 32071, 32083, 32092, 32095,
    32098, 32104, 32110, 32119, 32128, 32134, 32137, 32140, 32152, 32155, 32161, 32167, 32182,
    32185, 32188, 32191, 32201, 32206, 32212, 32214, 32218, 32227, 32236, 32244, 32248,
)  # fmt: skip

CA_MAU = ProvinceProfile(
    code=96,
    region="south",
    targets={"Kinh": 95.0, "Khơ me": 4.0, "Hoa": 1.0},
    default_mix={"Kinh": 98.9, "Khơ me": 0.7, "Hoa": 0.4},
    commune_mix={code: _ca_mau_mix(code) for code in _CA_MAU_CODES},
    commune_weight={32002: 2.4, 31825: 2.0, 32025: 1.4, 31942: 1.3, 32041: 1.2, 32014: 1.1},
    home_prefix={code: {"095": 86, "096": 14} for code in _CA_MAU_CODES if code < 32002},
    default_home_prefix={"096": 92, "095": 8},
    elsewhere_prefix={
        "091": 25,
        "094": 15,
        "079": 15,
        "092": 10,
        "093": 10,
        "089": 8,
        "084": 5,
        "001": 3,
        "040": 3,
        "038": 3,
        "036": 3,
    },  # fmt: skip
    born_elsewhere=0.05,
    household_sizes={"default": _SIZES_LOWLAND},
    poor_rate=0.03,
    near_poor_rate=0.04,
    poverty_factor={
        "Kinh": 0.85,
        "Khơ me": 3.5,
        "Hoa": 0.6,
        "em_area_village": 1.4,
        "especially_difficult_village": 1.8,
    },
    rural_naming=_CA_MAU_AP,
    urban_naming=_CA_MAU_KHOM,
    group_naming={"Khơ me": _KHMER_AP},
)

# Sơn La: most communes are Thái; Mông live in the highlands (Bắc Yên, Thuận Châu, Vân Hồ,
# Yên Châu's Phiêng Khoài), Mường around Phù Yên, Khơ-mú and Xinh-mun around Sông Mã and Sốp
# Cộp, Kinh in the wards and district seats.
_CITY = {"Kinh": 60, "Thái": 35, "Mường": 2, "Mông": 1, **_SON_LA_OTHERS}
_MOC_CHAU = {"Kinh": 65, "Thái": 15, "Mường": 10, "Mông": 5, "Dao": 3, **_SON_LA_OTHERS}
_SEAT = {"Kinh": 40, "Thái": 50, "Mường": 3, "Mông": 4, **_SON_LA_OTHERS}
_MONG = {"Mông": 65, "Thái": 22, "Kinh": 4, "Khơ-mú": 2, "Dao": 3, **_SON_LA_OTHERS}
_MUONG = {"Mường": 50, "Thái": 25, "Kinh": 12, "Mông": 8, "Dao": 3, **_SON_LA_OTHERS}
_KHOMU = {"Thái": 50, "Khơ-mú": 15, "Mông": 20, "Kinh": 6, **_SON_LA_OTHERS, "Xinh-mun": 4}
_DAO = {"Thái": 35, "Dao": 20, "Mông": 20, "Kinh": 15, "Mường": 8, **_SON_LA_OTHERS}
_THAI = {"Thái": 80, "Kinh": 8, "Mông": 7, "Khơ-mú": 1, "Mường": 1, "Dao": 1, **_SON_LA_OTHERS}

_SON_LA_MIX: dict[int, dict[str, float]] = {}
for _codes, _mix in (
    ((3646, 3664, 3670, 3679), _CITY),
    ((3979, 3980, 3982, 4033), _MOC_CHAU),
    ((4105, 3721, 4075, 4168, 3856, 3703, 3808, 3985), _SEAT),
    ((3862, 3868, 3871, 3763, 3781, 3784, 4210, 4099, 4057, 4045, 4136, 3850, 4006), _MONG),
    ((3970, 3961, 3922, 3907, 3958, 3901, 3943, 3910), _MUONG),
    ((4231, 4240, 4246, 4228, 4186, 4183, 4204), _KHOMU),
    ((3997, 4048, 4018, 3880), _DAO),
):
    for _code in _codes:
        _SON_LA_MIX[_code] = dict(_mix)

SON_LA = ProvinceProfile(
    code=14,
    region="north",
    targets={
        "Thái": 53.0,
        "Kinh": 17.0,
        "Mông": 15.0,
        "Mường": 8.0,
        "Khơ-mú": 2.0,
        "Dao": 2.0,
        **_SON_LA_OTHERS,
    },  # fmt: skip
    default_mix=_THAI,
    commune_mix=_SON_LA_MIX,
    commune_weight={3646: 2.2, 3664: 1.4, 3670: 1.3, 3679: 1.2, 3980: 1.6, 4105: 1.3},
    default_home_prefix={"014": 100},
    elsewhere_prefix={
        "011": 15,
        "015": 12,
        "017": 12,
        "038": 10,
        "025": 8,
        "001": 10,
        "034": 10,
        "036": 8,
        "040": 5,
        "012": 5,
        "010": 5,
    },  # fmt: skip
    born_elsewhere=0.05,
    household_sizes={
        "default": _SIZES_UPLAND,
        "Kinh": _SIZES_LOWLAND,
        "Hoa": _SIZES_LOWLAND,
        "Mông": _SIZES_MONG,
    },
    poor_rate=0.20,
    near_poor_rate=0.10,
    poverty_factor={
        "Kinh": 0.25,
        "Thái": 1.0,
        "Mông": 2.0,
        "Mường": 0.9,
        "Khơ-mú": 1.6,
        "Dao": 1.4,
        "region_1": 0.45,
        "region_2": 0.75,
        "region_3": 1.1,
        "especially_difficult_village": 1.3,
    },
    rural_naming=_SON_LA_BAN,
    urban_naming=_SON_LA_TDP,
    group_naming={"Mông": _MONG_BAN, "Kinh": _GENERIC_THON},
    # Decision 60/QĐ-BDTTG: 66 of Sơn La's 75 communes are region III. The wards and Mai Sơn
    # are the exceptions here.
    commune_region={
        3646: "region_1",
        3664: "region_1",
        3670: "region_1",
        3679: "region_1",
        3979: "region_2",
        3980: "region_1",
        3982: "region_2",
        4033: "region_2",
        4105: "region_2",
    },  # fmt: skip
    default_region="region_3",
)

# Mộc Châu's wards number their residential groups "Tiểu khu"; the city wards "Tổ dân phố".
MOC_CHAU_WARDS = frozenset({3979, 3980, 3982, 4033})


def generic(code: int) -> ProvinceProfile:
    """A plain profile for provinces without their own: Kinh, thôn and tổ dân phố."""
    region: Region = "north" if code < 44 else "south"
    return ProvinceProfile(
        code=code,
        region=region,
        targets={"Kinh": 100.0},
        default_mix={"Kinh": 100.0},
        default_home_prefix={f"{code:03d}": 100},
        elsewhere_prefix={"001": 40, "079": 40, "048": 20},
        household_sizes={"default": _SIZES_LOWLAND},
        poor_rate=0.03,
        near_poor_rate=0.04,
        rural_naming=_GENERIC_THON,
        urban_naming=_GENERIC_TDP,
    )


def profile_for(code: int) -> ProvinceProfile:
    if code == 96:
        return CA_MAU
    if code == 14:
        return SON_LA
    return generic(code)


def village_naming(profile: ProvinceProfile, commune_code: int) -> VillageNaming:
    if profile.code == 14 and commune_code in MOC_CHAU_WARDS:
        return _MOC_CHAU_TK
    assert profile.rural_naming is not None
    return profile.rural_naming


def urban_naming(profile: ProvinceProfile, commune_code: int) -> VillageNaming:
    if profile.code == 14 and commune_code in MOC_CHAU_WARDS:
        return _MOC_CHAU_TK
    assert profile.urban_naming is not None
    return profile.urban_naming
