"""Demo data: the facts of the seed documents, loaded so a new user's first screen is real.

``load`` calls each part in ``PARTS`` in order inside one transaction. A later feature adds
its demo records by writing one more part (a function taking the ``Demo`` context) and
appending it to ``PARTS``; the parts before it have filled ``demo.users``, ``demo.teams``,
``demo.organisations`` and ``demo.contracts`` for it to use.

Every record is found by its natural key (username, team name, PPON identifier or
organisation name, contract reference) and created only if it is missing. A record that is
already there is left exactly as it is, even if it differs from the seeds: ``make run`` loads
the demo on every start, and an officer trying the tracker out must not see their edits undone.
The one exception is a demo user's password, which is reset if it no longer matches, so that
the password printed at the end always signs in.

Contracts and options are written through ``contracts.services`` like any officer's change,
so their history rows say "Demo data" and the end dates are computed, never typed. The
history user is left empty: no person made these changes.

Sources (``/work/shared/seeds`` and ``/work/shared/data/ocds``): the Milton Keynes UK2 notice
for "Domestic Abuse Support Services in Milton Keynes" (ocds-h6vhtk-05a7b0), the Cleveland
OPCC UK2 notice "Victim Support & Restorative Practice" (ocds-h6vhtk-06a838), the 2017
Cabinet report extending ASC0013, the MK Together Domestic Abuse Strategy 2025-2028 and a
November 2019 news report on the partnership contract.

Assumptions, where the seeds give no exact date, value or name (each record that rests on
one says so in its "Sources" section, never in its description: the demo should read like a
council's own records, issue 25):

1. ASC0013's extension decision date: the Cabinet report gives none. 14 March 2017 (a
   Tuesday, before the 31 August 2017 expiry) stands in for the meeting that approved it.
2. The Strategic Partnership Framework starts on 1 March 2020. The seeds give only the
   decision (Tuesday 19 November 2019); the news report says MK ACT's contract was then
   "coming to an end next year", so some arrangement the seeds do not describe bridged the
   gap after ASC0013's 31 August 2019 end. That bridge is not recorded.
3. The framework runs one 84-month term with no options, ending 28 February 2027, the day
   before the new contract starts; the notice says only that it "ends in early 2027".
4. The framework's annual value is the news headline's £550,000; the article does not say
   whether that figure is annual or for the whole term.
5. The framework's provider is not named in the seeds ("the council is not revealing the name
   of the winning organisation"): it is recorded as "Milton Keynes Domestic Abuse Partnership",
   and the framework's sources say the name is not the seeds'.
6. The framework's three services run for the framework's term; the seeds give no separate
   dates or values.
7. The New Burdens Grant projects (co-located IDVA posts, survivors' counselling) sit under
   the framework, are delivered by its provider and run two years from 1 March 2025 to
   28 February 2027. The notice says only that they are fixed-term and commissioned "in
   addition" via the grant.
8. The framework, its services and the 2027 contract are funded from the council's core
   budget, as ASC0013 was ("contained within the current revenue budget").
9. The 2027 contract's two years between the end of its initial term (29 February 2032) and
   its maximum extent (28 February 2034) are two 12-month options; the notice says only that
   it has renewals.
10. Cleveland's current contracts: the notice says the OPCC has commissioned a local victim
    support service since April 2016 and that the current contracts are "separate and both
    conclude on 31st March 2027". They are recorded as a victim support contract and a
    restorative practice contract (inferred from the new contract's title), each one term
    from 1 April 2016 to 31 March 2027 with no options or values; earlier contracts and
    extensions in between are not in the seeds. Their providers are not named.

11. The 2027 Milton Keynes cycle replaces every service under the framework, the New Burdens
    Grant projects included; the notice says only that the council will review the domestic
    abuse support services it commissions.
12. The Milton Keynes provider event is recorded on Monday 16 March 2026, all day: the notice
    gives only "w/c 16th March 2026".
13.-14. The services the contracts cover, and one illustrated gap in cover in Cleveland's data:
    see ``commissioning.demo_cover``.

Where the seeds disagree about a date (the market engagement deadline, the Cleveland event
time, the Cleveland contract start), the milestone carries a conflict note saying what each
source says and which one it follows.

Not assumptions but worth knowing: no charity, company or PPON number is invented (MK ACT's
charity number is left blank); the Cleveland notice does not declare the light-touch regime
(its OCDS has no ``specialRegime``), so that contract is not marked light touch; refuge
addresses are confidential and never recorded.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import models, transaction

from commissioning.demo_cover import load_illustrated_gap, load_services
from commissioning.models import CommissioningCycle, Milestone, Stage
from commissioning.services import cycle_save, milestone_create
from common import history

from . import roles
from .models import Contract, FundingSource, Organisation, ServiceCategory, Team
from .services import contract_save, option_add, option_exercise

REASON = "Demo data: loaded from the seed documents"
PASSWORD_FILE_NAME = "demo-password.txt"
SIGN_IN_URL = "http://127.0.0.1:8000/"


class DemoRefused(Exception):
    """The demo must not be loaded here."""


@dataclass
class Demo:
    """What the parts share: the records loaded so far, by short key, and what was created."""

    password: str
    users: dict[str, AbstractBaseUser] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    already_present: int = 0


# --- the password -------------------------------------------------------------------------


def password_file() -> Path:
    return Path(settings.VAR_DIR) / PASSWORD_FILE_NAME


def demo_password() -> str:
    """DEMO_PASSWORD if set, else the password kept in var/, made on the first run.

    Keeping it in a file means every run prints the same password, so the one a developer
    noted down yesterday still works.
    """
    from_environment = os.environ.get("DEMO_PASSWORD", "").strip()
    if from_environment:
        return from_environment
    path = password_file()
    if path.exists():
        kept = path.read_text().strip()
        if kept:
            return kept
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Readable by its owner only, from the moment it exists.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        file.write(password + "\n")
    return password


# --- helpers ------------------------------------------------------------------------------


def _get_or_create(demo: Demo, model: type[models.Model], *, lookup: dict, values: dict) -> models.Model:
    """The record with ``lookup``, created with ``values`` if it is missing (never updated)."""
    existing = model._default_manager.filter(**lookup).first()
    if existing is not None:
        demo.already_present += 1
        return existing
    record = model(**lookup, **values)
    record.full_clean()
    history.record(record, officer=None, reason=REASON)
    record.save()
    demo.created.append(f"{model._meta.verbose_name} {record}")
    return record


# Paragraphs that say where a record's facts come from or what was assumed: they go to its
# "Sources" section, so that its description reads as the council's own (issue 25).
SOURCE_PARAGRAPHS = ("Assumption", "Find a Tender", "The report is inconsistent")


def _with_sources(fields: dict) -> dict:
    """``fields`` with the source and assumption paragraphs of its description moved to ``sources``."""
    paragraphs = fields.get("description", "").split("\n\n")
    kept = [p for p in paragraphs if not p.startswith(SOURCE_PARAGRAPHS)]
    moved = [p for p in paragraphs if p.startswith(SOURCE_PARAGRAPHS)]
    if not moved:
        return fields
    return {
        **fields,
        "description": "\n\n".join(kept),
        "sources": "\n\n".join([*moved, fields.get("sources", "")]).strip(),
    }


@dataclass(frozen=True)
class Option:
    months: int
    value: Decimal | None = None


def _contract(demo: Demo, key: str, *, reference: str, options: Sequence[Option] = (), **fields) -> Contract:
    """The contract with ``reference``, created with its options through the services if missing.

    Options are only added to a contract this run creates: on one that already exists they
    are the officers' to change.
    """
    contract = Contract.objects.filter(reference=reference).first()
    if contract is not None:
        demo.already_present += 1
    else:
        contract = contract_save(
            contract=Contract(reference=reference, **_with_sources(fields)), officer=None, reason=REASON
        )
        for option in options:
            option_add(
                contract=contract,
                length_months=option.months,
                value=option.value,
                officer=None,
                reason=REASON,
            )
        demo.created.append(f"contract {contract}")
    demo.contracts[key] = contract
    return contract


# --- the parts ----------------------------------------------------------------------------

# One demo officer per role; the username is the role so the sign-in line is easy to follow.
DEMO_USERS = {
    roles.VIEWER: ("Sam", "Taylor"),
    roles.OFFICER: ("Priya", "Shah"),
    roles.MANAGER: ("Joanne", "Clarke"),
    roles.ADMIN: ("Alex", "Morgan"),
}


def load_users(demo: Demo) -> None:
    user_model = get_user_model()
    for role, (first_name, last_name) in DEMO_USERS.items():
        user = user_model.objects.filter(username=role).first()
        if user is None:
            user = user_model(
                username=role,
                first_name=first_name,
                last_name=last_name,
                email=f"{first_name}.{last_name}@example.org".lower(),
                is_staff=role == roles.ADMIN,
                is_superuser=role == roles.ADMIN,
            )
            user.set_password(demo.password)
            user.save()
            demo.created.append(f"user {role}")
        else:
            demo.already_present += 1
            # The printed password must sign in, even after DEMO_PASSWORD changed.
            if not user.check_password(demo.password):
                user.set_password(demo.password)
                user.save(update_fields=["password"])
        # The groups come from a migration (contracts.roles): a missing one is an error.
        # Adding a group writes a history row even when it changes nothing: add only if missing.
        group = Group.objects.get(name=role)
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
        demo.users[role] = user


def load_teams(demo: Demo) -> None:
    demo.teams["mk"] = _get_or_create(
        demo,
        Team,
        lookup={"name": "Domestic abuse commissioning team"},
        values={"shared_mailbox": "domestic.abuse.commissioning@example.org"},
    )
    demo.teams["cleveland"] = _get_or_create(
        demo,
        Team,
        lookup={"name": "Cleveland OPCC commissioning team"},
        values={"shared_mailbox": "cleveland.opcc.commissioning@example.org"},
    )


def load_team_members(demo: Demo) -> None:
    """The demo's viewer, officer and manager work in the Milton Keynes team; the admin sees all.

    The manager is the team's manager, so reminders escalate to them. Cleveland's team has no
    members: signed in as the officer, its records are out of sight, as another team's are.
    """
    team = demo.teams["mk"]
    present = set(team.members.values_list("pk", flat=True))
    missing = [
        demo.users[role] for role in (roles.VIEWER, roles.OFFICER, roles.MANAGER) if demo.users[role].pk not in present
    ]
    if missing:  # adding members writes a history row even when nothing changes
        team.members.add(*missing)
    if team.manager_id is None:
        team.manager = demo.users[roles.MANAGER]
        team.save(update_fields=["manager"])


def load_organisations(demo: Demo) -> None:
    buyer, provider = Organisation.Role.BUYER, Organisation.Role.PROVIDER
    demo.organisations["mkcc"] = _get_or_create(
        demo,
        Organisation,
        lookup={"ppon_id": "PLDZ-6131-PWZH"},
        values={"name": "Milton Keynes City Council", "role": buyer},
    )
    demo.organisations["cleveland_opcc"] = _get_or_create(
        demo,
        Organisation,
        lookup={"ppon_id": "PWRJ-9675-VWVL"},
        values={"name": "The Office of the Police and Crime Commissioner for Cleveland", "role": buyer},
    )
    # The seeds give no charity or company numbers: they stay blank rather than invented.
    demo.organisations["mk_act"] = _get_or_create(
        demo, Organisation, lookup={"name": "MK ACT"}, values={"role": provider, "is_vcse": True}
    )
    demo.organisations["mk_partnership"] = _get_or_create(
        demo,
        Organisation,
        lookup={"name": "Milton Keynes Domestic Abuse Partnership"},
        values={"role": provider},
    )
    demo.organisations["cleveland_victim_support"] = _get_or_create(
        demo,
        Organisation,
        lookup={"name": "Cleveland Victim Support Service"},
        values={"role": provider},
    )
    demo.organisations["cleveland_restorative_practice"] = _get_or_create(
        demo,
        Organisation,
        lookup={"name": "Cleveland Restorative Practice Service"},
        values={"role": provider},
    )


ASC0013_DECISION_DATE = date(2017, 3, 14)  # assumption 1


def load_asc0013(demo: Demo) -> None:
    """MK ACT's 2014 contract, with its two-year extension exercised as Cabinet decided in 2017."""
    contract = _contract(
        demo,
        "asc0013",
        reference="ASC0013",
        title="Comprehensive support services for victims of domestic abuse",
        description=(
            "Prevention, crisis intervention and refuge provision for victims of domestic abuse, "
            "provided by MK ACT: information, advice and crisis intervention (One Stop); "
            "confidential refuge provision for 28 women and any accompanying children; and a "
            "programme for perpetrators to address their behaviour while supporting their "
            "partners (Fresh Start). Awarded by Procurement and Commissioning on 1 July 2014 for "
            "three years from 1 September 2014 with the option to extend for up to two further "
            "years. Cabinet approved a two-year extension to 31/08/19 worth £1,049,988 on the "
            "grounds of satisfactory performance and the small number of specialist providers "
            "(nine expressions of interest and two full tenders in 2014).\n\n"
            "Quality assurance visits in year 2 (2016): refuge 83% then 90% after the action plan; "
            "crisis intervention (One Stop) 87% then 94%; perpetrator programme (Fresh Start) 83% "
            "then 94%. Governance: quarterly monitoring, KPIs and contract meetings, an annual "
            "quality assessment.\n\n"
            "The report is inconsistent: its recommendation says 'until 1 July 2019' beside the "
            "31/08/19 expiry, and its background dates the award 1 July 2017. The end date here "
            "is computed from the start and term.\n\n"
            f"Assumption: the report gives no decision date; {ASC0013_DECISION_DATE:%-d %B %Y} "
            "stands in for the Cabinet meeting that approved the extension."
        ),
        service_category=ServiceCategory.COMBINED,
        buyer=demo.organisations["mkcc"],
        provider=demo.organisations["mk_act"],
        team=demo.teams["mk"],
        lead_officer=demo.users[roles.OFFICER],
        funding_source=FundingSource.CORE_BUDGET,
        funding_detail="Council revenue budget",
        annual_value=Decimal("524994"),
        total_value=Decimal("2624970"),  # three years at £524,994 plus the £1,049,988 extension
        start_date=date(2014, 9, 1),
        initial_term_months=36,
        max_extent_date=date(2019, 8, 31),  # three years plus "up to two further years"
        procurement_route=Contract.ProcurementRoute.PUBLISHED_TENDER,  # "two full tenders in 2014"
        options=[Option(24, Decimal("1049988"))],
    )
    option = contract.options.filter(sequence=1).first()
    # Only an open option is exercised, so a second run (or an officer's own decision) stands.
    if option is not None and option.is_open:
        option_exercise(
            option=option,
            officer=None,
            decision_date=ASC0013_DECISION_DATE,
            decision_reference=(
                "Cabinet report: Extension of contract – comprehensive support services for "
                "victims of domestic abuse (ref ASC0013); decision date assumed"
            ),
            reason="Demo data: two-year extension to 31 August 2019",
            # The contract has long expired; exercise it as on the day of the decision.
            today=ASC0013_DECISION_DATE,
        )
        contract.refresh_from_db()


