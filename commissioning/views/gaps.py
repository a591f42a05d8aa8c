"""Saying on the page an officer lands on that their change left a service with no contract."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages

from .. import cover, services


def warn_of_gaps_opened(request, opened: Iterable[cover.Boundary]) -> None:
    """One warning per gap: "Gap in cover: Refuge has no contract from 1 to 31 March 2027: ..."."""
    for gap in opened:
        messages.warning(request, f"Gap in cover: {gap.words[:1].upper()}{gap.words[1:]}")


class WarnsOfGapsOpened:
    """For a view using ``common.views.ServiceFormMixin`` whose change can move cover (a
    contract's dates, a cycle's target start or contracts, a service's chain): the gaps in
    cover the change opened are named on the page it lands on (``services.gaps_opened_by_change``)."""

    def form_valid(self, form):
        with services.gaps_opened_by_change(officer=self.request.user) as opened:
            response = super().form_valid(form)
        warn_of_gaps_opened(self.request, opened)
        return response
