"""The timeline: every contract's term, extensions and options, and every cycle, on one picture.

The layout is worked out by ``commissioning.timeline`` from plain facts; this module reads
the database (a fixed number of queries, whatever the size of the register) and hands over
those facts.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.views.generic import TemplateView

from access import policy
from common.counts import capped_counts, total_words
from common.views import Permission
from contracts.models import Contract, ExtensionOption, Team

from .. import selectors, timeline
from ..filters import TeamFilterForm
from ..models import CommissioningCycle, Milestone, Stage

# The most contracts, cycles and services the picture draws (issue 24: an admin's timeline of
# every team sent 2.7 MB at 1,000 contracts and did not answer in 30 s at 10,000); the page says
# how many there are and links to the full lists.
TIMELINE_CAP = 25


class TimelineFilterForm(TeamFilterForm):
    """The timeline's filters; bad values are ignored (the default is shown), not errors. The
    team is typed, with suggestions, by someone who sees more teams than a list holds."""

    EVERYTHING = "all"
    period = forms.ChoiceField(
        label="Period shown",
        required=False,
        choices=[("", "From 1 year ago to 5 years ahead"), (EVERYTHING, "Everything")],
    )

    def valid_filters(self) -> dict:
        if not self.is_bound:
            return {}
        team = self.chosen_team()
        return {
            name: value for name, value in {"team": team, "period": self.cleaned_data.get("period")}.items() if value
        }


def _shown_milestones() -> Prefetch:
    """A contract's or cycle's milestones, cancelled ones left out."""
    milestones = Milestone.objects.exclude(status=Milestone.Status.CANCELLED).order_by("due_on", "due_at", "title")
    return Prefetch("milestones", queryset=milestones)


def timeline_contracts(
    *, user, team: Team | None, window: timeline.Window | None, limit: int = TIMELINE_CAP
) -> tuple[list[Contract], int]:
    """The first ``limit`` contracts by start that may have something in ``window`` (all of them
    if None), options and milestones prefetched, and how many there are, counted up to
    ``common.counts.COUNT_CAP``. ``timeline.layout`` makes the exact choice; this only keeps the
    read small."""
    contracts = policy.contracts_visible_to(user, Contract.objects.select_related("parent")).prefetch_related(
        "options", _shown_milestones()
    )
    if team is not None:
        contracts = contracts.filter(team=team)
    if window is not None:
        milestone_in_window = Milestone.objects.filter(
            contract=OuterRef("pk"), due_on__gte=window.first, due_on__lte=window.last
        ).exclude(status=Milestone.Status.CANCELLED)
        # With no maximum extent written down, open options may run on past the current end.
        may_run_into_window = (
            Q(current_end_date__gte=window.first)
            | Q(max_extent_date__gte=window.first)
            | Q(max_extent_date__isnull=True)
        )
        # The first such milestone rather than EXISTS: PostgreSQL made the EXISTS a hash of every
        # milestone in the six years (205,000 at 100,000 contracts, 0.3 s) before the first row;
        # this is looked up only for a contract that does not itself run into the window, and
        # only until the page is full (read in the order of the index contract_start_reference).
        first_in_window = Subquery(milestone_in_window.values("pk")[:1])
        contracts = contracts.annotate(milestone_in_window=first_in_window).filter(
            (Q(start_date__lte=window.last) & may_run_into_window) | Q(milestone_in_window__isnull=False)
        )
    total = capped_counts(contracts=contracts)["contracts"]
    return list(contracts.order_by("start_date", "reference", "pk")[:limit]), total


def timeline_cycles(*, user, team: Team | None, limit: int = TIMELINE_CAP) -> tuple[list[CommissioningCycle], int]:
    """The first ``limit`` cycles by target start, and how many there are."""
    cycles = policy.cycles_visible_to(user).prefetch_related(
        _shown_milestones(), Prefetch("replaces", queryset=policy.contracts_visible_to(user).order_by("reference"))
    )
    if team is not None:
        cycles = cycles.filter(team=team)
    return list(cycles.order_by("target_start_date", "name", "pk")[:limit]), cycles.order_by().count()


def timeline_services(*, user, today: date, team: Team | None, limit: int = TIMELINE_CAP) -> tuple[list, int]:
    """The cover (``commissioning.cover.ServiceCover``) of the first ``limit`` services with a
    contract the person may see, and how many there are: only those drawn have their chain read."""
    total = selectors.services_seen_by(user, team=team).order_by().count()
    return selectors.services_cover_for(user=user, today=today, team=team, limit=limit), total


def milestone_facts(milestone: Milestone, today: date) -> timeline.MilestoneFacts:
    shown = milestone.shown_status(today)
    return timeline.MilestoneFacts(
        day=milestone.due_on,
        title=milestone.title,
        status=shown.key,
        status_label=shown.label,
        status_colour=shown.colour,
        at=timezone.localtime(milestone.due_at) if milestone.due_at else None,
        ends_at=timezone.localtime(milestone.ends_at) if milestone.due_at and milestone.ends_at else None,
        conflict_note=milestone.conflict_note,
    )


def contract_facts(contract: Contract, *, with_milestones: bool, today: date) -> timeline.ContractFacts:
    periods = contract.option_periods()
    options = sorted(contract.options.all(), key=lambda option: option.sequence)
    return timeline.ContractFacts(
        reference=contract.reference,
        title=contract.title,
        url=contract.get_absolute_url(),
        start=contract.start_date,
        initial_end=contract.initial_end_date,
        current_end=contract.current_end_date,
        max_extent=contract.effective_max_extent_date,
        max_extent_set=contract.max_extent_date is not None,
        options=tuple(
            timeline.OptionFacts(
                sequence=option.sequence,
                start=periods[option.sequence].start,
                end=periods[option.sequence].end,
                status=option.get_status_display(),
                length=option.length_label,
                exercised=option.status == ExtensionOption.Status.EXERCISED,
                open=option.is_open,
            )
            for option in options
        ),
        milestones=tuple(milestone_facts(m, today) for m in contract.milestones.all()) if with_milestones else (),
        terminated_on=contract.terminated_on,
        parent_reference=contract.parent.reference if contract.parent else "",
    )


def cycle_facts(cycle: CommissioningCycle, *, with_milestones: bool, today: date) -> timeline.CycleFacts:
    return timeline.CycleFacts(
        name=cycle.name,
        url=cycle.get_absolute_url(),
        stage=Stage(cycle.stage).label,
        target_start=cycle.target_start_date,
        replaces=tuple(contract.reference for contract in cycle.replaces.all()),
        milestones=tuple(milestone_facts(m, today) for m in cycle.milestones.all()) if with_milestones else (),
    )


def service_facts(service) -> timeline.ServiceFacts:
    """A service's chain of contracts and its gaps (commissioning.cover.ServiceCover) for the picture."""
    return timeline.ServiceFacts(
        name=service.name,
        chain=tuple(timeline.CoverFacts(term.reference, term.start, term.planned_end) for term in service.chain),
        gaps=tuple(timeline.GapFacts(b.gap.first, b.gap.last, b.words) for b in service.gaps),
    )


