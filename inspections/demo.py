"""Demo supervision: an approved plan with a voided and a valid draw; finished
inspections with photos, results and hazards; one on site; one self-inspection;
an unannounced case-triggered inspection waiting for its team; and a facility whose
hazards are in every state of the rectification loop, its major one under a control
order and followed by an interview; the facility's duties, a licence, an incident
and complaints (inspections.demo_duties)."""

import io
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from checklists.models import ChecklistTemplate, Item
from checklists.scoring import plain_number
from core.audited import save_with_history
from core.workdays import add_working_days
from inspections import demo_duties
from inspections.enforcement import criteria, found, interviews, orders
from inspections.enforcement.models import ControlOrder, Determination, MajorCriterion
from inspections.hazards import alarms as alarms
from inspections.hazards import services as hazard_services
from inspections.onsite import selectors
from inspections.onsite import services as onsite_services
from inspections.onsite.models import Inspection, Photo
from inspections.planning import services as planning_services
from inspections.planning.models import Draw, Plan
from inspections.publication import services as publication_services
from inspections.signals import inspection_changed
from registry.models import Department, Facility, Region, User

PLAN_NAME = "岳阳楼区{year}年养老机构安全“双随机、一公开”抽查"


def seed(log):
    _seed_plan(log)
    _seed_inspections(log)
    demo_duties.seed(log)


