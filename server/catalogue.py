"""The report category catalogue (zh-CN and English), declared as data."""

from __future__ import annotations

# code, zh-CN, English, icon, [(sub code, zh-CN, English)]
_CATEGORIES = [
    ("city_appearance", "市容环境", "City appearance", "🏙️", [
        ("street_vendor", "占道经营", "Street vending"),
        ("illegal_ads", "乱张贴小广告", "Illegal posters"),
        ("clutter", "乱堆乱放", "Clutter in public space"),
    ]),
    ("sanitation", "环境卫生", "Sanitation", "🗑️", [
        ("garbage", "垃圾堆积", "Garbage piling up"),
        ("sorting", "垃圾分类不规范", "Waste not sorted"),
        ("sewage", "污水外溢", "Sewage overflow"),
    ]),
    ("public_order", "社会治安", "Public order", "🛡️", [
        ("suspicious", "可疑人员", "Suspicious person"),
        ("gathering", "聚集滋事", "Disorderly gathering"),
    ]),
    ("public_safety", "公共安全/消防", "Public safety / fire", "🧯", [
        ("fire_exit", "消防通道堵塞", "Blocked fire exit"),
        ("ebike_charging", "电动车违规充电", "Unsafe e-bike charging"),
        ("gas", "燃气隐患", "Gas hazard"),
    ]),
    ("traffic_parking", "交通与停车", "Traffic and parking", "🚗", [
        ("illegal_parking", "违规停车", "Illegal parking"),
        ("shared_bikes", "共享单车乱停放", "Shared bikes left badly"),
    ]),
    ("illegal_construction", "违法建设", "Illegal construction", "🏗️", [
        ("extension", "违章搭建", "Unauthorised extension"),
        ("renovation", "违规装修", "Unauthorised renovation"),
    ]),
    ("disputes_noise", "矛盾纠纷与噪音", "Disputes and noise", "📢", [
        ("neighbour", "邻里纠纷", "Neighbour dispute"),
        ("noise", "噪音扰民", "Noise nuisance"),
    ]),
    ("livelihood", "民生服务", "Livelihood services", "🤝", [
        ("elderly", "困难老人帮扶", "Elderly in need"),
        ("utilities", "水电气报修", "Utility repair"),
    ]),
    ("facilities_damage", "设施损坏", "Facilities damage", "🛠️", [
        ("manhole", "井盖破损", "Damaged manhole cover"),
        ("streetlight", "路灯不亮", "Street light out"),
        ("road", "路面破损", "Damaged road surface"),
    ]),
]

CATEGORIES = [
    {
        "code": code,
        "name_zh": zh,
        "name_en": en,
        "icon": icon,
        "subcategories": [{"code": s, "name_zh": szh, "name_en": sen} for s, szh, sen in subs],
    }
    for code, zh, en, icon, subs in _CATEGORIES
]

CATEGORY_CODES = frozenset(c["code"] for c in CATEGORIES)
SUBCATEGORY_CODES = {c["code"]: frozenset(s["code"] for s in c["subcategories"]) for c in CATEGORIES}


def category_name(code: str, lang: str = "zh") -> str:
    for c in CATEGORIES:
        if c["code"] == code:
            return c["name_zh"] if lang.startswith("zh") else c["name_en"]
    return code
