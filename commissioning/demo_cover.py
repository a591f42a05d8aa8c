"""Demo data for continuity of cover: the services residents depend on and the contracts that
cover them, one part of ``contracts.demo.PARTS`` (it runs after the contracts and cycles).

The real situation (Milton Keynes): the Strategic Partnership Framework's services end on
28 February 2027 and Domestic Abuse Support Services in Milton Keynes (MK-DASS-2027) is planned
from 1 March 2027, so each of the refuge, IDVA and perpetrator services has a successor from
the day after. Cleveland's victim support and restorative practice services hand over to
CLE-VSRP-2027 on 1 April 2027, the day after their contracts end.

Assumptions (the seeds name no services as such):

13. Each contract under the framework is one service; MK-DASS-2027 covers the refuge, IDVA and
    perpetrator services (the notice lists them among its core services). The New Burdens Grant
    projects are services of their own replaced only through the 2027 cycle, whose target
    start of 1 March 2027 is their planned next cover (assumption 11).
14. One gap, an illustration and not from the seeds, so that a new user sees the feature
    working: Cleveland's "Domestic abuse helpline (illustration)", an interim contract from
    1 January to 31 March 2027 with one 3-month option, and its successor from 1 July 2027.
    April to June 2027 has no contract unless the option is exercised, decided by 1 February
    2027. Its records say "illustration" in their titles and descriptions.
"""

from __future__ import annotations

from datetime import date

from contracts.models import Contract, FundingSource, ServiceCategory

from .models import Service
from .services import service_save

ILLUSTRATION = (
    "Illustration, not from the seed documents: loaded so that the dashboard shows a gap in "
    "cover and what would close it. "
)

# (team key, service name, category, the demo keys of the contracts that cover it)
SERVICES = [
    ("mk", "Crisis intervention (IDVA)", ServiceCategory.CRISIS_INTERVENTION, ["mk_idva", "mk_2027"]),
    ("mk", "Refuge", ServiceCategory.REFUGE, ["mk_refuge", "mk_2027"]),
    ("mk", "Perpetrator programme", ServiceCategory.PERPETRATOR_PROGRAMME, ["mk_perpetrator", "mk_2027"]),
    ("mk", "Co-located IDVA posts", ServiceCategory.CRISIS_INTERVENTION, ["mk_grant_idva"]),
    ("mk", "Survivors' counselling", ServiceCategory.COUNSELLING, ["mk_grant_counselling"]),
    ("cleveland", "Victim support", ServiceCategory.VICTIM_SUPPORT, ["cleveland_victim_support", "cleveland_2027"]),
    ("cleveland", "Restorative practice", ServiceCategory.OTHER, ["cleveland_restorative_practice", "cleveland_2027"]),
    (
        "cleveland",
        "Domestic abuse helpline (illustration)",
        ServiceCategory.OTHER,
        ["cleveland_helpline_interim", "cleveland_helpline_2027"],
    ),
]


def load_illustrated_gap(demo) -> None:
    """Assumption 14: Cleveland's interim helpline contract and a successor starting 3 months later."""
    from contracts.demo import Option, _contract

    cleveland = {
        "buyer": demo.organisations["cleveland_opcc"],
        "team": demo.teams["cleveland"],
        "funding_source": FundingSource.OPCC,
        "service_category": ServiceCategory.OTHER,
    }
    _contract(
        demo,
        "cleveland_helpline_interim",
        reference="CLE-DEMO-HELPLINE",
        title="Domestic abuse helpline, interim contract (illustration)",
        description=ILLUSTRATION
        + "An interim contract from 1 January to 31 March 2027 with one 3-month option; the new "
        "contract (CLE-DEMO-HELPLINE-2027) starts on 1 July 2027, so April to June 2027 has no "
        "contract unless the option is exercised. One month's notice to the provider and four weeks "
        "for the decision: decide by 1 February 2027.",
        provider=demo.organisations["cleveland_victim_support"],
        start_date=date(2027, 1, 1),
        initial_term_months=3,
        max_extent_date=date(2027, 6, 30),
        provider_notice_months=1,
        approval_lead_weeks=4,
        options=[Option(3)],
        **cleveland,
    )
    _contract(
        demo,
        "cleveland_helpline_2027",
        reference="CLE-DEMO-HELPLINE-2027",
        title="Domestic abuse helpline (illustration)",
        description=ILLUSTRATION + "The new helpline contract, from 1 July 2027 for three years.",
        provider=None,
        start_date=date(2027, 7, 1),
        initial_term_months=36,
        **cleveland,
    )


def load_services(demo) -> None:
    """Each service and the contracts that cover it (created only if missing, like every part)."""
    from contracts.demo import REASON

    for team_key, name, category, keys in SERVICES:
        team = demo.teams[team_key]
        if Service.objects.filter(team=team, name=name).exists():
            demo.already_present += 1
            continue
        contracts: list[Contract] = [demo.contracts[key] for key in keys]
        service_save(
            service=Service(team=team, name=name, category=category), contracts=contracts, officer=None, reason=REASON
        )
        demo.created.append(f"service {name}")