class TimelineView(Permission, TemplateView):
    permission_required = "contracts.view_contract"
    template_name = "commissioning/timeline.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        user = self.request.user
        # An admin's timeline opens on their own team; "All teams" (``team=``) stays a choice.
        form = TimelineFilterForm.opening(self.request)
        filters = form.valid_filters()
        team = filters.get("team")
        everything = filters.get("period") == TimelineFilterForm.EVERYTHING
        window = None if everything else timeline.default_window(today)

        with_milestones = user.has_perm("commissioning.view_milestone")
        chosen, contract_total = timeline_contracts(user=user, team=team, window=window)
        contracts = [contract_facts(c, with_milestones=with_milestones, today=today) for c in chosen]
        cycles, cycle_total = [], 0
        if user.has_perm("commissioning.view_commissioningcycle"):
            chosen_cycles, cycle_total = timeline_cycles(user=user, team=team)
            cycles = [cycle_facts(c, with_milestones=with_milestones, today=today) for c in chosen_cycles]
        covers, service_total = timeline_services(user=user, today=today, team=team)
        services = [service_facts(service) for service in covers]
        if window is None:
            days = [today, *(d for c in contracts for d in c.days()), *(d for c in cycles for d in c.days())]
            window = timeline.window_spanning(days)

        return super().get_context_data(
            form=form,
            today=today,
            team=team,
            everything=everything,
            cap=TIMELINE_CAP,
            contract_total=contract_total,
            contract_total_words=total_words(contract_total),
            cycle_total=cycle_total,
            service_total=service_total,
            contracts_more=contract_total > len(contracts),
            cycles_more=cycle_total > len(cycles),
            services_more=service_total > len(services),
            timeline=timeline.layout(contracts=contracts, cycles=cycles, window=window, today=today, services=services),
            **kwargs,
        )
