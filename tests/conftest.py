"""Personas and a small two-county world shared by the whole suite.

Scope tests need two of everything: a county and another county, a facility and
another facility, so that "outside my scope" is always a real object.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from registry.creditcode import check_character
from registry.models import Department, Facility, InspectorProfile, Region, User

PASSWORD = "Test-pass-2026"


# The suite's world is dated: plans are for December 2026, deadlines are counted on
# that year's holiday calendar, and a plan whose window has ended can no longer be
# approved. Every test but the browser tests starts at this instant (the clock then
# runs on), so the suite passes whatever day it is run. It is early on 1 December in
# Shanghai and still 30 November in UTC: dates that cross midnight are exercised.
# Tests that need another moment travel there themselves.
SUITE_START = datetime(2026, 12, 1, 6, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def suite_clock(request):
    # The browser keeps the real clock (cookie expiry), so the browser tests do too:
    # their data (seed_demo) is dated from the real today.
    if request.node.get_closest_marker("e2e"):
        yield None
        return
    with time_machine.travel(SUITE_START, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def default_language():
    """A request with Accept-Language leaves its language active in the thread
    (LocaleMiddleware activates, nothing deactivates): the next test starts in the
    default language again."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def evidence_root(tmp_path, monkeypatch):
    """Evidence photos of a test go to its own temporary directory."""
    from django.core.files.storage import storages

    storage = storages["evidence"]
    root = tmp_path / "evidence"
    monkeypatch.setattr(storage, "base_location", str(root), raising=False)
    monkeypatch.setattr(storage, "location", str(root), raising=False)
    return root


@pytest.fixture(autouse=True)
def documents_root(tmp_path, monkeypatch):
    """Kept PDFs of a test go to its own temporary directory, and download counts
    (the cache) start from zero."""
    from django.core.cache import cache
    from django.core.files.storage import storages

    storage = storages["documents"]
    root = tmp_path / "documents"
    monkeypatch.setattr(storage, "base_location", str(root), raising=False)
    monkeypatch.setattr(storage, "location", str(root), raising=False)
    cache.clear()
    return root


def make_credit_code(region_code, serial):
    """A valid credit code for a private non-enterprise unit (52) in ``region_code``."""
    body = f"52{region_code[:6]}{serial:08d}X"[:17]
    return body + check_character(body)


@pytest.fixture
def world(db):
    province = Region.objects.create(code="430000", name="湖南省")
    city = Region.objects.create(code="430600", name="岳阳市", parent=province)
    county = Region.objects.create(code="430602", name="岳阳楼区", parent=city)
    other_county = Region.objects.create(code="430603", name="云溪区", parent=city)
    civil = Department.objects.create(
        code="yyl-civil", name="岳阳楼区民政局", kind=Department.Kind.CIVIL_AFFAIRS
    )
    fire = Department.objects.create(
        code="yyl-fire", name="岳阳楼区消防救援大队", kind=Department.Kind.FIRE_RESCUE
    )
    facility = Facility.objects.create(
        name="岳阳楼区康乐养老院",
        credit_code=make_credit_code("430602", 1),
        type=Facility.Type.CARE_HOME,
        address="岳阳楼区洞庭北路1号",
        region=county,
        beds=120,
        has_canteen=True,
        floors=4,
        risk_class="B",
    )
    other_facility = Facility.objects.create(
        name="岳阳楼区夕阳红日间照料中心",
        credit_code=make_credit_code("430602", 2),
        type=Facility.Type.COMMUNITY,
        address="岳阳楼区巴陵中路8号",
        region=county,
        beds=10,
        risk_class="A",
    )
    far_facility = Facility.objects.create(
        name="云溪区福寿敬老院",
        credit_code=make_credit_code("430603", 3),
        type=Facility.Type.WELFARE_HOME,
        address="云溪区云溪大道5号",
        region=other_county,
        beds=60,
        risk_class="C",
    )
    return {
        "province": province,
        "city": city,
        "county": county,
        "other_county": other_county,
        "civil": civil,
        "fire": fire,
        "facility": facility,
        "other_facility": other_facility,
        "far_facility": far_facility,
    }


def _user(username, role, *, regions=(), full_name=""):
    user = User.objects.create_user(
        username=username, password=PASSWORD, role=role, full_name=full_name or username
    )
    if regions:
        user.regions.set(regions)
    return user


@pytest.fixture
def inspector(world):
    user = _user("inspector", User.Role.INSPECTOR, regions=[world["county"]], full_name="李喆")
    InspectorProfile.objects.create(
        user=user,
        department=world["civil"],
        region=world["county"],
        credential_no="43060200001",
        categories=["fire", "service"],
    )
    return user


@pytest.fixture
def inspector2(world):
    user = _user("inspector2", User.Role.INSPECTOR, regions=[world["county"]], full_name="王赟")
    InspectorProfile.objects.create(
        user=user,
        department=world["fire"],
        region=world["county"],
        credential_no="43060200002",
        categories=["fire"],
    )
    return user


@pytest.fixture
def manager(world):
    user = _user("manager", User.Role.MANAGER, full_name="张玥")
    world["facility"].managers.add(user)
    return user


@pytest.fixture
def other_manager(world):
    user = _user("other_manager", User.Role.MANAGER, full_name="赵昇")
    world["other_facility"].managers.add(user)
    return user


@pytest.fixture
def lead(world):
    return _user("lead", User.Role.LEAD, regions=[world["county"]], full_name="陈堃")


@pytest.fixture
def other_lead(world):
    return _user("other_lead", User.Role.LEAD, regions=[world["other_county"]], full_name="周敏")


@pytest.fixture
def auditor(world):
    return _user("auditor", User.Role.AUDITOR, regions=[world["county"]], full_name="孙审")


@pytest.fixture
def admin_user(world):
    return _user("admin", User.Role.ADMIN, full_name="管理员")


@pytest.fixture
def anonymous(client):
    return client


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_user():
    """``as_user(user)`` gives a test client logged in as ``user``."""
    return client_for


def add_facility(region, serial, name, **extra):
    """A care home in ``region`` with a valid credit code numbered ``serial``."""
    from registry.models import Facility

    return Facility.objects.create(
        name=name,
        credit_code=make_credit_code(region.code, serial),
        type=Facility.Type.CARE_HOME,
        address=f"{name}路1号",
        region=region,
        **{"risk_class": "B", **extra},
    )
