"""Labels the inspection, finding and notice pages share."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from core.sharing.views import category_label
from core.supervision import services as supervision

INSPECTION_STATE_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "reported": _l("Reported"),
    "closed": _l("Closed"),
}
FINDING_STATE_LABELS = {
    "open": _l("Rectifying"),
    "completion_reported": _l("Awaiting verification"),
    "closed": _l("Verified and closed"),
    "overdue": _l("Overdue"),
}
#: Board filter choices: the stored states plus computed ones.
FINDING_FILTER_LABELS = {"not_closed": _l("Not closed"), **FINDING_STATE_LABELS}
SEVERITY_LABELS = {"general": _l("General"), "serious": _l("Serious"), "major": _l("Major")}
ANSWER_LABELS = {"yes": _l("Yes"), "no": _l("No"), "na": _l("Not applicable")}
EVENT_LABELS = {
    "assigned": _l("Assigned"),
    "progress": _l("Progress"),
    "completion": _l("Completion reported"),
    "rejected": _l("Not accepted"),
    "verified": _l("Verified and closed"),
    "supervised": _l("Listed for supervision"),
    "edited": _l("Edited"),
}


def labels() -> dict[str, Any]:
    return {"inspection_states": INSPECTION_STATE_LABELS, "finding_states": FINDING_STATE_LABELS,
            "severities": SEVERITY_LABELS, "answer_labels": ANSWER_LABELS,
            "event_labels": EVENT_LABELS,
            "category_label": category_label, "entry_kinds": supervision.KIND_LABELS}
