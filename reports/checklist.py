"""What each type of report needs before it goes for approval, section by section.

The report page's task list (GOV.UK Frontend's task list component) and the checks made when
a report is submitted both read ``report_tasks``, so a section marked "Completed" never has
something demanded of it later, and a field a report type does not need is never asked for.

A section is "Not yet started" while nothing in it is written, "In progress" while something
it needs is missing, and "Completed" when nothing is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import DecisionReport

NOT_STARTED = "Not yet started"
IN_PROGRESS = "In progress"
COMPLETED = "Completed"


@dataclass(frozen=True)
class Task:
    key: str  # also the id of its row on the page
    name: str
    url_name: str
    hint: str
    started: bool
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.problems:
            return COMPLETED
        return IN_PROGRESS if self.started else NOT_STARTED


def _written(report: DecisionReport, *names: str) -> list[str]:
    return [name for name in names if str(getattr(report, name) or "").strip()]


def _label(name: str) -> str:
    return str(DecisionReport._meta.get_field(name).verbose_name)


# The narrative sections each type of report asks for; the first group must be written.
SECTIONS_NEEDED = ("executive_summary",)
SECTIONS_ASKED = {
    DecisionReport.Kind.RECOMMISSIONING: (
        "executive_summary",
        "recommendations",
        "context",
        "background",
        "background_papers",
    ),
}
SECTIONS_DEFAULT = (
    "executive_summary",
    "recommendations",
    "context",
    "achievements",
    "background",
    "contract_management",
    "background_papers",
)


def section_fields(report: DecisionReport) -> tuple[str, ...]:
    """The narrative sections the report's type asks for (a recommissioning is about a cycle,
    so it has no contract's achievements or contract management to write)."""
    return SECTIONS_ASKED.get(report.kind, SECTIONS_DEFAULT)


# The implications every report needs written, and those only some types need.
IMPLICATIONS_NEEDED = ("resources_and_risk", "legal_implications", "equalities_implications", "risk_implications")
IMPLICATIONS_OPTIONAL = ("policy_implications", "carbon_and_energy")


def implications_needed(report: DecisionReport) -> tuple[str, ...]:
    """Social value must be considered before procuring (Public Services (Social Value) Act 2012
    s.1(3)): a recommissioning report needs it; for the others it is optional."""
    if report.kind == DecisionReport.Kind.RECOMMISSIONING:
        return (*IMPLICATIONS_NEEDED, "social_value")
    return IMPLICATIONS_NEEDED


def details_needed(report: DecisionReport) -> tuple[str, ...]:
    """A delegated officer decision has no Cabinet member to name."""
    if report.decision_route == DecisionReport.Route.OFFICER:
        return ("sponsor", "author")
    return ("responsible_member", "sponsor", "author")


def report_tasks(report: DecisionReport, facts) -> list[Task]:
    """The report's sections in the order it is written, each with what it still needs."""
    details = []
    if not report.meeting_date:
        details.append("Enter the meeting or decision date")
    details += [f"Enter the {_label(name)}" for name in details_needed(report) if not getattr(report, name).strip()]

    sections = []
    if not report.executive_summary.strip():
        sections.append("Write the executive summary")
    if not facts.recommendations:
        sections.append("Write at least one recommendation")

    recommissioning = report.kind == DecisionReport.Kind.RECOMMISSIONING
    options = []
    if len([o for o in facts.options if o.is_recommended]) != 1:
        options.append(
            "Choose the route the report recommends" if recommissioning else "Choose the option the report recommends"
        )
    for option in facts.options:
        if not option.description.strip():
            options.append(f"Describe option {option.number}: {option.heading[0].lower() + option.heading[1:]}")
    options_started = any(
        o.description.strip() or o.benefits.strip() or o.risks.strip() or o.is_recommended for o in facts.options
    )

    implications = [
        f"Write the {_label(name)} implications"
        for name in implications_needed(report)
        if not getattr(report, name).strip()
    ]
    if bool(report.eia_reference.strip()) != bool(report.eia_date):
        implications.append(
            "Enter the date of the equality impact assessment"
            if report.eia_reference.strip()
            else "Enter the reference of the equality impact assessment"
        )
    implications_started = bool(
        _written(report, *IMPLICATIONS_NEEDED, *IMPLICATIONS_OPTIONAL, "social_value", "eia_reference")
    )

    return [
        Task(
            "details",
            "Report details",
            "reports:edit",
            "What it is about, the meeting and who it is from",
            True,
            details,
        ),
        Task(
            "sections",
            "Executive summary and sections",
            "reports:edit-sections",
            ", ".join(_label(name) for name in section_fields(report)).capitalize(),
            bool(_written(report, *section_fields(report))),
            sections,
        ),
        Task(
            "options",
            "Procurement route appraisal" if recommissioning else "Options appraisal",
            "reports:edit-options",
            "Each route to buy the service, and the one recommended"
            if recommissioning
            else "Each option, its benefits and risks, and the one recommended",
            options_started,
            options,
        ),
        Task(
            "implications",
            "Implications",
            "reports:edit-implications",
            "Financial, legal, equalities, risk, carbon and social value",
            implications_started,
            implications,
        ),
    ]


def submission_problems(report: DecisionReport, facts) -> list[str]:
    """Everything the task list still asks for, then where the figures disagree with each other."""
    problems = [problem for task in report_tasks(report, facts) for problem in task.problems]
    problems.extend(warning for warning in facts.warnings if not warning.startswith("No monitoring returns"))
    return problems
