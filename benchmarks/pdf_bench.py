"""The inspection record as PDF (检查记录表) against the same document in Latin letters.

Registered as "pdf" in ``benchmarks/run.py`` (``--only pdf``). The record has 150
items in Chinese over ten sections, 20 of them failed with a location, a note and a
phone photo (each shown by its preview), so about ten A4 pages.

- ``pdf_record_ms``: the record's HTML (already built) to PDF: layout, fonts, images.
- ``pdf_latin_floor_ms``: the same HTML with every Chinese character replaced by a
  Latin letter, same fonts, same photos: what the PDF costs without Chinese.
- ``pdf_ratio``: record / floor. Aim: at most 2.
- ``pdf_document_ms``: the whole document as a download makes it the first time
  (queries, template, QR code, PDF, keeping the file).
- ``pdf_document_repeat_ms``: the same once kept: queries, template, QR code, then the
  kept file (reports/documents.py keeps a document while its HTML is unchanged).
- ``public_pdf_first_ms``: the first anonymous download of the result's public PDF
  (six chosen photos) through the whole Django stack: it renders and keeps the PDF.
- ``public_pdf_repeat_ms``: the second and later downloads, served from the kept file.
- ``public_pdf_repeat_ratio``: repeat / first. Aim: at most 0.1.
- ``pdf_size_bytes``: the record's PDF. Aim: at most 10 MB.
- ``pdf_peak_rss_mb``: peak memory of a fresh process that renders the record once.
"""

import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

