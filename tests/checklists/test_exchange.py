import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from checklists.models import ChecklistTemplate, ChecklistVersion, Item


def export(code, *args):
    from io import StringIO

    out = StringIO()
    call_command("export_checklist", code, *args, stdout=out)
    return out.getvalue()


def without_version_metadata(text, fmt="yaml"):
    import yaml

    document = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    document.pop("version")
    return document


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_import_export_round_trip(published, tmp_path, fmt):
    first = export("t-fire", "--format", fmt)
    path = tmp_path / f"fire.{fmt}"
    path.write_text(first, encoding="utf-8")
    call_command("import_checklist", str(path), "--publish")
    second = export("t-fire", "--format", fmt)
    assert ChecklistVersion.objects.filter(template__code="t-fire").count() == 2
    assert without_version_metadata(second, fmt) == without_version_metadata(first, fmt)
    assert "疏散通道是否畅通" in second  # Chinese kept as text, not escaped


def test_export_of_a_given_version_and_import_as_draft(published, tmp_path):
    text = export("t-fire", "--version", str(published.number))
    path = tmp_path / "fire.yaml"
    path.write_text(text.replace("疏散通道是否畅通？", "安全出口是否锁闭？"), encoding="utf-8")
    call_command("import_checklist", str(path))
    newest = ChecklistVersion.objects.filter(template__code="t-fire").order_by("-number").first()
    assert newest.status == ChecklistVersion.Status.DRAFT
    assert newest.items.get(code="F-01").question == "安全出口是否锁闭？"


def test_exporting_an_unknown_code_fails_clearly(db):
    with pytest.raises(CommandError, match="nope"):
        export("nope")


GOOD = """\
format: care-safety-checklist/1
template:
  code: t-new
  title: 新检查表
  category: food
  department: market
scoring:
  pass_threshold: 85
  basic_threshold: 70
sections:
- title: 留样
  applies_if:
    has_canteen: true
  items:
  - code: N-01
    question: 留样量是否不少于125克？
    legal_basis: 餐饮服务食品安全操作规范
    answer: number
    unit: g
    min: 125
    hazard: general
    deadline: immediate
  - code: N-02
    question: 留样是否冷藏48小时以上？
    legal_basis: 餐饮服务食品安全操作规范
"""


def test_a_good_file_imports(db, tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_checklist", str(path))
    item = Item.objects.get(code="N-01")
    assert item.deadline_days == 0
    assert item.min_value == 125


BAD_FILES = [
    ("syntax error", GOOD.replace("  - code: N-02", "  - code: [N-02"), 24, "YAML"),
    ("unknown answer type", GOOD.replace("answer: number", "answer: photo"), 18, "photo"),
    ("duplicate item code", GOOD.replace("code: N-02", "code: N-01"), 23, "N-01"),
    (
        "missing question",
        GOOD.replace("    question: 留样是否冷藏48小时以上？\n", ""),
        23,
        "question",
    ),
    (
        "unknown rule attribute",
        GOOD.replace("has_canteen: true", "has_kitchen: true"),
        13,
        "has_kitchen",
    ),
]


@pytest.mark.parametrize("name, text, line, reason", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_is_refused_with_its_line_and_nothing_written(
    db, tmp_path, name, text, line, reason
):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=f"第 {line} 行：") as info:
        call_command("import_checklist", str(path))
    message = str(info.value)
    assert reason in message, message
    assert not ChecklistTemplate.objects.exists()
    assert not Item.objects.exists()


def test_the_command_exits_with_status_1_on_a_bad_file(db, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "bad.yaml"
    path.write_text(GOOD.replace("answer: number", "answer: photo"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_checklist", str(path)],
        capture_output=True,
        text=True,
        env={"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 1
    assert "第 18 行" in result.stderr and "photo" in result.stderr


@pytest.mark.parametrize(
    "tail",
    [
        "[" * 100_000 + "]" * 100_000,  # flow style
        "{a: " * 50_000 + "1" + "}" * 50_000,
        "\n" + "- " * 2_000 + "x",  # block style
    ],
    ids=["flow sequences", "flow mappings", "block sequences"],
)
def test_a_deeply_nested_file_is_refused_clearly(db, tmp_path, tail):
    path = tmp_path / "deep.yaml"
    path.write_text(GOOD + "extra: " + tail, encoding="utf-8")
    with pytest.raises(CommandError, match=r"第 2[67] 行：文件嵌套超过 20 层"):
        call_command("import_checklist", str(path))
    assert not ChecklistTemplate.objects.exists()


def test_an_oversized_file_is_refused_clearly(db, tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(GOOD + "# " + "x" * 1_000_000 + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="文件过大：最多接受 1000000 个字符"):
        call_command("import_checklist", str(path))
    assert not ChecklistTemplate.objects.exists()


def test_an_import_for_a_region_makes_that_regions_checklist(world, tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_checklist", str(path), "--region", "430602")
    assert ChecklistTemplate.objects.get(code="t-new").region == world["county"]
    with pytest.raises(CommandError, match="检查表“t-new”已存在，且不属于云溪区"):
        call_command("import_checklist", str(path), "--region", "430603")
    with pytest.raises(CommandError, match="未知的行政区划代码“999999”"):
        call_command("import_checklist", str(path), "--region", "999999")
    assert ChecklistVersion.objects.count() == 1


def test_an_import_without_a_region_makes_a_shared_checklist(db, tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_checklist", str(path))
    assert ChecklistTemplate.objects.get(code="t-new").is_shared
