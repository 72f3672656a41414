"""``manage.py credit_recompute`` (and its monthly run by the dispatcher) and
``manage.py credit_rules_load``: what a bureau's IT staff script."""

import io
import uuid
from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from core.audited import save_with_history
from inspections.credit import rules as credit_rules
from inspections.credit.models import CreditCase, CreditEvent, RuleSet

PENALTY_DAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def var_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def run(*args):
    out = io.StringIO()
    # The refusals of the rule set are translated: read them in English here.
    with translation.override("en"):
        call_command(*args, stdout=out)
    return out.getvalue()


def penalty(facility):
    return save_with_history(
        CreditEvent(
            facility=facility,
            kind=CreditEvent.Kind.PENALTY,
            occurred_on=PENALTY_DAY,
            key=f"manual:{uuid.uuid4().hex}",
            detail="罚款",
        )
    )


def test_recompute_reports_what_it_did(steady):
    penalty(steady["facility"])
    out = run("credit_recompute", "--date", "2026-12-01")
    assert "3 facilities scored, 0 events written, 1 cases opened, 0 cases lapsed" in out
    case = CreditCase.objects.get()
    assert (case.facility, case.proposed_class) == (steady["facility"], "C")
    # Run again: nothing new.
    out = run("credit_recompute", "--date", "2026-12-01")
    assert "0 cases opened" in out
    assert CreditCase.objects.count() == 1


def test_recompute_scores_as_of_the_date_given(steady):
    penalty(steady["facility"])
    # Two years on, the penalty counts half (-10: 85, still class C) ...
    run("credit_recompute", "--date", "2028-11-01")
    assert CreditCase.objects.get().proposed_class == "C"
    # ... and after three years nothing: the open proposal lapses.
    out = run("credit_recompute", "--date", "2029-12-01")
    assert "0 cases opened, 1 cases lapsed" in out
    assert CreditCase.objects.get().status == CreditCase.Status.WITHDRAWN


def test_recompute_of_one_region_leaves_the_others(steady):
    penalty(steady["facility"])
    penalty(steady["far_facility"])
    out = run("credit_recompute", "--region", steady["other_county"].code)
    assert "1 facilities scored" in out
    assert list(CreditCase.objects.values_list("facility", flat=True)) == [
        steady["far_facility"].pk
    ]
    # A region above both counties covers both.
    run("credit_recompute", "--region", steady["city"].code)
    assert CreditCase.objects.count() == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--date", "2026-13-01"], "--date must be a day as YYYY-MM-DD, not '2026-13-01'"),
        (["--date", "yesterday"], "--date must be a day as YYYY-MM-DD"),
        (["--region", "999999"], "no region with division code '999999'"),
        (["--monthly", "--region", "430602"], "--monthly scores every facility"),
    ],
)
def test_recompute_refuses_bad_arguments_and_writes_nothing(steady, args, message):
    penalty(steady["facility"])
    with pytest.raises(CommandError, match=message):
        run("credit_recompute", *args)
    assert not CreditCase.objects.exists()


def test_the_monthly_run_computes_once_a_month(steady, var_dir):
    penalty(steady["facility"])
    out = run("credit_recompute", "--monthly")
    assert "1 cases opened" in out
    assert (var_dir / "credit_recompute.month").read_text().strip() == "2026-12"
    # The dispatcher calls it every minute: the rest of the month it only says so,
    # even when the file has changed.
    penalty(steady["other_facility"])
    out = run("credit_recompute", "--monthly")
    assert out.strip() == "this month's credit run is made (2026-12)"
    assert CreditCase.objects.count() == 1
    # The first dispatch of the next month computes.
    with time_machine.travel(date(2027, 1, 1), tick=True):
        out = run("credit_recompute", "--monthly")
    assert "1 cases opened" in out
    assert (var_dir / "credit_recompute.month").read_text().strip() == "2027-01"
    assert CreditCase.objects.count() == 2


def test_a_failed_monthly_run_is_tried_again(steady, var_dir, monkeypatch):
    from inspections.credit import services

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "credit_recompute", broken)
    with pytest.raises(RuntimeError, match="database gone"):
        run("credit_recompute", "--monthly")
    assert not (var_dir / "credit_recompute.month").exists()
    monkeypatch.undo()
    assert "facilities scored" in run("credit_recompute", "--monthly")


def test_the_dispatcher_runs_the_monthly_recompute():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / "scripts" / "serve.sh").read_text()
    assert "manage.py credit_recompute --monthly" in script


# ---------------------------------------------------------------- rules


def rules_file(tmp_path, text):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_rules_load_stores_a_new_version(db, tmp_path, admin_user):
    text = credit_rules.default_text().replace("base: 95", "base: 90")
    out = run("credit_rules_load", rules_file(tmp_path, text), "--note", "县局调整基础分")
    assert out.strip() == "credit rules version 1 loaded"
    out = run(
        "credit_rules_load",
        rules_file(tmp_path, credit_rules.default_text()),
        "--note",
        "恢复默认",
        "--user",
        admin_user.username,
    )
    assert out.strip() == "credit rules version 2 loaded"
    newest = RuleSet.objects.get(version=2)
    assert (newest.note, newest.created_by) == ("恢复默认", admin_user)
    assert RuleSet.objects.get(version=1).text == text
    assert credit_rules.current().base == 95


def test_rules_load_names_the_mistake_and_loads_nothing(db, tmp_path):
    text = credit_rules.default_text().replace("hazard_major: -10", "hazard_major: lots")
    path = rules_file(tmp_path, text)
    with pytest.raises(CommandError, match=r"weights\.hazard_major must be a number"):
        run("credit_rules_load", path, "--note", "试一试")
    assert not RuleSet.objects.exists()


@pytest.mark.parametrize(
    "content, note, message",
    [
        (None, "说明", "no file"),
        (b"\xff\xfe\x00bad", "说明", "not UTF-8 text"),
        (b"format: [", "说明", r"not valid YAML \(line"),
        ("DEFAULT", "  ", "Say what changed in the rules and why"),
    ],
)
def test_rules_load_refuses_bad_input(db, tmp_path, content, note, message):
    path = tmp_path / "rules.yaml"
    if content == "DEFAULT":
        path.write_text(credit_rules.default_text(), encoding="utf-8")
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run("credit_rules_load", str(path), "--note", note)
    assert not RuleSet.objects.exists()


def test_rules_load_needs_a_known_user(db, tmp_path):
    path = rules_file(tmp_path, credit_rules.default_text())
    with pytest.raises(CommandError, match="no user is called 'nobody'"):
        run("credit_rules_load", path, "--note", "说明", "--user", "nobody")
