"""Demo county for ``seed_demo``: 岳阳楼区 (430602) with 44 facilities and 14
inspectors, a neighbouring county for scope checks, and one log-in per role.

Everything is generated deterministically and written through ``upsert``, so a
second run finds nothing to change and records no history.
"""

from datetime import date
from decimal import Decimal

from . import services
from .creditcode import check_character
from .models import Department, Facility, GasSupply, InspectorProfile, Region, User

DEMO_PASSWORD = "Demo-2026!"  # noqa: S105  (documented demo log-ins, see README)

REGIONS = [
    ("430000", "湖南省", None),
    ("430600", "岳阳市", "430000"),
    ("430602", "岳阳楼区", "430600"),
    ("430602001", "岳阳楼街道", "430602"),
    ("430602002", "洞庭街道", "430602"),
    ("430602003", "三眼桥街道", "430602"),
    ("430602004", "吕仙亭街道", "430602"),
    ("430602005", "郭镇乡", "430602"),
    ("430603", "云溪区", "430600"),
]

DEPARTMENTS = [
    ("yyl-civil", "岳阳楼区民政局", Department.Kind.CIVIL_AFFAIRS),
    ("yyl-fire", "岳阳楼区消防救援大队", Department.Kind.FIRE_RESCUE),
    ("yyl-market", "岳阳楼区市场监督管理局", Department.Kind.MARKET),
    ("yyl-housing", "岳阳楼区住房和城乡建设局", Department.Kind.HOUSING),
    ("yyl-health", "岳阳楼区卫生健康局", Department.Kind.HEALTH),
    ("yx-civil", "云溪区民政局", Department.Kind.CIVIL_AFFAIRS),
]

# Name stems include rare characters (堃 喆 赟 玥 昇) on purpose: fonts and
# storage must carry them.
STEMS = [
    "康乐",
    "福寿",
    "颐和",
    "夕阳红",
    "松鹤",
    "安康",
    "长青",
    "乐龄",
    "慈晖",
    "瑞堃",
    "喆园",
    "赟泰",
    "玥湖",
    "昇平",
    "君山",
    "洞庭",
    "巴陵",
    "南湖",
    "金鹗",
    "枫桥",
    "和煦",
    "仁爱",
]
TYPES = [
    (Facility.Type.CARE_HOME, "养老院"),
    (Facility.Type.WELFARE_HOME, "敬老院"),
    (Facility.Type.COMMUNITY, "日间照料中心"),
    (Facility.Type.RURAL_MUTUAL, "互助幸福院"),
    (Facility.Type.MEAL_POINT, "老年助餐点"),
    (Facility.Type.MEDICAL_CARE, "医养中心"),
]
TOWNSHIPS = ["430602001", "430602002", "430602003", "430602004", "430602005"]
ROADS = ["洞庭北路", "巴陵中路", "五里牌路", "金鹗东路", "南湖大道", "建湘路", "站前路"]
CLASSES = "AABBBBCCCD"

# The README lists the log-ins of the demo; only those get the demo password. The other
# inspectors are there to be drawn and have no usable password (an administrator can set
# one), so a demo site reachable by others holds no undocumented open accounts.
DEMO_LOGINS = {"demo-inspector", "demo-inspector2"}
INSPECTORS = [
    # username, name, department, categories
    ("demo-inspector", "李喆", "yyl-civil", ["service", "fire", "food"]),
    ("demo-inspector2", "王赟", "yyl-civil", ["service", "building", "medical"]),
    ("yyl-mz-03", "刘玥", "yyl-civil", ["service", "food"]),
    ("yyl-mz-04", "陈昇", "yyl-civil", ["service", "medical"]),
    ("yyl-mz-05", "黄堃", "yyl-civil", ["service", "fire"]),
    ("yyl-xf-01", "周建军", "yyl-fire", ["fire"]),
    ("yyl-xf-02", "吴海涛", "yyl-fire", ["fire", "building"]),
    ("yyl-xf-03", "郑晓燕", "yyl-fire", ["fire"]),
    ("yyl-xf-04", "孙立新", "yyl-fire", ["fire"]),
    ("yyl-sj-01", "何静", "yyl-market", ["food"]),
    ("yyl-sj-02", "罗志勇", "yyl-market", ["food"]),
    ("yyl-sj-03", "谢婷", "yyl-market", ["food", "medical"]),
    ("yyl-zj-01", "韩伟", "yyl-housing", ["building"]),
    ("yyl-wj-01", "唐慧", "yyl-health", ["medical"]),
]

