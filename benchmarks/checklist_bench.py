"""The checklist page for a 200-item checklist, against rendering its template
with the same data already in memory (see run.py for the figures)."""

import io

ITEMS = 200


def _setup():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from checklists import services as checklist_services
    from inspections.onsite import services
    from registry.creditcode import check_character
    from registry.models import Department, Facility, InspectorProfile, Region, User

    county = Region.objects.create(code="430603", name="云溪区")
    # The county benchmark of the same run may have made it already.
    department, _created = Department.objects.get_or_create(
        name="民政局", defaults={"code": "yx", "kind": "civil_affairs"}
    )
    lead = User.objects.create_user(username="cl-lead", role="lead")
    lead.regions.set([county])
    body = "52430603MJ0000001"
    facility = Facility.objects.create(
        name="云溪区福寿养老院",
        credit_code=body + check_character(body),
        type="care_home",
        address="云溪区",
        region=county,
        beds=80,
    )
    team = []
    for n in range(2):
        user = User.objects.create_user(username=f"cl-i{n}", role="inspector", full_name="李喆")
        user.regions.set([county])
        team.append(
            InspectorProfile.objects.create(
                user=user, department=department, region=county, credential_no=f"CL{n:04d}"
            )
        )
    template = checklist_services.template_create(
        code="bench-200", title="二百项检查表", category="fire", department="fire_rescue"
    )
    version = checklist_services.version_new_draft(template=template)
    sections = [
        checklist_services.section_save(version=version, values={"title": f"第{s + 1}部分"})
        for s in range(10)
    ]
    for n in range(ITEMS):
        checklist_services.item_save(
            section=sections[n % 10],
            values={
                "code": f"B-{n:03d}",
                "question": f"第{n}项：疏散通道、安全出口是否畅通，未被占用、堵塞、封闭？",
                "guidance": "逐层查看，重点查看夜间是否上锁。",
                "legal_basis": "《养老机构消防安全管理规定》第十二条",
            },
        )
    checklist_services.version_publish(version=version)
    inspection = services.case_open(
        facility=facility, complaint="基准", inspectors=team, templates=[template], by=lead
    )
    inspector = team[0].user
    inspection = services.inspection_start(inspection=inspection, by=inspector)
    buffer = io.BytesIO()
    Image.new("RGB", (120, 90), "gray").save(buffer, "JPEG")
    for n, item in enumerate(version.items.order_by("pk")):
        if n % 2:
            continue
        key = f"i{item.pk}"
        services.answer_save(
            inspection=inspection,
            key=key,
            value="fail" if n % 10 == 0 else "pass",
            base_revision=0,
            by=inspector,
        )
        if n % 20 == 0:
            services.photo_add(
                inspection=inspection,
                key=key,
                upload=SimpleUploadedFile("p.jpg", buffer.getvalue()),
                by=inspector,
            )
    return inspection, inspector


def bench_checklist(runs, best_of):
    """``checklist_page_ms``: the whole request (session, access, queries, render);
    ``checklist_render_ms``: the template alone with the page's context already
    built; ``checklist_page_ratio``: page / render."""
    import logging

    from django.template.loader import get_template
    from django.test import Client

    from inspections.onsite import views as views_onsite
    from inspections.onsite.models import Inspection

    logging.getLogger("axes").setLevel(logging.WARNING)
    inspection, inspector = _setup()
    client = Client(HTTP_HOST="localhost")
    client.force_login(inspector)
    url = f"/inspections/inspections/{inspection.pk}/checklist/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    request = response.wsgi_request
    loaded = Inspection.objects.select_related("facility", "plan").get(pk=inspection.pk)
    context = views_onsite.checklist_context(loaded, inspector)
    template = get_template("inspections/onsite/checklist.html")

    def page():
        assert client.get(url).status_code == 200

    def render():
        template.render(context, request)

    runs = max(runs, 5)
    page_s = best_of(runs, page)
    render_s = best_of(runs, render)
    return {
        "checklist_page_ms": round(page_s * 1000, 1),
        "checklist_render_ms": round(render_s * 1000, 1),
        "checklist_page_ratio": round(page_s / render_s, 2),
    }
