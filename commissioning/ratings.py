"""Each contract's stored recommissioning risk (``ContractRating``): written here and nowhere else.

The rating itself is ``rules.recommissioning_risk`` (through ``selectors.covers_of``, which every
page showing a risk uses): this module only keeps its answer in a table, so the dashboard and
the register can choose and order contracts by it in SQL (issue 24: an admin's dashboard rated
every live contract in the service on every request, over 30 seconds at 100,000 contracts).

1. ``commissioning.changes`` calls ``contracts_rate`` for every contract whose rating a change can
   move: the contract changed, the contracts sharing a service with it, the contracts a cycle
   replaces, the framework above a call-off.
2. A rating also moves with the date (a decide-by date passing, recommissioning falling due, a
   cycle's milestone becoming overdue): ``ratings_refresh`` rates each night every contract not
   rated today (the beat schedule's "refresh-ratings"), and pages showing a row rated before today
   rate that row again as they show it (``selectors.stored_or_fresh_rows``).
3. With each rating, where a service the contract covers ends with it and nothing takes over
   (``ServiceCoverEnd``, one row per service): the dashboard's "Services with no successor".
   Rated on every contract of the service, not only those a person may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contracts.models import Contract

from .models import ContractRating, ServiceCoverEnd

# Contracts rated per batch: their cover (services, chains, cycles) is loaded for the batch at once.
BATCH = 500
FIELDS = ["rating", "reason", "start_by", "own_gap", "service_gap", "rated_on"]


def rating_from_cover(contract_id: int, contract_cover, today: date) -> ContractRating:
    """The row to store for one contract's ``selectors.ContractCover``."""
    risk = contract_cover.risk
    return ContractRating(
        contract_id=contract_id,
        rating=risk.rating.value if risk else "",
        reason=risk.reason if risk else "",
        start_by=risk.start_by if risk else None,
        own_gap=bool(contract_cover.gaps),
        service_gap=any(service.gaps for service in contract_cover.services),
        rated_on=today,
    )


def cover_ends_from_cover(contract_id: int, contract_cover) -> list[ServiceCoverEnd]:
    """The rows to store for one contract's ``selectors.ContractCover``: each service it covers
    whose cover ends with it, nothing taking over (a framework's call-offs have their own)."""
    return [
        ServiceCoverEnd(service_id=service.pk, contract_id=contract_id, last_day=boundary.last_day)
        for service in contract_cover.services
        if service.pk is not None
        for boundary in service.without_successor
        if boundary.old.pk == contract_id
    ]


def contracts_rate(*, contracts: Iterable[Contract | int], today: date | None = None) -> int:
    """Rate ``contracts`` (instances or ids) again and store each rating; returns how many.

    Reads each contract afresh (the caller's instance may predate the change). Rating twice
    stores the same row: harmless.
    """
    from . import selectors

    today = today or timezone.localdate()
    ids = sorted({contract if isinstance(contract, int) else contract.pk for contract in contracts})
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        covers = selectors.covers_of(Contract.objects.filter(pk__in=batch), today=today)
        # Replaced together, so no reader sees a contract's cover ends half written.
        with transaction.atomic():
            ServiceCoverEnd.objects.filter(contract_id__in=batch).delete()
            ServiceCoverEnd.objects.bulk_create(
                [row for pk, contract_cover in covers.items() for row in cover_ends_from_cover(pk, contract_cover)]
            )
            ContractRating.objects.bulk_create(
                [rating_from_cover(pk, contract_cover, today) for pk, contract_cover in covers.items()],
                update_conflicts=True,
                unique_fields=["contract"],
                update_fields=FIELDS,
            )
    return len(ids)


def ratings_refresh(*, today: date | None = None) -> int:
    """Rate every contract not yet rated today (a contract that had ended keeps its blank rating:
    only an edit, which rates it again, can bring it back). Returns how many were rated."""
    today = today or timezone.localdate()
    stale = Contract.objects.filter(Q(rating__isnull=True) | (Q(rating__rated_on__lt=today) & ~Q(rating__rating="")))
    rated = 0
    # In batches, each in its own transaction, so a long refresh holds no lock for long.
    while ids := list(stale.order_by("pk").values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            rated += contracts_rate(contracts=ids, today=today)
    return rated