ITEMS = 150
SECTIONS = 10
PHOTOS = 20
PUBLIC_PHOTOS = 6
# CJK symbols and punctuation, ideographs, fullwidth forms.
CJK = re.compile("[\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
QUESTIONS = [
    "疏散通道、安全出口是否畅通，未被占用、堵塞、封闭？",
    "消防控制室是否二十四小时有持证人员值班？",
    "灭火器是否在有效期内且压力正常？",
    "老年人居室是否使用大功率电器或私拉乱接电线？",
    "厨房是否按规定留样，每餐每样不少于一百二十五克并冷藏四十八小时？",
    "护理人员是否掌握噎食、跌倒、走失等九防应急处置要求？",
]


def _setup():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from benchmarks.photo_bench import phone_photo
    from checklists import services as checklist_services
    from inspections.onsite import services as onsite_services
    from registry.creditcode import check_character
    from registry.models import Department, Facility, InspectorProfile, Region, User

    county, _c = Region.objects.get_or_create(code="430611", defaults={"name": "君山区"})
    civil, _c = Department.objects.get_or_create(
        code="pdf-civil", defaults={"name": "君山区民政局", "kind": "civil_affairs"}
    )
    fire, _c = Department.objects.get_or_create(
        code="pdf-fire", defaults={"name": "君山区消防救援大队", "kind": "fire_rescue"}
    )
    lead = User.objects.create_user(username="pdf-lead", role="lead", full_name="陈堃")
    lead.regions.set([county])
    body = "52430611MJ0000001"
    facility = Facility.objects.create(
        name="君山区瑞堃喆园颐养中心",
        credit_code=body + check_character(body),
        type="care_home",
        address="湖南省岳阳市君山区赟泰路玥湖昇平巷18号",
        region=county,
        beds=120,
        responsible_person="王玥",
    )
    team = []
    for n, (name, department) in enumerate([("李喆", civil), ("王赟", fire)]):
        user = User.objects.create_user(username=f"pdf-i{n}", role="inspector", full_name=name)
        user.regions.set([county])
        team.append(
            InspectorProfile.objects.create(
                user=user, department=department, region=county, credential_no=f"4306110{n:04d}"
            )
        )
    template = checklist_services.template_create(
        code="pdf-150", title="养老机构安全综合检查表", category="fire", department="fire_rescue"
    )
    version = checklist_services.version_new_draft(template=template)
    sections = [
        checklist_services.section_save(version=version, values={"title": f"第{s + 1}部分"})
        for s in range(SECTIONS)
    ]
    for n in range(ITEMS):
        checklist_services.item_save(
            section=sections[n % SECTIONS],
            values={
                "code": f"P-{n:03d}",
                "question": f"{QUESTIONS[n % len(QUESTIONS)]}（第{n + 1}项）",
                "legal_basis": "《养老机构消防安全管理规定》第十二条；GB 38600-2019",
            },
        )
    checklist_services.version_publish(version=version)
    inspection = onsite_services.case_open(
        facility=facility,
        complaint="群众来电反映安全问题。",
        inspectors=team,
        templates=[template],
        by=lead,
    )
    first = team[0].user
    inspection = onsite_services.inspection_start(inspection=inspection, by=first)
    failing = set(range(0, ITEMS, ITEMS // PHOTOS)[:PHOTOS])
    for n, item in enumerate(version.items.order_by("code")):
        key = f"i{item.pk}"
        failed = n in failing
        onsite_services.answer_save(
            inspection=inspection,
            key=key,
            value="fail" if failed else "pass",
            base_revision=0,
            note="现场发现问题，已拍照取证，责令限期整改。" if failed else "",
            location=f"{1 + n % 4}楼东侧护理单元走廊" if failed else "",
            by=first,
        )
        if failed:
            photo = phone_photo(size=(2000, 1500), seed=n)
            onsite_services.photo_add(
                inspection=inspection,
                key=key,
                upload=SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg"),
                by=first,
            )
    onsite_services.inspection_sign(
        inspection=inspection, by=first, signer_name="王玥", typed="王玥"
    )
    for profile in team:
        onsite_services.member_confirm(inspection=inspection, by=profile.user)
    return onsite_services.inspection_finish(inspection=inspection, by=first), lead


def bench_pdf(runs, best_of):
    """The PDF figures; ``best_of(runs, fn)`` is run.py's timer (seconds)."""
    from reports import documents

    inspection, lead = _setup()
    template, context, photos, _number = documents.prepare_inspection_document(
        inspection, "record", by=lead
    )
    with _document_language():
        html = documents.render_html(template, context)
    latin = CJK.sub("x", html)
    assert not CJK.search(latin)
    pdf = documents.html_to_pdf(html, photos)  # warm up: fonts, imports
    documents.html_to_pdf(latin, photos)
    record_s = best_of(runs, lambda: documents.html_to_pdf(html, photos))
    floor_s = best_of(runs, lambda: documents.html_to_pdf(latin, photos))

    def document():
        return documents.inspection_document(inspection, "record", by=lead)

    document_s = best_of(runs, lambda: (_forget_kept(), document()))
    document_repeat_s = best_of(runs, document)
    public_first_s, public_repeat_s = _public_pdf(inspection, lead, runs, best_of)
    pages = _pages(pdf)
    return {
        "pdf_record_ms": round(record_s * 1000, 1),
        "pdf_latin_floor_ms": round(floor_s * 1000, 1),
        "pdf_ratio": round(record_s / floor_s, 2),
        "pdf_document_ms": round(document_s * 1000, 1),
        "pdf_document_repeat_ms": round(document_repeat_s * 1000, 1),
        "public_pdf_first_ms": round(public_first_s * 1000, 1),
        "public_pdf_repeat_ms": round(public_repeat_s * 1000, 1),
        "public_pdf_repeat_ratio": round(public_repeat_s / public_first_s, 3),
        "pdf_size_bytes": len(pdf),
        "pdf_pages": pages,
        "pdf_peak_rss_mb": _peak_rss_of_one_render(inspection.pk, lead.pk),
    }


def _forget_kept():
    """Drop every kept PDF, so that the next download renders."""
    from django.conf import settings

    shutil.rmtree(settings.DOCUMENTS_ROOT, ignore_errors=True)


def _public_pdf(inspection, lead, runs, best_of):
    """(first, repeat) seconds of anonymous downloads of the result's public PDF, the
    whole request through Django's test client, within the download limit."""
    from django.test import Client, override_settings
    from django.urls import reverse

    from inspections.publication import services as publication_services

    photos = list(inspection.photos.order_by("pk")[:PUBLIC_PHOTOS])
    publication = publication_services.publication_publish(
        publication=inspection.publication,
        by=lead,
        follow_up="责令限期整改，复查合格。",
        photos=photos,
        no_person_confirmed=True,
    )
    url = reverse("reports:result_pdf", args=[publication.pk])
    client = Client(HTTP_HOST="127.0.0.1")

    def download():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.content

    with override_settings(PUBLIC_DOWNLOAD_LIMIT=10**9):
        download()  # warm up: the view's imports and queries
        first_s = best_of(runs, lambda: (_forget_kept(), download()))
        download()
        repeat_s = best_of(max(runs, 5), download)
    return first_s, repeat_s


def _document_language():
    from django.conf import settings
    from django.utils import translation

    return translation.override(settings.LANGUAGE_CODE)


def _pages(pdf):
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is a development requirement
        return None
    return len(PdfReader(io.BytesIO(pdf)).pages)


def _peak_rss_of_one_render(inspection_pk, user_pk):
    """Peak resident memory (MB) of a new process that sets Django up and renders the
    record once, on this run's database (the environment carries its location)."""
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, __file__, "--render-once", str(inspection_pk), str(user_pk)],
        capture_output=True,
        text=True,
        cwd=root,
        env=os.environ.copy(),
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])["peak_rss_mb"]


def _render_once(inspection_pk, user_pk):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from inspections.onsite.models import Inspection
    from registry.models import User
    from reports import documents

    inspection = Inspection.objects.get(pk=inspection_pk)
    # Rendered, not read from a kept file: this measures what a render costs.
    template, context, photos, _number = documents.prepare_inspection_document(
        inspection, "record", by=User.objects.get(pk=user_pk)
    )
    documents.render_pdf(template, context, photos=photos)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak_rss_mb": round(peak_kb / 1024, 1)}))


if __name__ == "__main__" and sys.argv[1:2] == ["--render-once"]:
    _render_once(int(sys.argv[2]), int(sys.argv[3]))
