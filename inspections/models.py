"""The models of the supervision domain. Each sub-domain keeps its own in its package
(planning/, onsite/, hazards/, publication/); this module is the list Django loads.
Numbered series and notifications, which every app uses, are in core.models."""

from inspections.complaints.models import (  # noqa: F401  (the list Django loads)
    Complaint,
    ComplaintAlarm,
    ComplaintPhoto,
)
from inspections.credit.models import (  # noqa: F401  (the list Django loads)
    CollectMark,
    CreditCase,
    CreditEvent,
    CreditList,
    ListEntry,
    RuleSet,
)
from inspections.duties.models import (  # noqa: F401  (the list Django loads)
    Duty,
    DutyLog,
    DutyRule,
    Incident,
    IncidentReport,
    LicenceAlarm,
)
from inspections.enforcement.models import (  # noqa: F401  (the list Django loads)
    ControlOrder,
    Determination,
    EnforcementCase,
    Escalation,
    Interview,
    LevelAction,
    MajorCriterion,
    Penalty,
    Transfer,
    TransferReminder,
)
from inspections.hazards.models import (  # noqa: F401  (the list Django loads)
    Extension,
    Hazard,
    HazardAlarm,
    Rectification,
    RectificationNotice,
    Supervision,
    SupervisionNote,
)
from inspections.onsite.models import (  # noqa: F401
    CAMERA_CLOCK_SLACK,
    Answer,
    EvidenceAccess,
    Inspection,
    InspectionChecklist,
    Photo,
    PhotoUpload,
    Recheck,
    StoredResponse,
    TeamMember,
    answer_key,
    evidence_storage,  # named by migrations
)
from inspections.planning.models import (  # noqa: F401
    DEFAULT_RATIOS,
    Draw,
    DrawQuerySet,
    Plan,
    PlanDepartment,
    PlanTemplate,
)
from inspections.publication.models import (  # noqa: F401
    IssuedDocument,
    Publication,
    PublicationVersion,
)
