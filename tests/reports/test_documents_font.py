"""Chinese in the PDF documents: every character stored in the demo data's names and
addresses (and the rare name characters) is in the document font, and a rendered PDF
embeds that one font, subsetted, and nothing else."""

import io
import re

import pytest
from django.conf import settings
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from checklists.models import ChecklistTemplate, Item
from registry.models import Department, Facility, Region, User
from reports import documents
from tests import demo_county

RARE = "堃喆赟玥昇"


def stored_characters():
    texts = [RARE]
    for facility in Facility.objects.all():
        texts += [facility.name, facility.address, facility.responsible_person]
    texts += list(User.objects.values_list("full_name", flat=True))
    texts += list(Region.objects.values_list("name", flat=True))
    texts += list(Department.objects.values_list("name", flat=True))
    # The checklists' wording is printed in the record too.
    texts += list(ChecklistTemplate.objects.values_list("title", flat=True))
    for question, basis in Item.objects.values_list("question", "legal_basis"):
        texts += [question, basis]
    return sorted(set("".join(texts)) - set(" \t\r\n"))


def render(text):
    """A document whose heading holds ``text``."""
    return documents.render_pdf(
        "reports/documents/base.html",
        {"title": "字形", "authority": text, "number": "TEST-1", "qr": documents.qr_code("x")},
    )


def embedded_fonts(pdf):
    """(base font name, embedded font file size) of every font the PDF's pages use."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            files = [descriptor[k].get_object() for k in descriptor if k.startswith("/FontFile")]
            found.add((str(font["/BaseFont"]), sum(len(f.get_data()) for f in files)))
    return found


def only_the_document_font(pdf):
    """One font, the document font, embedded as a subset: a subset tag before its name
    (ISO 32000-1 9.6.4) and a small part of the font file."""
    fonts = embedded_fonts(pdf)
    size = settings.DOCUMENT_FONT.stat().st_size
    return bool(fonts) and all(
        re.fullmatch(r"/[A-Z]{6}\+Document-SC", name) and 0 < length < size / 4
        for name, length in fonts
    )


@pytest.fixture
def demo(db, request):
    demo_county.load(request)


def test_every_stored_character_is_in_the_font_and_renders_from_it_alone(demo):
    characters = stored_characters()
    assert set(RARE) <= set(characters)
    assert len(characters) > 300, "the demo data should be there"
    cmap = TTFont(settings.DOCUMENT_FONT).getBestCmap()
    missing = [c for c in characters if ord(c) not in cmap]
    assert not missing, f"not in the document font: {''.join(missing)}"
    pdf = render("".join(characters))
    assert only_the_document_font(pdf), embedded_fonts(pdf)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert set(characters) <= set(text)


def test_a_character_outside_the_font_would_be_caught(db):
    # Korean is left out of the document font: another font has to step in.
    assert only_the_document_font(render(RARE))
    assert not only_the_document_font(render(RARE + "한국"))


def test_a_missing_font_is_reported_by_the_system_checks(settings, tmp_path):
    from reports import checks

    assert checks.document_font(None) == []
    settings.DOCUMENT_FONT = tmp_path / "none.otf"
    assert [warning.id for warning in checks.document_font(None)] == ["reports.W001"]