FRAMEWORK_START = date(2020, 3, 1)  # assumption 2
FRAMEWORK_MONTHS = 84  # assumption 3: ends 28 February 2027
GRANT_PROJECTS_START = date(2025, 3, 1)  # assumption 7
GRANT_PROJECTS_MONTHS = 24


def load_mk_framework(demo: Demo) -> None:
    """The Strategic Partnership Framework that ends in early 2027, and the services under it."""
    mk = {
        "buyer": demo.organisations["mkcc"],
        "provider": demo.organisations["mk_partnership"],
        "team": demo.teams["mk"],
        "lead_officer": demo.users[roles.OFFICER],
    }
    framework = _contract(
        demo,
        "mk_framework",
        reference="MK-SPF-2020",
        kind=Contract.Kind.FRAMEWORK,
        title="Domestic Abuse Strategic Partnership Framework",
        description=(
            "Milton Keynes' core domestic abuse services, brought together under a partnership "
            "of organisations after the decision of Tuesday 19 November 2019 replaced MK ACT's "
            "contract (ASC0013). Under it: the Crisis Intervention (IDVA) Service, the Refuge and "
            "the Perpetrator Programme, and fixed-term projects funded by the Domestic Abuse New "
            "Burdens Grant. The February 2026 market engagement notice says it ends in early "
            "2027; Domestic Abuse Support Services in Milton Keynes (MK-DASS-2027) replaces it "
            "from 1 March 2027.\n\n"
            "Assumptions: starts 1 March 2020 (the seeds give only the November 2019 decision); "
            "one 84-month term with no options, ending 28 February 2027, the day before the new "
            "contract starts; the annual value is the news report's £550,000 headline figure, "
            "which it does not say is annual; funded from the core budget as ASC0013 was; the "
            "provider is not named in the seeds."
        ),
        service_category=ServiceCategory.COMBINED,
        funding_source=FundingSource.CORE_BUDGET,
        annual_value=Decimal("550000"),
        start_date=FRAMEWORK_START,
        initial_term_months=FRAMEWORK_MONTHS,
        max_extent_date=date(2027, 2, 28),
        **mk,
    )
    service_assumption = (
        "\n\nAssumption: runs for the framework's term, 1 March 2020 to 28 February 2027, and is "
        "delivered by the framework's provider; the seeds give no separate dates or value."
    )
    services = [
        (
            "mk_idva",
            "MK-SPF-IDVA",
            "Crisis Intervention (IDVA) Service",
            ServiceCategory.CRISIS_INTERVENTION,
            "Provides advice, information, risk assessment and safety and support planning to "
            "survivors of domestic abuse.",
        ),
        (
            "mk_refuge",
            "MK-SPF-REFUGE",
            "Refuge",
            ServiceCategory.REFUGE,
            "Provides 28 self-contained flats with on-site support for women only, with or "
            "without children, and up to 40 children at any one time. Emotional and practical "
            "support; group work, peer support and a Children and Young People's service on "
            "site. Also wrap-around support to survivors placed in temporary accommodation "
            "where refuge may not be available or appropriate (for example male survivors), "
            "and resettlement and outreach workers. The refuge's address is confidential and is "
            "not recorded here.",
        ),
        (
            "mk_perpetrator",
            "MK-SPF-PERP",
            "Perpetrator Programme",
            ServiceCategory.PERPETRATOR_PROGRAMME,
            "A programme of evidence-based group work and one-to-one sessions intended to "
            "challenge the behaviour of perpetrators of domestic abuse, while providing support "
            "to partners and ex-partners.",
        ),
    ]
    for key, reference, title, category, description in services:
        _contract(
            demo,
            key,
            reference=reference,
            title=title,
            description=description,
            sources=service_assumption.strip(),
            service_category=category,
            parent=framework,
            funding_source=FundingSource.CORE_BUDGET,
            start_date=FRAMEWORK_START,
            initial_term_months=FRAMEWORK_MONTHS,
            max_extent_date=date(2027, 2, 28),
            **mk,
        )

    grant_assumption = (
        "\n\nAssumption: sits under the framework and is delivered by its provider, for a "
        "fixed two-year term from 1 March 2025 to 28 February 2027; the notice says only that "
        "these fixed-term projects are commissioned in addition, via the grant, and gives no "
        "dates or value."
    )
    grant_projects = [
        (
            "mk_grant_idva",
            "MK-NBG-IDVA",
            "Co-located IDVA posts",
            ServiceCategory.CRISIS_INTERVENTION,
            "Specialist domestic abuse practitioners co-located in Housing, Social Care and Milton "
            "Keynes University Hospital (Domestic Abuse Strategy 2025-2028), a fixed-term project "
            "funded by the Domestic Abuse New Burdens Grant.",
        ),
        (
            "mk_grant_counselling",
            "MK-NBG-COUNSELLING",
            "Survivors' counselling project",
            ServiceCategory.COUNSELLING,
            "Counselling for survivors of domestic abuse, a fixed-term project funded by the "
            "Domestic Abuse New Burdens Grant.",
        ),
    ]
    for key, reference, title, category, description in grant_projects:
        _contract(
            demo,
            key,
            reference=reference,
            title=title,
            description=description,
            sources=grant_assumption.strip(),
            service_category=category,
            parent=framework,
            funding_source=FundingSource.GRANT,
            funding_detail="Domestic Abuse New Burdens Grant",
            start_date=GRANT_PROJECTS_START,
            initial_term_months=GRANT_PROJECTS_MONTHS,
            max_extent_date=date(2027, 2, 28),
            **mk,
        )


