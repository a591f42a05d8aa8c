"""Reads the API needs beyond what the register's selector gives."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from commissioning.models import CommissioningCycle
from contracts.models import Contract
from notices.models import Notice
from notices.services import COMMENCING_TYPES


def with_procurement_notices(contracts: QuerySet[Contract]) -> QuerySet[Contract]:
    """Each contract with the publication times its Procurement Act classification counts from.

    The same notices as ``notices.services.contract_facts``: the contract's own and those of the
    cycle that procured it (the first with its OCID). ``first_commencing_notice_at`` is the
    earliest that commences a procurement (UK4 to UK7), ``first_notice_at`` the earliest of any
    type. Two subqueries per row rather than the facts' queries per contract, so a list of 100
    costs what a list of 2 does.
    """
    procuring_cycle = (
        CommissioningCycle.objects.filter(ocid=OuterRef(OuterRef("ocid")))
        .exclude(ocid="")
        .order_by("pk")
        .values("pk")[:1]
    )
    notices = Notice.objects.filter(Q(contracts=OuterRef("pk")) | Q(cycle=Subquery(procuring_cycle)))

    def earliest(chosen):
        return Subquery(chosen.order_by("published_at").values("published_at")[:1])

    return contracts.annotate(
        first_commencing_notice_at=earliest(notices.filter(notice_type__in=COMMENCING_TYPES)),
        first_notice_at=earliest(notices),
    )
