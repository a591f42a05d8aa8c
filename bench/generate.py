"""Generate a tracker's worth of data at a chosen scale, fast, with PostgreSQL COPY.

    .venv/bin/python -m bench.generate --scale 100000      # into the database "bench"
    .venv/bin/python -m bench.generate --update --database bench_100000   # migrate and rate it again

The scale is the number of contracts. Everything else follows from it the way it does in a
real service, team by team:

1. Teams of 10 to 70 contracts each (a council's domestic abuse team), each with its council
   (the buyer), a manager, two to four officers, a shared mailbox and 5 to 15 providers from
   a national pool of one provider per 25 contracts.
2. The first team, "Benchmark team", is the same at every scale (150 contracts, its own
   random seed): the web benchmark signs in as its officer, so its pages show the same rows
   at 1,000 contracts as at 100,000 and only the size of the tables around it changes.
3. Contracts: starts over the last seven years and the next one; initial terms of 12 to 60
   months; 0 to 3 extension options of 6 to 24 months, those whose period has begun
   exercised (or, one in seven, declined, lapsing the rest); a maximum extent for most; a
   few terminated early, a few frameworks; decisions recorded on some of those ending within
   18 months. End dates come from ``contracts.terms``, as ``Contract.save`` computes them.
4. Milestones: the derived ones come from ``commissioning.derivation.derived_milestones``,
   the function ``milestones_sync_for_contract`` uses, so they are what the app would have
   made (settled decisions met, lapsed ones cancelled); each team's 1 to 3 commissioning
   cycles add their hand-entered milestones (engagement, tender deadline, decision, award).
5. Reminders: ``reminders.planning.wanted_reminders`` with each kind's default offsets, the
   planner's own function: rows still to come are planned; those whose time passed in the
   last year are recorded as sent, as the sweep would have left them.
6. Notices: a UK2 (and, past the tender stage, a UK4) notice for cycles that have reached
   market engagement.
7. Monitoring returns: one per quarter for the last two financial years of each contract
   with a provider, with three to five KPI results.
8. History: the "created" row django-simple-history keeps for every contract, option and
   milestone, and a "changed" row for every exercised option's new end date.
9. Ratings: each contract's stored recommissioning risk, by ``commissioning.ratings.ratings_refresh``
   (what the nightly job does), after the COPY.

Rows are written with COPY and explicit ids, a few hundred teams at a time, so no signal
fires (the derivation and planning functions were called directly instead) and memory stays
flat; the id sequences are reset afterwards and the tables analysed.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_TEAM_CONTRACTS = 150
TEAMS_PER_FLUSH = 200
PASSWORD = "benchmark-password-not-secret"


@dataclass
class Ids:
    """The next id for each table: rows are written with their ids, so they can refer to each other."""

    counters: dict = field(default_factory=lambda: defaultdict(int))

    def next(self, table: str) -> int:
        self.counters[table] += 1
        return self.counters[table]


class Tables:
    """Rows waiting to be copied, by model, flushed in dependency order."""

    def __init__(self):
        from django.utils import timezone

        self.rows: dict = defaultdict(list)
        self.order: list = []
        self.now = timezone.now()
        self.copied: dict = defaultdict(int)

    def add(self, model, **values) -> None:
        if model not in self.order:
            self.order.append(model)
        self.rows[model].append(values)

    def flush(self) -> None:
        from django.db import connection, transaction
        from django.db.models import JSONField
        from psycopg.types.json import Jsonb

        with transaction.atomic(), connection.cursor() as cursor:
            for model in self.order:
                rows = self.rows.pop(model, [])
                if not rows:
                    continue
                fields = [f for f in model._meta.concrete_fields]
                defaults = {}
                for f in fields:
                    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                        defaults[f.attname] = self.now
                    elif f.has_default():
                        defaults[f.attname] = f.get_default()
                    else:
                        defaults[f.attname] = None if f.null else ("" if f.empty_strings_allowed else None)
                json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
                columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
                table = connection.ops.quote_name(model._meta.db_table)
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        values = []
                        for f in fields:
                            value = row.get(f.attname, defaults[f.attname])
                            if f.attname in json_fields:
                                value = Jsonb(value)
                            values.append(value)
                        copy.write_row(values)
                self.copied[model._meta.label] += len(rows)


SERVICES = [
    ("refuge", 22),
    ("crisis_intervention", 24),
    ("perpetrator_programme", 10),
    ("counselling", 10),
    ("sanctuary", 8),
    ("victim_support", 12),
    ("combined", 9),
    ("other", 5),
]
SERVICE_TITLES = {
    "refuge": "Refuge and safe accommodation",
    "crisis_intervention": "Independent domestic violence advisers",
    "perpetrator_programme": "Perpetrator programme",
    "counselling": "Counselling for survivors",
    "sanctuary": "Sanctuary scheme",
    "victim_support": "Victim support service",
    "combined": "Domestic abuse support services",
    "other": "Children and young people's support",
}
FUNDING = [("core_budget", 50), ("grant", 20), ("opcc", 15), ("joint", 12), ("other", 3)]
KPIS = [
    ("Referrals contacted within 24 hours", "percent", Decimal("90"), True),
    ("Risk assessments completed (DASH)", "percent", Decimal("95"), True),
    ("Clients reporting feeling safer at exit", "percent", Decimal("80"), True),
    ("Average days from referral to first session", "days", Decimal("10"), False),
    ("Refuge occupancy", "percent", Decimal("90"), True),
    ("Cases closed with a support plan completed", "number", None, True),
]
CYCLE_STAGES = [
    ("needs_assessment", 20),
    ("strategy", 15),
    ("market_engagement", 15),
    ("procurement", 15),
    ("evaluation", 10),
    ("award", 8),
    ("mobilisation", 7),
    ("live", 10),
]
STAGE_INDEX = {stage: i for i, (stage, _) in enumerate(CYCLE_STAGES)}


def weighted(rng: random.Random, choices):
    values, weights = zip(*choices)
    return rng.choices(values, weights)[0]


class Generator:
    def __init__(self, scale: int, *, today: date, now: datetime, log=print):
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group

        from reminders.offsets import parse_offsets
        from reminders.planning import DEFAULT_OFFSETS, SHORT_DEADLINE

        self.scale, self.today, self.now, self.log = scale, today, now, log
        self.ids = Ids()
        self.tables = Tables()
        self.groups = dict(Group.objects.values_list("name", "pk"))
        self.password = make_password(PASSWORD)
        self.providers = max(40, scale // 25)
        self.offsets = {kind: parse_offsets(text) for kind, text in DEFAULT_OFFSETS.items()}
        self.short_offsets = parse_offsets(SHORT_DEADLINE)
        self.notice_serial = 0
        self.personas: dict[str, int] = {}
        self.historical: dict = {}
        # send_time is pure and most due dates repeat (terms end on month ends): remember its
        # answers for this run, so the planner's own function can be called for every row.
        import reminders.planning

        reminders.planning.send_time = functools.lru_cache(maxsize=None)(reminders.planning.send_time)

    # --- people and organisations -----------------------------------------------------------

    def user(self, username: str, first: str, last: str, group: str, *, staff=False) -> object:
        from django.contrib.auth.models import User

        pk = self.ids.next("user")
        self.tables.add(
            User,
            id=pk,
            password=self.password,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.gov.uk",
            is_staff=staff,
            is_active=True,
            is_superuser=False,
            date_joined=self.now,
            last_login=None,
        )
        self.tables.add(User.groups.through, id=self.ids.next("user_groups"), user_id=pk, group_id=self.groups[group])
        return User(
            id=pk,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@example.gov.uk",
            is_active=True,
        )

    def provider_pool(self) -> None:
        from contracts.models import Organisation

        for n in range(1, self.providers + 1):
            self.tables.add(
                Organisation,
                id=self.ids.next("organisation"),
                name=f"Provider charity {n:05d}",
                role="provider",
                ppon_id=f"PRV{n:05d}-BNCH",
                charity_number=f"{1100000 + n}",
                is_sme=True,
                is_vcse=n % 5 != 0,
            )
        self.provider_ids = list(range(1, self.providers + 1))

    # --- one team and all its records -------------------------------------------------------

    def team(self, number: int, contracts: int) -> None:
        from contracts.models import Organisation, Team

        rng = random.Random(number)
        pk = self.ids.next("team")
        name = "Benchmark team" if number == 0 else f"Domestic abuse team {number:05d}"
        manager = self.user(f"manager{number}", "Morgan", f"Manager {number}", "manager")
        officers = [
            self.user(f"officer{number}-{k}", "Olivia", f"Officer {number}-{k}", "officer")
            for k in range(rng.randint(2, 4))
        ]
        team = Team(id=pk, name=name, shared_mailbox=f"da-team{number}@example.gov.uk", manager=manager)
        self.tables.add(Team, id=pk, name=name, shared_mailbox=team.shared_mailbox, manager_id=manager.pk)
        for member in [manager, *officers]:
            self.tables.add(Team.members.through, id=self.ids.next("team_members"), team_id=pk, user_id=member.pk)
        if number == 0:
            self.personas["officer"] = officers[0].pk
            self.personas["team"] = pk
        buyer = self.ids.next("organisation")
        self.tables.add(
            Organisation, id=buyer, name=f"Council {number:05d}", role="buyer", ppon_id=f"BUY{number:05d}-BNCH"
        )
        providers = rng.sample(self.provider_ids, min(len(self.provider_ids), rng.randint(5, 15)))
        made = [self.contract(rng, team, buyer, providers, officers) for _ in range(contracts)]
        for _ in range(rng.randint(1, 3)):
            self.cycle(rng, team, officers, made)

    def contract(self, rng, team, buyer, providers, officers):
        from commissioning.derivation import derived_milestones
        from contracts import terms
        from contracts.models import Contract, ExtensionOption

        pk = self.ids.next("contract")
        today = self.today
        start = (today + timedelta(days=rng.randint(-7 * 365, 365))).replace(day=1)
        initial = rng.choice([12, 24, 36, 36, 48, 60, 60, rng.randint(12, 60)])
        lengths = [rng.choice([6, 12, 12, 12, 24]) for _ in range(weighted(rng, [(0, 30), (1, 30), (2, 25), (3, 15)]))]
        periods = terms.option_periods(start, initial, lengths)
        statuses, declined = [], False
        for period in periods:
            if declined:
                statuses.append("lapsed")
            elif period.start <= today:
                declined = rng.random() < 1 / 7
                statuses.append("declined" if declined else "exercised")
            else:
                statuses.append(weighted(rng, [("available", 80), ("proposed", 10), ("approved", 10)]))
        exercised = [m for m, s in zip(lengths, statuses) if s == "exercised"]
        initial_end = terms.term_end(start, initial)
        current = terms.current_end(start, initial, exercised)
        service = weighted(rng, SERVICES)
        annual = Decimal(int(rng.lognormvariate(11.9, 0.8))).quantize(Decimal("1"))
        lead = rng.choice(officers)
        planned = start > today
        fields = dict(
            id=pk,
            reference=f"BN{pk:06d}",
            title=f"{SERVICE_TITLES[service]}, lot {rng.randint(1, 4)}",
            description="Generated for the benchmarks.",
            kind="framework" if rng.random() < 0.03 else "contract",
            service_category=service,
            buyer_id=buyer,
            provider_id=None if planned and rng.random() < 0.3 else rng.choice(providers),
            team_id=team.pk,
            lead_officer_id=lead.pk,
            funding_source=weighted(rng, FUNDING),
            annual_value=annual,
            total_value=annual * Decimal(initial + sum(lengths)) / 12,
            start_date=start,
            initial_term_months=initial,
            max_extent_date=terms.term_end(start, initial + sum(lengths)) if lengths and rng.random() < 0.8 else None,
            is_light_touch=rng.random() < 0.7,
            terminated_on=None,
            provider_notice_months=6,
            approval_lead_weeks=8,
            recommissioning_lead_months=18,
            decision="",
            decision_on=None,
            initial_end_date=initial_end,
            current_end_date=current,
        )
        if start < today and rng.random() < 0.015:
            fields["terminated_on"] = start + timedelta(
                days=rng.randint(30, max(31, (min(current, today) - start).days))
            )
        if today <= current <= terms.add_months(today, 18) and rng.random() < 0.4:
            fields.update(
                decision=weighted(
                    rng, [("extend", 40), ("retender", 45), ("decommission", 10), ("extend_with_variations", 5)]
                ),
                decision_by_id=team.manager.pk,
                decision_on=today - timedelta(days=rng.randint(1, 200)),
            )
        self.tables.add(Contract, **fields)
        contract = Contract(**fields)
        contract.team, contract.lead_officer = team, lead
        self.history(
            Contract, fields, when=datetime.combine(start, datetime.min.time()).astimezone(), reason="Contract added"
        )

        options = []
        for sequence, (months, status) in enumerate(zip(lengths, statuses), start=1):
            option = dict(
                id=self.ids.next("option"),
                contract_id=pk,
                sequence=sequence,
                length_months=months,
                status=status,
                value=annual * months / 12,
                decision_reference="",
                decision_date=periods[sequence - 1].start - timedelta(days=200)
                if status in ("exercised", "declined")
                else None,
            )
            if status == "exercised":
                option["decision_reference"] = f"Cabinet {option['decision_date']:%-d %B %Y}"
            self.tables.add(ExtensionOption, **option)
            self.history(ExtensionOption, option, when=self.history_start(start), reason="Option added")
            options.append(ExtensionOption(**option))
        # The end date each exercised option moved, as the contract's history records it.
        months_so_far = initial
        for option in options:
            if option.status == "exercised":
                months_so_far += option.length_months
                moved = dict(fields, current_end_date=terms.term_end(start, months_so_far))
                self.history(
                    Contract,
                    moved,
                    when=self.history_start(option.decision_date),
                    history_type="~",
                    reason=f"Option {option.sequence} exercised",
                )

        for spec in derived_milestones(contract, options):
            status, met_on = spec.settled_status or "scheduled", spec.settled_on
            self.milestone(
                rng,
                contract=contract,
                cycle=None,
                team=team,
                owner=lead,
                kind=spec.kind,
                title=spec.title,
                due_on=spec.due_on,
                status=status,
                met_on=met_on,
                source="derived",
                derived_key=spec.key,
                option_id=spec.option.pk if spec.option else None,
            )
        self.monitoring_returns(rng, contract)
        return contract

    def history_start(self, day: date) -> datetime:
        return datetime.combine(min(day, self.today), datetime.min.time()).astimezone()

    def history(self, model, fields: dict, *, when: datetime, reason: str, history_type: str = "+") -> None:
        if model not in self.historical:
            self.historical[model] = model.history.model  # the descriptor is slow: look it up once
        self.tables.add(
            self.historical[model],
            **fields,
            history_id=self.ids.next(f"history_{model._meta.model_name}"),
            history_date=when,
            history_change_reason=reason,
            history_type=history_type,
            history_user_id=None,
        )

    def milestone(
        self,
        rng,
        *,
        contract,
        cycle,
        team,
        owner,
        kind,
        title,
        due_on,
        status="scheduled",
        met_on=None,
        source="manual",
        derived_key="",
        option_id=None,
    ) -> None:
        from commissioning.models import Milestone
        from reminders.models import Reminder
        from reminders.planning import wanted_reminders

        # Most past deadlines were met; a few are left overdue, as on any real dashboard.
        if status == "scheduled" and due_on < self.today and kind not in Milestone.EVENT_KINDS and rng.random() < 0.9:
            status, met_on = "met", due_on
        pk = self.ids.next("milestone")
        fields = dict(
            id=pk,
            contract_id=contract.pk if contract else None,
            cycle_id=cycle.pk if cycle else None,
            option_id=option_id,
            kind=kind,
            title=title,
            description="",
            due_on=due_on,
            due_at=None,
            ends_at=None,
            owner_id=owner.pk,
            status=status,
            met_on=met_on,
            source=source,
            derived_key=derived_key,
            edited_by_hand=False,
            conflict_note="",
            reminder_offsets="",
            acknowledged_at=None,
            acknowledged_by="",
        )
        self.tables.add(Milestone, **fields)
        self.history(
            Milestone,
            fields,
            when=self.history_start(due_on - timedelta(days=400)),
            reason="Recomputed from the contract",
        )
        if status != "scheduled":
            return
        milestone = Milestone(**fields)
        milestone.owner = owner
        if contract is not None:
            milestone.contract = contract
        else:
            milestone.cycle = cycle
        offsets = self.offsets.get(kind, self.short_offsets)
        horizon = self.now - timedelta(days=365)
        wanted = {(want.offset, want.email): want for want in wanted_reminders(milestone, offsets)}
        for want in wanted.values():
            if want.send_at >= self.now:
                status, sent_at = "planned", None
            elif want.send_at >= horizon:
                status, sent_at = "sent", want.send_at
            else:
                continue
            self.tables.add(
                Reminder,
                id=self.ids.next("reminder"),
                milestone_id=pk,
                offset=want.offset,
                purpose=want.purpose,
                audience=want.audience,
                recipient_email=want.email,
                recipient_name=want.name,
                send_at=want.send_at,
                status=status,
                sent_at=sent_at,
                claimed_at=sent_at,
                claim_token="",
                attempts=1 if sent_at else 0,
                last_error="",
                note="",
                was_late=False,
                created_at=self.now,
            )

    def cycle(self, rng, team, officers, contracts) -> None:
        from commissioning.models import CommissioningCycle
        from contracts import terms
        from notices.models import Notice

        ending = [c for c in contracts if self.today <= c.current_end_date <= terms.add_months(self.today, 30)]
        replaces = rng.sample(ending, min(len(ending), rng.randint(1, 3))) if ending else []
        target = (
            (max(c.current_end_date for c in replaces) + timedelta(days=1))
            if replaces
            else terms.add_months(self.today, rng.randint(6, 30)).replace(day=1)
        )
        stage = weighted(rng, CYCLE_STAGES)
        pk = self.ids.next("cycle")
        service = replaces[0].service_category if replaces else weighted(rng, SERVICES)
        lead = rng.choice(officers)
        fields = dict(
            id=pk,
            name=f"{SERVICE_TITLES[service]} {target.year} ({team.name})",
            description="",
            service_category=service,
            team_id=team.pk,
            lead_officer_id=lead.pk,
            target_start_date=target,
            estimated_value=sum((c.annual_value for c in replaces), Decimal(0)) or Decimal(250000),
            stage=stage,
            stage_changed_on=self.today - timedelta(days=rng.randint(1, 120)),
            ocid="",
            is_light_touch=True,
        )
        self.tables.add(CommissioningCycle, **fields)
        for contract in replaces:
            self.tables.add(
                CommissioningCycle.replaces.through,
                id=self.ids.next("cycle_replaces"),
                commissioningcycle_id=pk,
                contract_id=contract.pk,
            )
        cycle = CommissioningCycle(**fields)
        cycle.team = team
        for kind, title, months_before in [
            ("market_engagement", "Market engagement responses due", 14),
            ("tender_deadline", "Tender deadline", 9),
            ("decision_meeting", "Cabinet decision on the award", 6),
            ("award", "Contract award", 5),
        ]:
            self.milestone(
                rng,
                contract=None,
                cycle=cycle,
                team=team,
                owner=lead,
                kind=kind,
                title=f"{cycle.name}: {title.lower()}",
                due_on=terms.add_months(target, -months_before),
            )
        if STAGE_INDEX[stage] >= STAGE_INDEX["market_engagement"]:
            for notice_type, months_before in [("UK2", 15), ("UK4", 10)][
                : 1 + (STAGE_INDEX[stage] >= STAGE_INDEX["procurement"])
            ]:
                self.notice_serial += 1
                published = datetime.combine(terms.add_months(target, -months_before), datetime.min.time()).astimezone()
                self.tables.add(
                    Notice,
                    id=self.ids.next("notice"),
                    notice_type=notice_type,
                    fts_notice_id=f"{self.notice_serial:06d}-{published.year}",
                    ocid="",
                    published_at=published,
                    url="",
                    description=cycle.name,
                    amendment="",
                    changes=[],
                    source="recorded",
                    source_release_id=None,
                    cycle_id=pk,
                    recorded_by_id=lead.pk,
                )

    def monitoring_returns(self, rng, contract) -> None:
        from contracts import terms
        from reports.models import KpiResult, MonitoringReturn

        if contract.provider_id is None or contract.start_date > self.today:
            return
        first_year = self.today.year - 2 if self.today.month >= 4 else self.today.year - 3
        kpis = rng.sample(KPIS, rng.randint(3, 5))
        for year in range(first_year, first_year + 3):
            for quarter in (1, 2, 3, 4):
                month = 4 + 3 * (quarter - 1)
                quarter_start = date(year + (month > 12), (month - 1) % 12 + 1, 1)
                quarter_end = terms.add_months(quarter_start, 3) - timedelta(days=1)
                received = quarter_end + timedelta(days=rng.randint(15, 45))
                if (
                    quarter_start < contract.start_date
                    or received > self.today
                    or quarter_start > contract.current_end_date
                ):
                    continue
                pk = self.ids.next("return")
                self.tables.add(
                    MonitoringReturn,
                    id=pk,
                    contract_id=contract.pk,
                    year=year,
                    quarter=quarter,
                    received_on=received,
                    source=weighted(rng, [("entered", 60), ("imported", 40)]),
                    notes="",
                )
                for position, (name, unit, target, higher) in enumerate(kpis):
                    base = target if target is not None else Decimal(40)
                    actual = (base * Decimal(rng.uniform(0.8, 1.15))).quantize(Decimal("0.1"))
                    self.tables.add(
                        KpiResult,
                        id=self.ids.next("kpi"),
                        monitoring_return_id=pk,
                        service="",
                        name=name,
                        unit=unit,
                        target=target,
                        actual=actual,
                        higher_is_better=higher,
                        position=position,
                    )

    # --- the whole run -----------------------------------------------------------------------

    def run(self) -> dict:
        """Write every table; returns the personas' user ids and the row counts."""
        from django.contrib.auth.models import User

        from contracts.models import Contract, ExtensionOption, Organisation, Team

        started = time.perf_counter()
        # Register the tables in dependency order, so each flush copies parents first.
        from commissioning.models import CommissioningCycle, Milestone
        from notices.models import Notice
        from reminders.models import Reminder
        from reports.models import KpiResult, MonitoringReturn

        for model in [
            User,
            User.groups.through,
            Organisation,
            Team,
            Team.members.through,
            Contract,
            ExtensionOption,
            CommissioningCycle,
            CommissioningCycle.replaces.through,
            Milestone,
            Reminder,
            Notice,
            MonitoringReturn,
            KpiResult,
            Contract.history.model,
            ExtensionOption.history.model,
            Milestone.history.model,
        ]:
            self.tables.order.append(model)
        admin = self.user("bench-admin", "Ada", "Admin", "admin", staff=True)
        self.personas["admin"] = admin.pk
        self.provider_pool()
        sizes = [min(BENCH_TEAM_CONTRACTS, self.scale)]
        rng = random.Random(f"team sizes {self.scale}")
        while sum(sizes) < self.scale:
            sizes.append(min(rng.randint(10, 70), self.scale - sum(sizes)))
        for number, size in enumerate(sizes):
            self.team(number, size)
            if (number + 1) % TEAMS_PER_FLUSH == 0:
                self.tables.flush()
                self.log(
                    f"  {self.ids.counters['contract']:,} contracts written ({time.perf_counter() - started:.0f} s)"
                )
        self.tables.flush()
        self.finish()
        # The stored ratings the dashboard and register read, as the nightly job would leave
        # them: no change service ran during the COPY (commissioning.ratings).
        from commissioning.ratings import ratings_refresh

        rating_started = time.perf_counter()
        rated = ratings_refresh(today=self.today)
        self.log(f"  {rated:,} contracts rated in {time.perf_counter() - rating_started:.0f} s")
        with connection_cursor() as cursor:
            cursor.execute("ANALYZE commissioning_contractrating")
        counts = {label: count for label, count in self.tables.copied.items()}
        self.log(
            f"  generated in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{label.split('.')[-1]} {count:,}" for label, count in counts.items())
        )
        return {"personas": self.personas, "counts": counts, "seconds": time.perf_counter() - started}

    def finish(self) -> None:
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection

        tables = set(connection.introspection.table_names())
        models = [m for m in apps.get_models() if m._meta.db_table in tables]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
            cursor.execute("ANALYZE")


