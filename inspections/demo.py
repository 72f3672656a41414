"""Demo spot-check plan: approved, with one voided draw and one valid draw."""

from datetime import date, timedelta

from django.utils import timezone

from checklists.models import ChecklistTemplate
from registry.models import Department, Region, User

from . import services
from .models import Draw, Plan

PLAN_NAME = "岳阳楼区{year}年养老机构安全“双随机、一公开”抽查"


def seed(log):
    year = timezone.localdate().year
    name = PLAN_NAME.format(year=year)
    if Plan.objects.filter(name=name).exists():
        log("inspections: demo plan already present")
        return
    lead = User.objects.get(username="demo-lead")
    county = Region.objects.get(code="430602")
    start = max(timezone.localdate() + timedelta(days=7), date(year, 1, 1))
    end = min(start + timedelta(days=30), date(year, 12, 31))
    if start > end:  # the last days of December: the window starts sooner
        start = end - timedelta(days=3)
    templates = {t.code: t for t in ChecklistTemplate.objects.all()}
    plan = services.plan_save(
        values={
            "name": name,
            "region": county,
            "year": year,
            "window_start": start,
            "window_end": end,
            "lead_department": Department.objects.get(code="yyl-civil"),
            "max_per_inspector": 4,
        },
        m2m={
            "joining_departments": list(Department.objects.exclude(code="yyl-civil")),
            "scope_regions": [county],
            "pool_departments": list(Department.objects.all()),
            "pool_regions": [county],
        },
        checklists={
            templates["std-fire"]: True,
            templates["std-service"]: True,
            templates["std-food"]: False,
            templates["std-building"]: False,
        },
        by=lead,
    )
    plan = services.plan_approve(plan=plan, by=lead)
    first = services.draw_freeze(plan=plan, by=lead)
    first = services.draw_run(
        draw=first,
        public_entropy="05 11 16 23 28 32 + 04",
        source="中国福利彩票双色球开奖公告（演示数据，期号录入有误）",
        by=lead,
    )
    services.draw_void(
        draw=first,
        reason="录入的双色球期号不是冻结之后的第一期，经局务会研究作废，重新冻结抽取。",
        by=lead,
    )
    second = services.draw_freeze(plan=plan, by=lead)
    second = services.draw_run(
        draw=second,
        public_entropy="02 09 14 21 26 30 + 12",
        source="中国福利彩票双色球开奖公告（演示数据）",
        by=lead,
    )
    status = "valid" if second.status == Draw.Status.VALID else second.failure
    log(f"inspections: plan {plan.pk} with a void draw and a {status} draw")