def load_mk_2027(demo: Demo) -> None:
    """The contract being procured to replace the framework from 1 March 2027."""
    _contract(
        demo,
        "mk_2027",
        reference="MK-DASS-2027",
        title="Domestic Abuse Support Services in Milton Keynes",
        description=(
            "Strategic recommissioning of general and specialist support for residents affected "
            "by domestic abuse: the core services now under the Strategic Partnership Framework "
            "(crisis intervention (IDVA), the 28-flat refuge with up to 40 children, the "
            "perpetrator programme) and support in the wider community, commissioned in an "
            "inclusive, culturally sensitive and innovative way with stakeholders, providers and "
            "residents with lived experience. Suitable for SMEs and VCSEs; light-touch regime.\n\n"
            "Find a Tender: UK1 pipeline notice 062060-2025 (3 October 2025); UK2 preliminary "
            "market engagement notice 017566-2026 (26 February 2026). Market engagement "
            "responses were due by 12 noon on Thursday 12 March 2026 via In-Tend (the notice's "
            "date field says 11:59pm that day); a provider event was planned for the week "
            "commencing 16 March 2026; the next notice was expected on 6 July 2026.\n\n"
            "Assumptions: the two years between the end of the initial term and the maximum "
            "extent are recorded as two 12-month options (the notice says only that the contract "
            "has renewals); funded from the core budget."
        ),
        service_category=ServiceCategory.COMBINED,
        buyer=demo.organisations["mkcc"],
        provider=None,
        team=demo.teams["mk"],
        lead_officer=demo.users[roles.OFFICER],
        funding_source=FundingSource.CORE_BUDGET,
        total_value=Decimal("4400000"),
        start_date=date(2027, 3, 1),
        initial_term_months=60,
        max_extent_date=date(2034, 2, 28),
        is_light_touch=True,
        ocid="ocds-h6vhtk-05a7b0",
        options=[Option(12), Option(12)],
    )