def connection_cursor():
    from django.db import connection

    return connection.cursor()


def session_cookie(user_id: int) -> str:
    """A signed-in session for the user, as the sign-in page would leave it."""
    import time as clock

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    from access.middleware import LAST_SEEN, SIGNED_IN_AT

    user = User.objects.get(pk=user_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SIGNED_IN_AT] = session[LAST_SEEN] = clock.time()
    session.create()
    return session.session_key


def update(*, today: date, log=print) -> dict:
    """Bring a database generated earlier up to today's code, without generating it again.

    Applies the migrations added since (other changes may have added tables or columns the
    pages now read), then the stored ratings (``commissioning.ratings``) as the nightly job
    would leave them today: every contract not rated today, or every contract if a migration
    of ``commissioning`` or ``contracts`` was applied (it may have changed what a rating
    stores or how it is read). Returns the migrations applied and the contracts rated.
    """
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from commissioning.ratings import contracts_rate, ratings_refresh
    from contracts.models import Contract

    executor = MigrationExecutor(connection)
    pending = [
        f"{migration.app_label}.{migration.name}"
        for migration, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())
    ]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"  {len(pending)} migrations applied in {time.perf_counter() - started:.0f} s: {', '.join(pending) or 'none'}")
    started = time.perf_counter()
    if any(name.split(".")[0] in ("commissioning", "contracts") for name in pending):
        ids = list(Contract.objects.order_by("pk").values_list("pk", flat=True))
        rated = 0
        for first in range(0, len(ids), 5000):
            rated += contracts_rate(contracts=ids[first : first + 5000], today=today)
    else:
        rated = ratings_refresh(today=today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log(f"  {rated:,} contracts rated in {time.perf_counter() - started:.0f} s")
    return {"migrations": pending, "rated": rated}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, help="how many contracts")
    parser.add_argument("--database", default="bench", help="the benchmark database (dropped and created)")
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the existing database: apply new migrations and rate its contracts as of today",
    )
    args = parser.parse_args(argv)
    if not args.update and not args.scale:
        parser.error("--scale is needed to generate (or --update an existing database)")
    import json

    sys.path.insert(0, str(ROOT))
    from bench import database

    os.environ["DATABASE_URL"] = database.url_for(args.database) if args.update else database.recreate(args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    if args.update:
        print(json.dumps(update(today=timezone.localdate(), log=lambda text: print(text, flush=True))))
        return
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrated in {time.perf_counter() - started:.0f} s", flush=True)
    result = Generator(
        args.scale, today=timezone.localdate(), now=timezone.now(), log=lambda text: print(text, flush=True)
    ).run()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