# (inspector username, facility index, reason): withdrawals the draw must respect.
CONFLICTS = [
    ("demo-inspector2", 1, "曾在该机构任职（2019–2022年）"),
    ("yyl-mz-03", 4, "配偶在该机构担任护理主管"),
    ("yyl-xf-02", 7, "近亲属为该机构投资人"),
    ("yyl-sj-01", 1, "曾为该机构食堂提供咨询服务"),
]


def credit_code(region_code, serial):
    body = f"52{region_code[:6]}MJ{serial:07d}"
    return body + check_character(body)


def facility_values(index, regions):
    facility_type, suffix = TYPES[index % len(TYPES)]
    stem = STEMS[index % len(STEMS)]
    township = regions[TOWNSHIPS[index % len(TOWNSHIPS)]]
    big = facility_type in (
        Facility.Type.CARE_HOME,
        Facility.Type.WELFARE_HOME,
        Facility.Type.MEDICAL_CARE,
    )
    beds = (30 + (index * 37) % 270) if big else (index * 7) % 20
    filed = index % 7 != 3
    return {
        "name": f"岳阳楼区{stem}{suffix}" + ("" if index < len(STEMS) else "（二部）"),
        "credit_code": credit_code(township.code, index + 1),
        "type": facility_type,
        "ownership": [
            Facility.Ownership.PRIVATE,
            Facility.Ownership.PUBLIC,
            Facility.Ownership.PUBLIC_PRIVATE,
        ][index % 3],
        "filed": filed,
        "filed_on": date(2019 + index % 6, 1 + index % 12, 1 + index % 27) if filed else None,
        "address": f"湖南省岳阳市岳阳楼区{ROADS[index % len(ROADS)]}{10 + index * 3}号",
        "region": township,
        "beds": beds,
        "has_canteen": big or facility_type == Facility.Type.MEAL_POINT,
        "has_clinic": facility_type == Facility.Type.MEDICAL_CARE or (big and index % 4 == 0),
        "floors": 1 + (index * 5) % 7 if big else 1 + index % 2,
        "star_level": (index // 2) % 6 if big else 0,
        "risk_class": CLASSES[index % len(CLASSES)],
        "responsible_person": ["张国华", "李秀英", "王建平", "刘玥", "陈喆"][index % 5],
        "phone": f"0730-82{index:05d}",
        "active": index != 43,
        **_rule_attributes(index, facility_type, big, beds),
    }


def _rule_attributes(index, facility_type, big, beds):
    """Capacity, gas, lifts, boilers and oxygen: what the checklist rules read."""
    floors = 1 + (index * 5) % 7 if big else 1 + index % 2
    capacity = beds + 10 * (index % 3) if big else max(beds, 10 + index % 9)
    if big:
        gas = GasSupply.PIPED if index % 3 else GasSupply.BOTTLED
    elif facility_type == Facility.Type.MEAL_POINT:
        gas = GasSupply.BOTTLED
    else:
        gas = GasSupply.NONE if index % 2 else GasSupply.PIPED
    return {
        "capacity": capacity,
        "gas_supply": gas,
        "lifts": (1 + floors // 4) if big and floors >= 2 else 0,
        "has_boiler": big and index % 5 == 0,
        "has_oxygen": facility_type == Facility.Type.MEDICAL_CARE or (big and index % 4 == 0),
    }


def demo_buildings(index, values):
    """A main building holding the residents, and for some a one-storey annex."""
    capacity, floors = values["capacity"], values["floors"]
    # About 30 m² of floor area per resident, shared rooms and corridors included.
    main_area = max(120, capacity * 30 + (index * 13) % 90)
    buildings = [
        {"name": "主楼", "floors": floors, "floor_area": Decimal(main_area), "capacity": capacity}
    ]
    if index % 4 == 1:
        buildings.append(
            {"name": "辅楼（食堂）", "floors": 1, "floor_area": Decimal(180), "capacity": 0}
        )
    return buildings


OTHER_COUNTY_FACILITIES = [
    ("云溪区福寿敬老院", Facility.Type.WELFARE_HOME, "C", 48),
    ("云溪区康乐养老中心", Facility.Type.CARE_HOME, "B", 150),
    ("云溪区长岭日间照料中心", Facility.Type.COMMUNITY, "A", 12),
    ("云溪区陆城互助幸福院", Facility.Type.RURAL_MUTUAL, "D", 8),
]

FACILITY_COUNT = 44


def seed(log):
    regions = {}
    for code, name, parent in REGIONS:
        region, _c, _ch = services.upsert(
            Region,
            lookup={"code": code},
            values={"name": name, "parent": regions.get(parent)},
        )
        regions[code] = region
    departments = {}
    for code, name, kind in DEPARTMENTS:
        departments[code], _c, _ch = services.upsert(
            Department, lookup={"code": code}, values={"name": name, "kind": kind}
        )

    county, other = regions["430602"], regions["430603"]
    facilities = []
    for index in range(FACILITY_COUNT):
        values = facility_values(index, regions)
        facility, _c, _ch = services.upsert(
            Facility,
            lookup={"credit_code": values.pop("credit_code")},
            values=values,
        )
        services.facility_save(
            facility=facility, values={}, buildings=demo_buildings(index, values)
        )
        facilities.append(facility)
    for serial, (name, facility_type, risk, beds) in enumerate(OTHER_COUNTY_FACILITIES, 500):
        services.upsert(
            Facility,
            lookup={"credit_code": credit_code(other.code, serial)},
            values={
                "name": name,
                "type": facility_type,
                "risk_class": risk,
                "beds": beds,
                "region": other,
                "address": f"湖南省岳阳市云溪区云溪大道{serial - 480}号",
                "filed": True,
                "filed_on": date(2021, 6, 1),
            },
        )

    for index, (username, name, department, categories) in enumerate(INSPECTORS, 1):
        user = services.user_ensure(
            username=username,
            values={"full_name": name, "role": User.Role.INSPECTOR},
            password=DEMO_PASSWORD if username in DEMO_LOGINS else None,
            regions=[county],
        )
        services.upsert(
            InspectorProfile,
            lookup={"user": user},
            values={
                "department": departments[department],
                "region": county,
                "credential_no": f"湘岳执{430602}{index:04d}",
                "categories": categories,
            },
        )
    for username, facility_index, reason in CONFLICTS:
        services.conflict_declare(
            inspector=InspectorProfile.objects.get(user__username=username),
            facility=facilities[facility_index],
            reason=reason,
        )

    services.user_ensure(
        username="demo-lead",
        values={"full_name": "陈堃", "role": User.Role.LEAD},
        password=DEMO_PASSWORD,
        regions=[county],
    )
    services.user_ensure(
        username="demo-lead2",
        values={"full_name": "周敏", "role": User.Role.LEAD},
        password=DEMO_PASSWORD,
        regions=[other],
    )
    services.user_ensure(
        username="demo-auditor",
        values={"full_name": "孙明哲", "role": User.Role.AUDITOR},
        password=DEMO_PASSWORD,
        regions=[county],
    )
    services.user_ensure(
        username="demo-admin",
        values={
            "full_name": "系统管理员",
            "role": User.Role.ADMIN,
            "is_staff": True,
            "is_superuser": True,
        },
        password=DEMO_PASSWORD,
    )
    manager = services.user_ensure(
        username="demo-manager",
        values={"full_name": "张玥", "role": User.Role.MANAGER},
        password=DEMO_PASSWORD,
    )
    services.set_members(facilities[0], "managers", set(facilities[0].managers.all()) | {manager})
    # A second facility whose hazards the demo takes through every step of the loop.
    manager2 = services.user_ensure(
        username="demo-manager2",
        values={"full_name": "赵敏", "role": User.Role.MANAGER},
        password=DEMO_PASSWORD,
    )
    services.set_members(facilities[2], "managers", set(facilities[2].managers.all()) | {manager2})

    services.calendar_load_from_package()
    log(
        f"registry: {len(REGIONS)} regions, {len(facilities)} facilities in {county.name}, "
        f"{len(INSPECTORS)} inspectors, {len(CONFLICTS)} conflicts"
    )