CLEVELAND_CURRENT_START = date(2016, 4, 1)
CLEVELAND_CURRENT_MONTHS = 132  # assumption 10: 1 April 2016 to 31 March 2027


def load_cleveland(demo: Demo) -> None:
    """Cleveland OPCC's two current contracts ending 31 March 2027 and the one replacing them."""
    cleveland = {
        "buyer": demo.organisations["cleveland_opcc"],
        "team": demo.teams["cleveland"],
        "funding_source": FundingSource.OPCC,
    }
    _contract(
        demo,
        "cleveland_victim_support",
        reference="CLE-VS-2016",
        title="Local victim support service",
        description=(
            "Support for victims of crime other than sexual and domestic abuse (for which "
            "separate specialist services are commissioned), commissioned by the Office of the "
            "Police and Crime Commissioner for Cleveland since April 2016. The OPCC's June 2026 "
            "market engagement notice says the current contracts are separate and both conclude "
            "on 31 March 2027; Victim Support & Restorative Practice (CLE-VSRP-2027) replaces "
            "them.\n\n"
            "Assumptions: one term from 1 April 2016 to 31 March 2027 with no options (the seeds "
            "give no earlier contracts, extensions or value); the provider is not named in the "
            "seeds."
        ),
        service_category=ServiceCategory.VICTIM_SUPPORT,
        provider=demo.organisations["cleveland_victim_support"],
        start_date=CLEVELAND_CURRENT_START,
        initial_term_months=CLEVELAND_CURRENT_MONTHS,
        max_extent_date=date(2027, 3, 31),
        **cleveland,
    )
    _contract(
        demo,
        "cleveland_restorative_practice",
        reference="CLE-RP-2016",
        title="Restorative practice service",
        description=(
            "Restorative practice for victims across Cleveland, commissioned by the Office of "
            "the Police and Crime Commissioner for Cleveland; ends 31 March 2027 and is replaced "
            "by Victim Support & Restorative Practice (CLE-VSRP-2027).\n\n"
            "Assumptions: the notice says only that the current contracts are separate and both "
            "conclude on 31 March 2027; that the second one is restorative practice is inferred "
            "from the new contract's title. One term from 1 April 2016, like the victim support "
            "service, with no options or value; the provider is not named in the seeds."
        ),
        service_category=ServiceCategory.OTHER,
        provider=demo.organisations["cleveland_restorative_practice"],
        start_date=CLEVELAND_CURRENT_START,
        initial_term_months=CLEVELAND_CURRENT_MONTHS,
        max_extent_date=date(2027, 3, 31),
        **cleveland,
    )
    _contract(
        demo,
        "cleveland_2027",
        reference="CLE-VSRP-2027",
        title="Victim Support & Restorative Practice",
        description=(
            "One contract for the services now under CLE-VS-2016 and CLE-RP-2016, to cover the "
            "current and future needs of victims across Cleveland; OPCC for Cleveland with "
            "Cleveland Police. Suitable for SMEs and VCSEs.\n\n"
            "Find a Tender tender CPC-0002293: UK2 preliminary market engagement notices "
            "050544-2026 (28 May 2026), 051402-2026 (1 June 2026, event times added) and "
            "051890-2026 (2 June 2026: 'the initial term of the contract is 2 years with 2 x 1 "
            "year optional extension periods'). Online pre-market engagement event on MS Teams, "
            "8 June 2026 from 10:00 to about 11:30; the next notice is expected on 1 September "
            "2026, with the tender later in the year.\n\n"
            "Assumption: the notice page shows the contract period as '31 Mar 2027 - 31 Mar 2029' "
            "while its structured contract period starts on 1 April 2027; this record follows the "
            "structured period. The notice gives no value and does not declare the light-touch regime."
        ),
        service_category=ServiceCategory.VICTIM_SUPPORT,
        provider=None,
        start_date=date(2027, 4, 1),
        initial_term_months=24,
        max_extent_date=date(2031, 3, 31),
        ocid="ocds-h6vhtk-06a838",
        options=[Option(12), Option(12)],
        **cleveland,
    )