def _seed_plan(log):
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
    plan = planning_services.plan_save(
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
    plan = planning_services.plan_approve(plan=plan, by=lead)
    first = planning_services.draw_freeze(plan=plan, by=lead)
    first = planning_services.draw_run(
        draw=first,
        public_entropy="05 11 16 23 28 32 + 04",
        source="中国福利彩票双色球开奖公告（演示数据，期号录入有误）",
        by=lead,
    )
    planning_services.draw_void(
        draw=first,
        reason="录入的双色球期号不是冻结之后的第一期，经局务会研究作废，重新冻结抽取。",
        by=lead,
    )
    second = planning_services.draw_freeze(plan=plan, by=lead)
    second = planning_services.draw_run(
        draw=second,
        public_entropy="02 09 14 21 26 30 + 12",
        source="中国福利彩票双色球开奖公告（演示数据）",
        by=lead,
    )
    status = "valid" if second.status == Draw.Status.VALID else second.failure
    log(f"inspections: plan {plan.pk} with a void draw and a {status} draw")


COMPLAINT = "群众来电反映{name}夜间值班人员不足、疏散通道堆放杂物（演示数据）。"


def _photo(label, colour):
    """A small stand-in for a phone photo."""
    image = Image.new("RGB", (1200, 900), colour)
    draw = ImageDraw.Draw(image)
    for n in range(0, 1200, 120):
        draw.rectangle([n, 600, n + 80, 880], fill=(90, 90, 90))
    draw.text((40, 40), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"{label}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _passing(item):
    if item.answer_type == Item.AnswerType.NUMBER:
        # As an inspector types it: "0", not the stored bound's "0.000".
        return plain_number(item.min_value if item.min_value is not None else item.max_value)
    if item.answer_type == Item.AnswerType.CHOICE:
        return next(c["value"] for c in item.choices if c.get("passes", True))
    if item.answer_type == Item.AnswerType.TEXT:
        return "正常"
    return "pass"


def _answer_all(inspection, by, *, failures=None, stop_after=None):
    """Answer every applicable item; ``failures`` maps item codes to (note, location,
    corrected). With ``stop_after``, leave the rest unanswered (still on site)."""
    failures = failures or {}
    count = 0
    for _checklist, items in selectors.inspection_items(inspection):
        for item in items:
            if stop_after is not None and count >= stop_after:
                return
            count += 1
            key = f"i{item.pk}"
            failed = item.code in failures and item.answer_type == Item.AnswerType.PASS_FAIL
            note, location, corrected = failures.get(item.code, ("", "", False))
            onsite_services.answer_save(
                inspection=inspection,
                key=key,
                value="fail" if failed else _passing(item),
                note=note if failed else "",
                location=location if failed else "",
                corrected=corrected and failed,
                base_revision=0,
                by=by,
            )
            if (failed and item.photo_on_fail) or (not failed and item.photo_on_pass):
                onsite_services.photo_add(
                    inspection=inspection, key=key, upload=_photo(item.code, (160, 60, 50)), by=by
                )
            if failed and corrected:
                onsite_services.photo_add(
                    inspection=inspection,
                    key=key,
                    upload=_photo(item.code + " after", (60, 140, 70)),
                    purpose=Photo.Purpose.AFTER,
                    by=by,
                )


def _sign_and_finish(inspection, first, second):
    onsite_services.inspection_sign(
        inspection=inspection, by=first, signer_name="刘建华", typed="刘建华"
    )
    onsite_services.member_confirm(inspection=inspection, by=first)
    onsite_services.member_confirm(inspection=inspection, by=second)
    return onsite_services.inspection_finish(inspection=inspection, by=first)


def _seed_inspections(log):
    if Inspection.objects.filter(kind=Inspection.Kind.CASE).exists():
        log("inspections: demo inspections already present")
        return
    lead = User.objects.get(username="demo-lead")
    first = User.objects.get(username="demo-inspector")
    second = User.objects.get(username="demo-inspector2")
    manager = User.objects.get(username="demo-manager")
    team = [first.inspector_profile, second.inspector_profile]
    templates = {t.code: t for t in ChecklistTemplate.objects.all()}
    home = Facility.objects.filter(managers=manager).first()
    others = list(
        Facility.objects.filter(region__path__startswith=home.region.path[:21])
        .exclude(pk=home.pk)
        .exclude(conflicts__inspector__in=team)
        .order_by("name")[:2]
    )

    def case(facility, codes):
        return onsite_services.case_open(
            facility=facility,
            complaint=COMPLAINT.format(name=facility.name),
            inspectors=team,
            templates=[templates[c] for c in codes],
            by=lead,
        )

    # Finished at the manager's facility: two hazards, one corrected on the spot.
    official = onsite_services.inspection_start(
        inspection=case(home, ["std-fire", "std-service"]), by=first
    )
    _answer_all(
        official,
        first,
        failures={
            "FIRE-16": ("二楼东侧疏散通道堆放纸箱和轮椅", "二楼东侧疏散通道", True),
            "FIRE-13": ("三楼楼梯间常闭式防火门用木楔顶开", "三楼东侧楼梯间", False),
            "SVC-14": ("夜班仅 1 名护理员值守 3 层楼，无夜间巡查记录", "护理部", False),
        },
    )
    _sign_and_finish(official, first, second)
    # Finished elsewhere, compliant.
    clean = onsite_services.inspection_start(inspection=case(others[0], ["std-service"]), by=second)
    _answer_all(clean, second)
    _sign_and_finish(clean, second, first)
    # On site now, half answered.
    on_site = onsite_services.inspection_start(inspection=case(others[1], ["std-fire"]), by=first)
    _answer_all(on_site, first, stop_after=10)
    # The manager's own self-inspection, which sees no problem at night shifts.
    own = onsite_services.self_open(facility=home, templates=[templates["std-service"]], by=manager)
    _answer_all(own, manager)
    onsite_services.inspection_finish(inspection=own, by=manager)
    # Waiting for the team: unannounced, so the manager does not see it yet.
    waiting = case(home, ["std-service"])
    log(
        f"inspections: finished {official.pk} and {clean.pk}, on site {on_site.pk}, "
        f"self-inspection {own.pk}, unannounced {waiting.pk} waiting"
    )
    earlier = _seed_loop(log, case, lead, first, second)
    _seed_publications(
        log,
        case,
        lead,
        first,
        second,
        clean=clean,
        official=official,
        earlier=earlier,
        elsewhere=others[0],
    )


def _seed_publications(log, case, lead, first, second, *, clean, official, earlier, elsewhere):
    """一公开 in every state: the compliant result published and then corrected, one
    published and withdrawn, the manager's awaiting review, and the loop's inspection
    (40 days ago) awaiting review past its 20-working-day limit."""
    publication_services.publication_publish(
        publication=clean.publication,
        by=lead,
        follow_up="未发现问题，纳入日常监管。",
    )
    publication_services.publication_correct(
        publication=clean.publication,
        by=lead,
        reason="后续处理表述有误，更正为实际安排。",
        follow_up="未发现问题，下一年度按信用风险分类随机抽查。",
    )
    mistaken = onsite_services.inspection_start(
        inspection=case(elsewhere, ["std-service"]), by=second
    )
    _answer_all(mistaken, second)
    _sign_and_finish(mistaken, second, first)
    publication_services.publication_publish(publication=mistaken.publication, by=lead)
    publication_services.publication_withdraw(
        publication=mistaken.publication,
        by=lead,
        reason="与同日另一检查记录重复，撤回本条。",
    )
    publication = earlier.publication
    limit = add_working_days(
        timezone.localdate(earlier.finished_at), publication_services.PUBLISH_WITHIN_WORKING_DAYS
    )
    publication.due_on, publication.due_provisional = limit.date, limit.provisional
    save_with_history(publication, by=lead, reason="demo: dated back")
    # Announced as a service would, so that the lead's review task has the new date.
    inspection_changed.send(sender=Inspection, inspection=earlier, event="changed", by=lead)
    log(
        f"publications: {clean.pk} published and corrected, {mistaken.pk} withdrawn, "
        f"{official.pk} awaiting review, {earlier.pk} past the 20-working-day limit"
    )


def _seed_loop(log, case, lead, first, second):
    """demo-manager2's facility, inspected 40 days ago: its hazards went through every
    step of the loop (extension granted and refused, a fix rejected, one accepted, one
    overdue, a major hazard under supervision with its plan and a progress note)."""
    manager = User.objects.get(username="demo-manager2")
    facility = Facility.objects.filter(managers=manager).first()
    earlier = onsite_services.inspection_start(inspection=case(facility, ["std-fire"]), by=first)
    _answer_all(
        earlier,
        first,
        failures={
            "FIRE-02": ("北侧平房为彩钢夹芯板搭建，住有 6 名老年人", "北侧平房", False),
            "FIRE-05": ("养老区与一层商铺之间防火墙开洞未封堵", "一层东侧", False),
            "FIRE-14": ("消防控制室夜班仅 1 人值班", "消防控制室", False),
            "FIRE-15": ("消防设施年度检测报告已过期", "消防控制室", False),
            "FIRE-27": ("本年度未组织夜间疏散演练", "行政办公室", False),
        },
    )
    # Demo history: the visit is dated 40 days back so that deadlines have passed.
    back = timezone.now() - timedelta(days=40)
    earlier.started_at = back
    save_with_history(earlier, by=first, reason="demo: dated back")
    earlier = _sign_and_finish(earlier, first, second)
    earlier.finished_at = back + timedelta(hours=2)
    save_with_history(earlier, by=first, reason="demo: dated back")
    hazards = {h.item_code: h for h in earlier.hazards.all()}
    hazard_services.notice_acknowledge(notice=earlier.notice, by=manager)
    for hazard in hazards.values():
        hazard.refresh_from_db()

    def fix(code, text):
        return hazard_services.rectification_submit(
            hazard=hazards[code],
            description=text,
            interim_measures="整改期间专人值守" if code == "FIRE-02" else "",
            uploads=[_photo(f"{code} after", (60, 140, 70))],
            by=manager,
        )

    def extension(code, days, approve, reason=""):
        request = hazard_services.extension_request(
            hazard=hazards[code],
            requested_due=hazards[code].due_on + timedelta(days=days),
            reasons="检测机构排期已满，最早下月进场",
            interim_measures="每日巡查并记录消防设施状态",
            by=manager,
        )
        hazard_services.extension_decide(extension=request, approve=approve, reason=reason, by=lead)
        hazards[code].refresh_from_db()

    hazard_services.supervision_plan_file(
        supervision=hazards["FIRE-02"].supervision,
        measures="拆除彩钢板房，老年人迁入主楼二层",
        responsible_person="赵敏（院长）",
        funds="12 万元，机构自筹",
        plan_deadline=hazards["FIRE-02"].due_on,
        contingency_plan="迁出前夜间双人值守，配备灭火器和应急照明",
        by=manager,
    )
    hazard_services.supervision_note_add(
        supervision=hazards["FIRE-02"].supervision,
        text="主楼二层改造已完成招标，6 名老年人中 2 名已迁入。",
        by=manager,
    )
    extension("FIRE-15", 20, approve=True)
    fix("FIRE-15", "已委托检测机构，先行提交维保记录")
    hazard_services.rectification_verify(
        hazard=hazards["FIRE-15"], accept=False, reason="未提供年度检测报告", by=first
    )
    extension("FIRE-05", 30, approve=False, reason="防火分隔缺陷须在原期限内封堵")
    fix("FIRE-05", "已用防火砖封堵墙洞并粘贴防火封堵标识")
    fix("FIRE-27", "已于本月组织夜间疏散演练，附演练照片和签到表")
    hazard_services.rectification_verify(hazard=hazards["FIRE-27"], accept=True, by=second)
    for hazard in hazards.values():
        alarms.hazard_alarms_fire(hazard=hazard)
    _seed_enforcement(log, hazards["FIRE-02"], lead)
    log(f"inspections: {facility.name} hazards through the whole loop (inspection {earlier.pk})")
    return earlier


def _seed_enforcement(log, hazard, lead):
    """The colour-steel building of the loop's major hazard: who determined it, the
    control order that stopped its use, and the interview of the legal representative."""
    criteria.load(MajorCriterion)  # gone from a database a browser test flushed
    found.determination_record(
        hazard=hazard,
        criterion=MajorCriterion.objects.get(code="1-03"),
        determined_by=Determination.By.DEPARTMENT,
        department_name="岳阳楼区消防救援大队",
        by=lead,
    )
    order = orders.control_order_issue(
        facility=hazard.facility,
        kind=ControlOrder.Kind.PARTIAL,
        scope=ControlOrder.Scope.BUILDING,
        scope_detail="北侧彩钢夹芯板平房",
        reason="老年人居住、活动的彩钢夹芯板建筑，应立即停止使用",
        legal_basis="民办发〔2023〕13号《养老机构重大事故隐患判定标准》",
        hazard=hazard,
        by=lead,
    )
    interviews.interview_record(
        facility=hazard.facility,
        held_on=timezone.localdate() - timedelta(days=3),
        place="区民政局三楼会议室",
        attendees="区民政局：养老服务科负责人；机构：院长（法定代表人）",
        minutes="通报北侧彩钢板房住人的重大事故隐患及整改进展，要求严格执行停止使用决定。",
        commitments="三日内完成老年人迁出，一个月内拆除彩钢板房并申请复查。",
        signed_by_name="赵敏",
        hazard=hazard,
        by=lead,
    )
    log(f"inspections: control order {order.number} and an interview for {hazard.register_no}")
