"""Demo of the facility's own duties and of the public's complaints: the county's
standard duty rules and this period's duties (one fire patrol already logged), a
licence about to expire, an incident with its follow-up, and two complaints (one
waiting for triage, one answered and replied)."""

from datetime import time, timedelta

from django.utils import timezone

from checklists.models import ChecklistTemplate
from inspections.complaints import services as complaints
from inspections.complaints.models import Complaint
from inspections.duties import incidents, rules, schedule
from inspections.duties import services as duties
from inspections.duties.models import Duty, DutyRule, Incident
from registry import licences
from registry.models import Facility, Licence, Region, User


def seed(log):
    if DutyRule.objects.exists():
        log("inspections: demo duties already present")
        return
    lead = User.objects.get(username="demo-lead")
    manager = User.objects.get(username="demo-manager")
    county = Region.objects.get(code="430602")
    home = Facility.objects.filter(managers=manager).first()
    today = timezone.localdate()
    added = rules.rules_add_standard(
        region=county,
        checklist=ChecklistTemplate.objects.filter(code="std-fire").first(),
        starts_on=today.replace(day=1),
        by=lead,
    )
    created = schedule.duties_dispatch(today=today)
    patrol = Duty.objects.filter(
        facility=home, kind=DutyRule.Kind.FIRE_PATROL, status=Duty.Status.OPEN
    ).first()
    if patrol is not None:
        duties.duty_log_record(
            duty=patrol,
            data={
                "on": today,
                "time": time(9, 30),
                "areas": "各楼层疏散通道、安全出口、厨房、配电间",
                "problems": "",
                "handled": True,
                "action": "",
            },
            by=manager,
        )
    log(f"inspections: {len(added)} standard duty rule(s), {created} duty(ies) this period")

    licences.licence_add(
        facility=home,
        values={
            "kind": Licence.Kind.FOOD,
            "number": "JY34306020012345",
            "issued_on": today.replace(year=today.year - 5),
            "expires_on": today + timedelta(days=20),
        },
        by=lead,
    )
    incident = incidents.incident_report(
        facility=home,
        kind=Incident.Kind.FALL,
        occurred_at=timezone.now() - timedelta(hours=5),
        place="二楼卫生间",
        summary="一名入住老人如厕时跌倒，右髋部疼痛，已送岳阳市一人民医院",
        injured=1,
        measures="护理员发现后立即呼叫120并通知家属，已排查卫生间防滑和扶手",
        by=manager,
    )
    incidents.incident_follow_up(
        incident=incident,
        text="医院诊断为右股骨颈骨折，已手术，病情稳定；机构加装夜间感应灯",
        final=False,
        by=manager,
    )
    log(f"inspections: licence expiring and incident {incident.number}")

    waiting = complaints.complaint_record(
        channel=Complaint.Channel.PHONE,
        county=county,
        facility=home,
        facility_text="",
        category=Complaint.Category.FOOD,
        text="家属来电反映近一周晚餐多为剩菜，食品留样柜未上锁",
        by=lead,
        name="刘女士",
        phone="13800000000",
    )
    answered = complaints.complaint_record(
        channel=Complaint.Channel.LETTER,
        county=county,
        facility=home,
        facility_text="",
        category=Complaint.Category.FEES,
        text="来信询问护理等级调整后收费标准是否经过公示",
        by=lead,
    )
    complaints.complaint_answer(
        complaint=answered.complaint, reason="收费公示问题，书面答复即可", by=lead
    )
    complaints.complaint_reply(
        complaint=answered.complaint,
        reply="经核实，该机构已于院内公示栏和服务合同附件中公示新的收费标准。",
        substantiated=False,
        by=lead,
    )
    log(
        f"inspections: complaints {waiting.complaint.number} (to triage) and"
        f" {answered.complaint.number} (replied)"
    )