MK_CYCLE = "Domestic abuse support services 2027"
CLEVELAND_CYCLE = "Victim support and restorative practice 2027"


def _cycle(demo: Demo, *, name: str, replaces: Sequence[Contract], **fields):
    """The cycle called ``name``, created with the contracts it replaces if missing."""
    cycle = CommissioningCycle.objects.filter(name=name).first()
    if cycle is not None:
        demo.already_present += 1
        return cycle
    cycle = cycle_save(
        cycle=CommissioningCycle(name=name, **_with_sources(fields)), replaces=replaces, officer=None, reason=REASON
    )
    demo.created.append(f"commissioning cycle {cycle}")
    return cycle


def load_cycles(demo: Demo) -> None:
    """The two recommissioning efforts the notices describe, both at market engagement."""
    framework = demo.contracts["mk_framework"]
    _cycle(
        demo,
        name=MK_CYCLE,
        description=(
            "Recommissioning of Milton Keynes' domestic abuse support services to replace the "
            "Strategic Partnership Framework (MK-SPF-2020) and the services under it when it ends "
            "in early 2027. The new contract, Domestic Abuse Support Services in Milton Keynes "
            "(MK-DASS-2027), runs from 1 March 2027 to 29 February 2032 with a maximum extent of "
            "28 February 2034; estimated value £4,400,000; light-touch regime; suitable for SMEs "
            "and VCSEs. Find a Tender: UK1 pipeline notice 062060-2025, UK2 preliminary market "
            "engagement notice 017566-2026.\n\n"
            "The stage date is the day the UK2 notice was published, 26 February 2026.\n\n"
            "Assumption: the cycle replaces every service under the framework, the New Burdens "
            "Grant projects included; the notice says the council will review the domestic abuse "
            "support services it commissions but does not say the fixed-term grant projects "
            "continue in the new contract."
        ),
        service_category=ServiceCategory.COMBINED,
        team=demo.teams["mk"],
        lead_officer=demo.users[roles.OFFICER],
        replaces=[framework, *framework.children.order_by("reference")],
        target_start_date=date(2027, 3, 1),
        estimated_value=Decimal("4400000"),
        stage=Stage.MARKET_ENGAGEMENT,
        stage_changed_on=date(2026, 2, 26),
        ocid="ocds-h6vhtk-05a7b0",
        is_light_touch=True,
    )
    _cycle(
        demo,
        name=CLEVELAND_CYCLE,
        description=(
            "The Office of the Police and Crime Commissioner for Cleveland and Cleveland Police "
            "recommissioning the local victim support service and the restorative practice "
            "service, whose separate contracts both end on 31 March 2027, as one contract: "
            "Victim Support & Restorative Practice (CLE-VSRP-2027), 2 years from 1 April 2027 "
            "with two optional 1-year extensions to 31 March 2031. Find a Tender tender "
            "CPC-0002293: UK2 preliminary market engagement notices 050544-2026, 051402-2026 and "
            "051890-2026.\n\n"
            "The stage date is the day the first UK2 notice was published, 28 May 2026. The "
            "notice gives no value and does not declare the light-touch regime."
        ),
        service_category=ServiceCategory.VICTIM_SUPPORT,
        team=demo.teams["cleveland"],
        replaces=[demo.contracts["cleveland_victim_support"], demo.contracts["cleveland_restorative_practice"]],
        target_start_date=date(2027, 4, 1),
        stage=Stage.MARKET_ENGAGEMENT,
        stage_changed_on=date(2026, 5, 28),
        ocid="ocds-h6vhtk-06a838",
        is_light_touch=False,
    )


