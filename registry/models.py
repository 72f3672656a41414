"""The two directories (两库): supervised facilities and inspectors, plus the
people, regions and departments they rely on (the working-day calendar is in core)."""

import math

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core import limits
from core.audited import AuditedManager, AuditedUserManager

from .creditcode import validate_credit_code

division_code_validator = RegexValidator(
    r"^(\d{6}|\d{9}|\d{12})$",
    _("An administrative division code has 6 digits (9 or 12 for townships and below)."),
)


class Category(models.TextChoices):
    """What an inspector is qualified to check (检查类别)."""

    FIRE = "fire", _("Fire safety")
    FOOD = "food", _("Food safety")
    BUILDING = "building", _("Building safety")
    MEDICAL = "medical", _("Medical and health")
    SERVICE = "service", _("Service safety")


class Region(models.Model):
    code = models.CharField(
        _("division code"), max_length=12, unique=True, validators=[division_code_validator]
    )
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Codes of the region and its ancestors, "430000/430600/430602/", so that
    # "this region and everything below it" is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, db_index=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + self.code + "/"
        super().save(*args, **kwargs)

    @property
    def county_code(self):
        """The county-level code (first 6 digits) used in register numbers."""
        return self.code[:6]


class Department(models.Model):
    class Kind(models.TextChoices):
        CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
        FIRE_RESCUE = "fire_rescue", _("Fire rescue")
        MARKET = "market", _("Market regulation")
        HOUSING = "housing", _("Housing and construction")
        HEALTH = "health", _("Health")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self):
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        INSPECTOR = "inspector", _("Inspector")
        MANAGER = "manager", _("Facility manager")
        LEAD = "lead", _("Bureau lead")
        AUDITOR = "auditor", _("Auditor")
        ADMIN = "admin", _("Administrator")

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("regions"),
        blank=True,
        related_name="users",
        help_text=_("Inspectors, bureau leads and auditors see these regions and below."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = AuditedUserManager()
    # Regions, groups and permissions are recorded too: who was given (or lost) which
    # county or which power is part of the audit.
    history = HistoricalRecords(
        m2m_fields=[regions, "groups", "user_permissions"],
        excluded_fields=["password", "last_login"],
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    def save(self, *args, **kwargs):
        # A log-in only stamps last_login, which history excludes: record nothing.
        if set(kwargs.get("update_fields") or ()) == {"last_login"}:
            self.skip_history_when_saving = True
        try:
            super().save(*args, **kwargs)
        finally:
            self.__dict__.pop("skip_history_when_saving", None)

    @property
    def display_name(self):
        return self.full_name or self.username

    def has_role(self, *roles):
        return self.is_authenticated and (self.role in roles)


class GasSupply(models.TextChoices):
    PIPED = "piped", _("Piped gas")  # 管道燃气
    BOTTLED = "bottled", _("Bottled LPG")  # 瓶装液化气
    NONE = "none", _("No gas")


class Facility(models.Model):
    class Type(models.TextChoices):
        CARE_HOME = "care_home", _("Elderly-care institution")
        WELFARE_HOME = "welfare_home", _("Rural welfare home / support institution")
        COMMUNITY = "community", _("Community care station / day-care centre")
        RURAL_MUTUAL = "rural_mutual", _("Rural mutual-aid home")
        MEAL_POINT = "meal_point", _("Elderly meal point")
        MEDICAL_CARE = "medical_care", _("Combined medical and elderly care")

    class Ownership(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE = "private", _("Private")
        PUBLIC_PRIVATE = "public_private", _("Publicly built, privately run")

    class RiskClass(models.TextChoices):
        A = "A", _("A (low risk)")
        B = "B", _("B")
        C = "C", _("C")
        D = "D", _("D (high risk)")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
    )
    directory_no = models.CharField(
        _("directory number"), max_length=32, unique=True, editable=False
    )
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    ownership = models.CharField(
        _("ownership"), max_length=20, choices=Ownership.choices, default=Ownership.PRIVATE
    )
    filed = models.BooleanField(_("filed"), default=False)
    filed_on = models.DateField(_("filing date"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="facilities"
    )
    beds = models.PositiveIntegerField(_("beds"), default=0)
    has_canteen = models.BooleanField(_("has canteen"), default=False)
    has_clinic = models.BooleanField(_("has in-house clinic"), default=False)
    floors = models.PositiveSmallIntegerField(
        _("building floors"), default=1, validators=[MinValueValidator(1)]
    )
    # The attributes below decide which checklist items apply. Empty means "not
    # recorded", and an unrecorded attribute never hides an item (checklists.rules).
    capacity = models.PositiveIntegerField(
        _("resident capacity"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100000)],
        help_text=_("How many residents the buildings can hold (可容纳人数)."),
    )
    gas_supply = models.CharField(
        _("gas supply"), max_length=10, choices=GasSupply.choices, blank=True
    )
    lifts = models.PositiveSmallIntegerField(
        _("number of lifts"), null=True, blank=True, validators=[MaxValueValidator(500)]
    )
    has_boiler = models.BooleanField(_("has boilers"), null=True, blank=True)
    has_oxygen = models.BooleanField(
        _("has medical oxygen supply or piping"), null=True, blank=True
    )
    star_level = models.PositiveSmallIntegerField(
        _("star level"), default=0, validators=[MaxValueValidator(5)]
    )
    risk_class = models.CharField(
        _("credit/risk class"), max_length=1, choices=RiskClass.choices, default=RiskClass.B
    )
    responsible_person = models.CharField(_("responsible person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    managers = models.ManyToManyField(
        User,
        verbose_name=_("managers"),
        blank=True,
        related_name="managed_facilities",
        limit_choices_to={"role": User.Role.MANAGER},
    )
    active = models.BooleanField(_("active"), default=True)

    objects = AuditedManager()
    history = HistoricalRecords(m2m_fields=[managers])

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.directory_no:
            self.directory_no = self._next_directory_no()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("registry:facility_detail", args=[self.pk])

    @property
    def code(self):
        """The code the draw uses: the credit code, or the directory number without one."""
        return self.credit_code or self.directory_no

    def clean(self):
        if self.filed and not self.filed_on:
            raise ValidationError({"filed_on": _("A filed facility needs its filing date.")})
        if self.filed_on:
            try:
                limits.date_between(
                    self.filed_on,
                    label=_("filing date"),
                    earliest=limits.FILED_EARLIEST,
                    last=timezone.localdate(),
                )
            except ValidationError as error:
                raise ValidationError({"filed_on": error.messages}) from None
        if self.filed_on and not self.filed:
            self.filed = True

    def _next_directory_no(self):
        # Directory numbers are per county and never reused, so a facility without a
        # credit code still has a stable code for draws and the public record.
        prefix = f"{self.region.code[:6]}-"
        last = (
            Facility.objects.filter(directory_no__startswith=prefix)
            .order_by("-directory_no")
            .values_list("directory_no", flat=True)
            .first()
        )
        number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        return f"{prefix}{number:05d}"

    @cached_property
    def building_figures(self):
        """(largest, total) floor area of the buildings in whole m², rounded up; None
        for each when no building is recorded. A queryset annotated by
        ``with_building_figures`` answers without a query."""
        if hasattr(self, "_largest_building_area"):
            largest, total = self._largest_building_area, self._total_building_area
        elif self.pk is None:
            largest = total = None  # an unsaved facility has no buildings yet
        else:
            figures = self.buildings.aggregate(
                largest=models.Max("floor_area"), total=models.Sum("floor_area")
            )
            largest, total = figures["largest"], figures["total"]
        return (
            None if largest is None else math.ceil(largest),
            None if total is None else math.ceil(total),
        )

    @property
    def largest_building_area(self):
        return self.building_figures[0]

    @property
    def total_building_area(self):
        return self.building_figures[1]


def with_building_figures(queryset):
    """Facilities annotated with their buildings' largest and total floor area, so
    that applicability rules read them for many facilities in one query."""
    return queryset.annotate(
        _largest_building_area=models.Max("buildings__floor_area"),
        _total_building_area=models.Sum("buildings__floor_area"),
    )


class Building(models.Model):
    """One building of a facility: its floor area and capacity decide which fire rules
    apply (GB 50016 5.5.8 single-exit exception, 老年人照料设施 thresholds)."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="buildings"
    )
    name = models.CharField(_("name"), max_length=100)
    floors = models.PositiveSmallIntegerField(
        _("floors"), default=1, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    floor_area = models.DecimalField(
        _("floor area (m²)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(1), MaxValueValidator(10_000_000)],
    )
    capacity = models.PositiveIntegerField(
        _("resident capacity"), default=0, validators=[MaxValueValidator(100000)]
    )

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["facility", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="unique_building_name")
        ]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self):
        return f"{self.facility} · {self.name}"


class Licence(models.Model):
    """A licence or certificate the registry holds for a facility, with its expiry:
    the manager is reminded before it runs out (inspections.duties)."""

    class Kind(models.TextChoices):
        FOOD = "food", _("Food business licence")  # 食品经营许可证
        CLINIC = "clinic", _("Medical institution licence or filing")  # 医疗机构执业许可
        LIFT = "lift", _("Lift inspection certificate")  # 电梯定期检验
        BOILER = "boiler", _("Boiler or pressure vessel inspection")  # 锅炉/压力容器检验
        INSURANCE = "insurance", _("Liability insurance")  # 养老机构综合责任保险
        FIRE = "fire", _("Fire safety acceptance or filing")  # 消防验收/备案
        OTHER = "other", _("Other")

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="licences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=limits.NAME)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # A licence renewed or no longer held stays, inactive, for its history.
    active = models.BooleanField(_("active"), default=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["facility", "expires_on", "pk"]
        verbose_name = _("licence or certificate")
        verbose_name_plural = _("licences and certificates")

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def clean(self):
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValidationError({"expires_on": _("A licence cannot expire before it is issued.")})


class InspectorProfile(models.Model):
    user = models.OneToOneField(
        User,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="inspector_profile",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="inspectors",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="inspectors"
    )
    credential_no = models.CharField(_("enforcement credential number"), max_length=40, unique=True)
    categories = models.JSONField(_("qualified categories"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["region__code", "credential_no"]
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")

    def __str__(self):
        return f"{self.user.display_name} ({self.credential_no})"

    def get_absolute_url(self):
        return reverse("registry:inspector_detail", args=[self.pk])

    def clean(self):
        unknown = set(self.categories or []) - set(Category.values)
        if unknown:
            raise ValidationError(
                {"categories": _("Unknown category: %(c)s") % {"c": ", ".join(sorted(unknown))}}
            )

    def category_labels(self):
        labels = dict(Category.choices)
        return [labels.get(c, c) for c in self.categories]


class ConflictOfInterest(models.Model):
    """A facility an inspector must not inspect (回避), with the reason."""

    inspector = models.ForeignKey(
        InspectorProfile,
        verbose_name=_("inspector"),
        on_delete=models.CASCADE,
        related_name="conflicts",
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="conflicts"
    )
    reason = models.CharField(_("reason"), max_length=200)
    declared_on = models.DateField(_("declared on"), auto_now_add=True)

    objects = AuditedManager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspector", "facility"], name="unique_conflict")
        ]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")

    def __str__(self):
        return f"{self.inspector} ↛ {self.facility}: {self.reason}"
