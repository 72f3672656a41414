from django.core.management import call_command

from audit.models import ChangeLog
from registry.models import ConflictOfInterest, Department, Facility, InspectorProfile, User
from tests import demo_county


def test_seed_demo_builds_the_demo_county_and_is_idempotent(db, request):
    demo_county.load(request)  # built by seed_demo once a run, then restored
    county = Facility.objects.filter(region__path__startswith="430000/430600/430602/")
    assert county.count() >= 40
    assert set(county.values_list("risk_class", flat=True)) == {"A", "B", "C", "D"}
    assert len(set(county.values_list("type", flat=True))) == len(Facility.Type.values)
    assert len(set(county.values_list("star_level", flat=True))) >= 4
    assert county.filter(filed=False).exists()
    assert InspectorProfile.objects.filter(region__code="430602").count() >= 12
    departments = Department.objects.filter(inspectors__isnull=False).distinct()
    assert departments.count() >= 3
    assert ConflictOfInterest.objects.exists()
    for username, role in [
        ("demo-admin", User.Role.ADMIN),
        ("demo-lead", User.Role.LEAD),
        ("demo-inspector", User.Role.INSPECTOR),
        ("demo-inspector2", User.Role.INSPECTOR),
        ("demo-manager", User.Role.MANAGER),
        ("demo-auditor", User.Role.AUDITOR),
    ]:
        user = User.objects.get(username=username)
        assert user.role == role
        assert user.check_password("Demo-2026!")
    assert User.objects.get(username="demo-manager").managed_facilities.count() == 1
    # Only the log-ins the README lists can log in; the other inspectors have no password.
    others = User.objects.filter(role=User.Role.INSPECTOR).exclude(
        username__in=["demo-inspector", "demo-inspector2"]
    )
    assert others.count() == 12
    assert not any(user.has_usable_password() for user in others)

    counts = ChangeLog.objects.count(), Facility.history.count(), User.history.count()
    call_command("seed_demo")
    assert (ChangeLog.objects.count(), Facility.history.count(), User.history.count()) == counts


def test_demo_log_ins_work(db, client, request):
    demo_county.load(request)
    response = client.post(
        "/accounts/login/", {"username": "demo-lead", "password": "Demo-2026!"}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"].username == "demo-lead"
    assert "岳阳楼区" in response.content.decode()


def test_the_demo_has_inspections_in_every_stage(db, request):
    from inspections.hazards.models import Hazard
    from inspections.onsite.models import Inspection, Photo

    demo_county.load(request)
    finished = Inspection.objects.filter(status="finished")
    official = finished.exclude(kind="self")
    assert official.count() >= 2 and set(official.values_list("result", flat=True)) >= {"pass"}
    assert Photo.objects.filter(inspection__in=official).exists()
    assert Hazard.objects.filter(inspection__in=official, corrected_on_spot=True).exists()
    assert Hazard.objects.filter(inspection__in=official, status="registered").exists()
    assert Inspection.objects.filter(status="in_progress").count() == 1
    own = finished.get(kind="self")
    assert own.facility.managers.filter(username="demo-manager").exists()
    waiting = Inspection.objects.get(kind="case", status="scheduled")
    assert waiting.unannounced and waiting.team.count() == 2
    # 一公开: published (one corrected), withdrawn, awaiting review, past the limit.
    from django.utils import timezone

    from inspections.publication.models import Publication

    publications = Publication.objects.all()
    corrected = publications.get(status="published")
    assert corrected.versions.count() == 2 and corrected.current.reason
    withdrawn = publications.get(status="withdrawn")
    assert withdrawn.withdrawn_reason and withdrawn.current
    waiting = publications.filter(status="pending")
    assert waiting.filter(due_on__gte=timezone.localdate()).exists()
    assert waiting.filter(due_on__lt=timezone.localdate()).exists()