def _london(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A London clock time as an aware datetime (GMT or BST as the date has it)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _seed_milestone(demo: Demo, *, cycle, title: str, **fields) -> None:
    """The cycle's milestone called ``title``, created from the notices if missing."""
    if Milestone.objects.filter(cycle=cycle, title=title).exists():
        demo.already_present += 1
        return
    due_at = fields.get("due_at")
    fields.setdefault("due_on", due_at.date() if due_at else None)
    milestone = milestone_create(
        cycle=cycle,
        title=title,
        source=Milestone.Source.IMPORTED,
        owner=cycle.lead_officer,
        officer=None,
        reason=REASON,
        **_with_sources(fields),
    )
    demo.created.append(f"milestone {milestone}")


def load_seed_milestones(demo: Demo) -> None:
    """The dates the two notices give. The end of the framework and of Cleveland's current
    contracts are derived from the contracts themselves (commissioning.derivation)."""
    kind = Milestone.Kind
    mk = CommissioningCycle.objects.get(name=MK_CYCLE)
    mk_notice = "UK2 preliminary market engagement notice 017566-2026 (Find a Tender, 26 February 2026)"
    _seed_milestone(
        demo,
        cycle=mk,
        title="Market engagement responses due",
        kind=kind.MARKET_ENGAGEMENT,
        due_at=_london(2026, 3, 12, 12),
        description=(
            f"From the {mk_notice}: 'Please respond to the questions latest by 12 noon on "
            "Thursday 12th March 2026 via In-Tend Correspondence section/market engagement stage.'"
        ),
        conflict_note=(
            "The notice's date field says 11:59pm on 12 March 2026, while its text says 12 noon "
            "that day. This milestone follows the text, the earlier of the two."
        ),
    )
    _seed_milestone(
        demo,
        cycle=mk,
        title="Provider engagement event, week commencing 16 March 2026",
        kind=kind.PROVIDER_EVENT,
        due_on=date(2026, 3, 16),
        description=(
            f"From the {mk_notice}: 'If there is sufficient interest in a provider engagement "
            "event, to explore the proposal in more detail, this will be held, in person, w/c "
            "16th March 2026.'\n\nAssumption: the notice gives the week, not the day; "
            "the Monday, 16 March 2026, stands in as an all-day date."
        ),
    )
    _seed_milestone(
        demo,
        cycle=mk,
        title="Next procurement notice expected",
        kind=kind.NOTICE,
        due_on=date(2026, 7, 6),
        description=f"From the {mk_notice}: the next notice is expected on 6 July 2026.",
    )
    _seed_milestone(
        demo,
        cycle=mk,
        title="New contract starts (MK-DASS-2027)",
        kind=kind.CONTRACT_START,
        due_on=date(2027, 3, 1),
        description=(
            f"From the {mk_notice}: contract period 1 March 2027 to 29 February 2032, maximum extent 28 February 2034."
        ),
    )

    cleveland = CommissioningCycle.objects.get(name=CLEVELAND_CYCLE)
    _seed_milestone(
        demo,
        cycle=cleveland,
        title="Online pre-market engagement event",
        kind=kind.PROVIDER_EVENT,
        due_at=_london(2026, 6, 8, 10),
        ends_at=_london(2026, 6, 8, 11, 30),
        description=(
            "From the UK2 preliminary market engagement notice 051402-2026 (Find a Tender, "
            "1 June 2026, event times added): 'The Pre-Market Engagement Event will be hosted via "
            "MS Teams on the 8th June 2026 commencing at 10:00. The event will conclude at "
            "approximately 11:30.' The joining details are in the notice."
        ),
        conflict_note=(
            "The notice's date field says 11:59pm on 8 June 2026, while its text says the event "
            "runs from 10:00 to about 11:30 that day. This milestone follows the text."
        ),
    )
    _seed_milestone(
        demo,
        cycle=cleveland,
        title="Next procurement notice expected",
        kind=kind.NOTICE,
        due_on=date(2026, 9, 1),
        description=(
            "From the UK2 preliminary market engagement notice 051890-2026 (Find a Tender, "
            "2 June 2026): the next notice is expected on 1 September 2026."
        ),
    )
    _seed_milestone(
        demo,
        cycle=cleveland,
        title="New contract starts (CLE-VSRP-2027)",
        kind=kind.CONTRACT_START,
        due_on=date(2027, 4, 1),
        description=(
            "From the UK2 preliminary market engagement notice 051890-2026 (Find a Tender, "
            "2 June 2026): the contract period starts on 1 April 2027, for 2 years "
            "with 2 x 1 year optional extensions to 31 March 2031."
        ),
        conflict_note=(
            "The notice's contract period starts on 1 April 2027, while the notice page shows it as "
            "'31 Mar 2027 - 31 Mar 2029'. This milestone follows the contract period, which starts "
            "the day after the current contracts end."
        ),
    )


def load_asc0013_report(demo: Demo) -> None:
    """ASC0013's 2016/17 Q3 monitoring return, its 2016 quality visits and the 2017 extension
    report, submitted for approval (reports.demo, which lists its own assumptions 13 to 16)."""
    from reports.demo import load_asc0013_report as load

    load(demo)


def load_seed_notices(demo: Demo) -> None:
    """The two seed releases through the OCDS importer, onto the cycles above (notices/demo.py)."""
    from notices.demo import load_seed_notices as import_seed_releases

    import_seed_releases(demo)


# In order: each part may use what the parts before it loaded.
PARTS: list[Callable[[Demo], None]] = [
    load_users,
    load_teams,
    load_team_members,
    load_organisations,
    load_asc0013,
    load_mk_framework,
    load_mk_2027,
    load_cleveland,
    load_cycles,
    load_seed_milestones,
    load_asc0013_report,
    load_seed_notices,
    load_illustrated_gap,
    load_services,
]


def sign_in_line(password: str) -> str:
    others = ", ".join(role for role in roles.ROLES if role != roles.OFFICER)
    return f"Sign in at {SIGN_IN_URL} as {roles.OFFICER} (or {others}) with password {password}"


def load(*, stdout: TextIO) -> Demo:
    """Load every part of the demo data in one transaction and print how to sign in."""
    if settings.PRODUCTION:
        # The demo makes a superuser whose password is printed: never on a real service.
        raise DemoRefused(
            "The demo data makes sign-in accounts with a printed password: "
            "load_demo does not run when DJANGO_ENV=production"
        )
    demo = Demo(password=demo_password())
    with transaction.atomic():
        for part in PARTS:
            part(demo)

    for record in demo.created:
        stdout.write(f"Created {record}\n")
    if demo.created:
        stdout.write(f"Demo data loaded: {len(demo.created)} records created, {demo.already_present} already there.\n")
    else:
        stdout.write("Demo data already loaded: nothing to create.\n")
    if not os.environ.get("DEMO_PASSWORD", "").strip():
        stdout.write(f"The password is kept in {password_file()}; set DEMO_PASSWORD to choose one.\n")
    stdout.write(sign_in_line(demo.password) + "\n")
    return demo
