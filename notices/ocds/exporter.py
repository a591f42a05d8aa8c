"""Writing contracts and cycles as OCDS 1.1 release packages, with Find a Tender's extensions.

What each release holds (the tracker's current view, so that importing it back gives the
same dates):

- the buyer (by PPON when known) and, for awarded contracts, the supplier;
- the tender: title, description, status (from the cycle's stage), estimated value, the
  light-touch regime, the legal basis when the procurement has notices under the Act, the
  future notice date, the publisher's own notes on what each notice changed (amendments);
- one lot per lot the notices described, else one per contract with the OCID (or the
  contract itself), with its contract period (start, end, maximum extent) and renewal
  (the extension options); a lot matched to a contract takes the contract's dates, else the
  dates of the lot's milestones as the tracker holds them;
- planning.milestones: the cycle's or contract's own milestones (not those written in the
  lots or the future notice date, not derived dates, not the Act's duties);
- the notices as documents, each in its section with its noticeType.

Dates: a whole day is written as OCDS writes end dates, 23:59:59 London time with London's
offset that day (start dates as 00:00:00), which the importer reads back as that London day;
a time of day is written in London time with its offset.

A cycle or contract without an OCID gets one under the council's registered prefix (setting
``OCDS_OCID_PREFIX``: ``ocds-a1b2c3-cycle-12``); without a prefix it is left out of the export
(``cycle_release`` answers None), since an invented prefix fails the standard's OCID check.

Ids the notices published are kept: the tender's id, and each award's and contract's id (as the
importer recorded them); the tracker's own ids are used only for what no notice named.
Amendments: a contract change notice's (UK10) go under ``contracts[].amendments``, the others
under ``tender.amendments``. A lot matched to a contract takes the contract's dates but not its
value: the contract's value is written in ``contracts[].value``, the lot's is what notices said.

Extensions: only fields that the declared extensions (or the standard) define are written, so
``tender.legalBasis``, which no extension in the repository defines, is not: the notices'
``noticeType`` already says the procurement is under the Procurement Act 2023.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from commissioning.models import CommissioningCycle, Milestone, Stage
from contracts.models import Contract, ExtensionOption, Organisation

from ..models import ImportedValue, Lot, Notice
from ..notice_types import OCDS_PLACE
from ..validators import is_web_address
from . import jsontext
from .parser import end_of_day, start_of_day

VERSION = "1.1"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_renewal_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_communication_extension/master/extension.json",
    # The lots and UK extensions refer to definitions these two add (SubmissionTerms, Location):
    # without them a validator such as lib-cove-ocds cannot resolve the merged schema.
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_location_extension/master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_submissionTerms_extension/master/extension.json",
    # A lot's suitability for SMEs (the UK extension adds VCSEs to this extension's object).
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_suitability_extension/master/extension.json",
    "https://raw.githubusercontent.com/cabinetoffice/ocds_uk_extension/main/extension.json",
]
PUBLISHER = {"name": "Commissioning tracker"}

# The tracker's milestone kinds as OCDS milestone types (codelist milestoneType, UK extension).
KIND_TYPES = {
    Milestone.Kind.MARKET_ENGAGEMENT: "engagement",
    Milestone.Kind.PROVIDER_EVENT: "engagement",
    Milestone.Kind.NOTICE: "preProcurement",
    Milestone.Kind.TENDER_DEADLINE: "preProcurement",
    Milestone.Kind.EVALUATION: "assessment",
    Milestone.Kind.DECISION_MEETING: "approval",
    Milestone.Kind.AWARD: "futureSignatureDate",
    Milestone.Kind.STANDSTILL_END: "approval",
    Milestone.Kind.OPTION_DECISION: "approval",
    Milestone.Kind.CONTRACT_START: "delivery",
    Milestone.Kind.TERM_END: "delivery",
    Milestone.Kind.MAX_EXTENT: "delivery",
    Milestone.Kind.FRAMEWORK_END: "delivery",
    Milestone.Kind.OTHER: "preProcurement",
}
MILESTONE_STATUS = {
    Milestone.Status.SCHEDULED: "scheduled",
    Milestone.Status.MET: "met",
    Milestone.Status.MISSED: "notMet",
}
TENDER_STATUS = {
    Stage.NEEDS_ASSESSMENT: "planning",
    Stage.STRATEGY: "planning",
    Stage.MARKET_ENGAGEMENT: "planning",
    Stage.PROCUREMENT: "active",
    Stage.EVALUATION: "active",
    Stage.AWARD: "active",
    Stage.MOBILISATION: "complete",
    Stage.LIVE: "complete",
}
# Dates a lot's contract period already carries: not repeated as planning milestones.
PERIOD_KINDS = {
    Milestone.Kind.CONTRACT_START,
    Milestone.Kind.TERM_END,
    Milestone.Kind.MAX_EXTENT,
    Milestone.Kind.FRAMEWORK_END,
}
RELEASE_TAG = {
    Stage.NEEDS_ASSESSMENT: "planning",
    Stage.STRATEGY: "planning",
    Stage.MARKET_ENGAGEMENT: "planning",
    Stage.PROCUREMENT: "tender",
    Stage.EVALUATION: "tender",
    Stage.AWARD: "award",
    Stage.MOBILISATION: "contract",
    Stage.LIVE: "contract",
}


def local_ocid(kind: str, pk: int) -> str | None:
    """An OCID under the council's registered prefix, or None when no prefix is set."""
    prefix = getattr(settings, "OCDS_OCID_PREFIX", "")
    return f"{prefix}-{kind}-{pk}" if prefix else None


# The line the importer adds to a milestone's description, left out of the export so that
# importing the export again does not add it twice.
_PROVENANCE = re.compile(r"\s*From release .+ \(\$[^)]*\)\.\s*$")


def _description(text: str) -> str:
    return _PROVENANCE.sub("", text).strip()


def _published_ids(cycle: CommissioningCycle | None) -> tuple[str | None, dict[int, tuple[str, str]]]:
    """The tender id and, by contract, the (award id, contract id) that the notices published."""
    if cycle is None:
        return None, {}
    tender_id, awards = None, {}
    for iv in ImportedValue.objects.filter(cycle=cycle).filter(key__startswith="award:") | ImportedValue.objects.filter(
        cycle=cycle, key="tender:id"
    ):
        if iv.key == "tender:id":
            tender_id = iv.value
        elif isinstance(iv.value, dict) and iv.value.get("contract"):
            award_id = iv.key.removeprefix("award:")
            awards[iv.value["contract"]] = (award_id, iv.value.get("contract_id") or "")
    return tender_id, awards


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _amount(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value.normalize()


def _value(amount: Decimal | None, includes_vat: bool | None = None) -> dict | None:
    """A Value: a value recorded with VAT is the UK extension's ``amountGross`` ("the amount
    including all taxes"); otherwise ``amount`` (read back by ``parser.money_value``)."""
    if amount is None:
        return None
    return {"amountGross" if includes_vat else "amount": _amount(amount), "currency": "GBP"}


def organisation_identifiers(organisation: Organisation) -> list[dict]:
    """Every identifier the tracker holds for an organisation, PPON first, as OCDS identifiers."""
    found = []
    if organisation.ppon_id:
        found.append({"scheme": "GB-PPON", "id": organisation.ppon_id})
    if organisation.company_number:
        found.append({"scheme": "GB-COH", "id": organisation.company_number})
    if organisation.charity_number:
        number = organisation.charity_number
        scheme = (
            "GB-SC" if number.upper().startswith("SC") else "GB-NIC" if number.upper().startswith("NI") else "GB-CHC"
        )
        found.append({"scheme": scheme, "id": number})
    found += [{"scheme": i.scheme, "id": i.identifier} for i in organisation.identifiers.all()]
    return found


def _party(organisation: Organisation, role: str) -> tuple[dict, dict]:
    """The party entry and the reference to it."""
    identifiers = organisation_identifiers(organisation)
    first = identifiers[0] if identifiers else None
    party_id = f"{first['scheme']}-{first['id']}" if first else f"tracker-organisation-{organisation.pk}"
    party = {"id": party_id, "name": organisation.name, "roles": [role]}
    if first:
        party["identifier"] = first
    if len(identifiers) > 1:
        party["additionalIdentifiers"] = identifiers[1:]
    if organisation.is_sme:
        party["details"] = {"scale": "sme"}
    return party, {"id": party_id, "name": organisation.name}


def _document(notice: Notice) -> dict:
    _, document_type = OCDS_PLACE[notice.notice_type]
    document = {
        "id": notice.fts_notice_id or f"tracker-notice-{notice.pk}",
        "documentType": document_type,
        "noticeType": notice.notice_type,
        "datePublished": _iso(notice.published_at),
    }
    if notice.description:
        document["description"] = notice.description
    if is_web_address(notice.url):  # an address stored before the http(s) rule is left out
        document["url"] = notice.url
        document["format"] = "text/html"
    return document


def _milestone(milestone: Milestone, milestone_id: str) -> dict:
    entry = {
        "id": milestone_id,
        "title": milestone.title,
        "type": KIND_TYPES.get(milestone.kind, "preProcurement"),
        # The tracker's own kind, so that importing the export back keeps it.
        "code": milestone.kind,
        "dueDate": _iso(milestone.due_at) if milestone.due_at else end_of_day(milestone.due_on),
        "status": MILESTONE_STATUS[milestone.status],
    }
    if description := _description(milestone.description):
        entry["description"] = description
    if milestone.status == Milestone.Status.MET and milestone.met_on:
        entry["dateMet"] = end_of_day(milestone.met_on)
    return entry


def _renewal(options: list[ExtensionOption]) -> dict | None:
    if not options:
        return None
    lengths = ", ".join(option.length_label for option in options)
    return {
        "description": f"{len(options)} extension option{'s' if len(options) != 1 else ''}: {lengths}",
        "maximumRenewals": len(options),
        "period": {"durationInMonths": sum(option.length_months for option in options)},
    }


def _period(start: date | None, end: date | None, max_extent: date | None) -> dict | None:
    period = {}
    if start:
        period["startDate"] = start_of_day(start)
    if end:
        period["endDate"] = end_of_day(end)
    if max_extent:
        period["maxExtentDate"] = end_of_day(max_extent)
    return period or None


def _contract_lot(contract: Contract, lot_id: str) -> dict:
    options = sorted(contract.options.all(), key=lambda option: option.sequence)
    lot = {
        "id": lot_id,
        "title": contract.title,
        "contractPeriod": _period(contract.start_date, contract.initial_end_date, contract.max_extent_date),
        "hasRenewal": bool(options),
    }
    if renewal := _renewal(options):
        lot["renewal"] = renewal
    return lot


def _lot_from_notices(lot: Lot, milestone_dates: dict[str, date]) -> dict:
    if lot.contract_id:
        entry = _contract_lot(lot.contract, lot.lot_id)
        if not entry["hasRenewal"] and lot.has_renewal:
            # The contract has no options recorded yet: what the notices said about renewal stands.
            entry["hasRenewal"] = True
            if renewal := _lot_renewal(lot):
                entry["renewal"] = renewal
        if lot.title:
            entry["title"] = lot.title
        if lot.status:
            entry["status"] = lot.status
        if lot.value is not None:
            entry["value"] = _value(lot.value)
        if suitability := _suitability(lot):
            entry["suitability"] = suitability
        return entry
    start = milestone_dates.get(f"lot:{lot.lot_id}:start", lot.start_date)
    end = milestone_dates.get(f"lot:{lot.lot_id}:end", lot.end_date)
    max_extent = milestone_dates.get(f"lot:{lot.lot_id}:max_extent", lot.max_extent_date)
    entry: dict = {"id": lot.lot_id}
    if lot.title:
        entry["title"] = lot.title
    if lot.status:
        entry["status"] = lot.status
    if period := _period(start, end, max_extent):
        entry["contractPeriod"] = period
    if lot.has_renewal is not None:
        entry["hasRenewal"] = lot.has_renewal
    if renewal := _lot_renewal(lot):
        entry["renewal"] = renewal
    if lot.value is not None:
        entry["value"] = _value(lot.value)
    if suitability := _suitability(lot):
        entry["suitability"] = suitability
    return entry


def _suitability(lot: Lot) -> dict:
    """Whether the notices said the lot suits SMEs and VCSEs (the suitability extension, and the UK's ``vcse``)."""
    return {
        key: value
        for key, value in (("sme", lot.suitable_for_sme), ("vcse", lot.suitable_for_vcse))
        if value is not None
    }


def _lot_renewal(lot: Lot) -> dict:
    renewal = {}
    if lot.renewal_description:
        renewal["description"] = lot.renewal_description
    if lot.minimum_renewals is not None:
        renewal["minimumRenewals"] = lot.minimum_renewals
    if lot.renewals_unlimited:
        renewal["maximumRenewals"] = Decimal("1e9999")  # OCDS for "no maximum", written as 1E+9999
    elif lot.maximum_renewals is not None:
        renewal["maximumRenewals"] = lot.maximum_renewals
    return renewal


def _place_documents(release: dict, notices: Iterable[Notice], award_id: str, contract_id: str) -> None:
    sections: dict[str, list] = {"planning": [], "tender": [], "awards": [], "contracts": []}
    for notice in notices:
        section, _ = OCDS_PLACE[notice.notice_type]
        sections[section].append(_document(notice))
    if sections["planning"]:
        release.setdefault("planning", {})["documents"] = sections["planning"]
    if sections["tender"]:
        release["tender"]["documents"] = sections["tender"]
    if sections["awards"] or sections["contracts"]:
        awards = release.setdefault("awards", [{"id": award_id}])
        if sections["awards"]:
            awards[0]["documents"] = sections["awards"]
    if sections["contracts"]:
        contracts = release.setdefault("contracts", [{"id": contract_id, "awardID": release["awards"][0]["id"]}])
        contracts[0]["documents"] = sections["contracts"]


def _amendments(notices: Iterable[Notice], *, contract_changes: bool = False) -> list[dict]:
    """The notices' amendments: a contract change's (UK10) when ``contract_changes``, else the others."""
    return [
        {"id": notice.fts_notice_id or f"tracker-notice-{notice.pk}", "description": notice.amendment}
        for notice in notices
        if notice.amendment and (notice.notice_type == "UK10") == contract_changes
    ]


def _award_and_contract(contract: Contract, published: tuple[str, str] | None = None) -> tuple[dict, dict]:
    award_id = (published[0] if published else "") or f"award-{contract.reference}"
    contract_id = (published[1] if published else "") or contract.reference
    award: dict = {"id": award_id, "status": "active"}
    if contract.provider_id:
        award["suppliers"] = [_party(contract.provider, "supplier")[1]]
    period = _period(contract.start_date, contract.current_end_date, contract.max_extent_date)
    award["contractPeriod"] = period
    entry = {
        "id": contract_id,
        "awardID": award_id,
        "title": contract.title,
        "period": period,
        "status": "terminated" if contract.terminated_on else ("active" if contract.provider_id else "pending"),
    }
    if value := _value(contract.total_value, contract.value_includes_vat):
        entry["value"] = value
    options = sorted(contract.options.all(), key=lambda option: option.sequence)
    entry["hasRenewal"] = bool(options)
    if renewal := _renewal(options):
        entry["renewal"] = renewal
    if amendments := _amendments(contract.notices.order_by("published_at", "pk"), contract_changes=True):
        entry["amendments"] = amendments
    return award, entry


def _finish(release: dict, ocid: str, now: datetime) -> dict:
    """Give the release its id (from its content, so the same content has the same id) and date."""
    digest = hashlib.sha256(jsontext.dumps(release).encode()).hexdigest()[:16]
    return {"ocid": ocid, "id": f"{ocid}-tracker-{digest}", "date": _iso(now), **release}


def cycle_release(cycle: CommissioningCycle, *, now: datetime | None = None) -> dict | None:
    """The cycle as one release; None when it has no OCID and no registered prefix is set."""
    now = now or timezone.now()
    ocid = cycle.ocid or local_ocid("cycle", cycle.pk)
    if ocid is None:
        return None
    tender_id, published = _published_ids(cycle)
    contracts = (
        list(Contract.objects.filter(ocid=cycle.ocid).select_related("buyer", "provider").prefetch_related("options"))
        if cycle.ocid
        else []
    )
    imported = {iv.key: iv for iv in ImportedValue.objects.filter(cycle=cycle).select_related("milestone")}
    written_elsewhere = {
        iv.milestone_id for key, iv in imported.items() if iv.milestone_id and not key.startswith("milestone:planning:")
    }
    planning_ids = {
        iv.milestone_id: key.removeprefix("milestone:planning:")
        for key, iv in imported.items()
        if key.startswith("milestone:planning:") and iv.milestone_id
    }
    milestone_dates = {
        key.removeprefix("milestone:"): iv.milestone.due_on
        for key, iv in imported.items()
        if iv.milestone_id and key.startswith("milestone:lot:")
    }
    notices = list(cycle.notices.order_by("published_at", "pk"))
    latest = cycle.releases.filter(applied=True, buyer__isnull=False).select_related("buyer").order_by("-date").first()
    buyer = (
        latest.buyer
        if latest
        else next((c.buyer for c in contracts), None)
        or next((c.buyer for c in cycle.replaces.select_related("buyer")), None)
    )

    release: dict = {"tag": [RELEASE_TAG[Stage(cycle.stage)]], "initiationType": "tender", "language": "en"}
    parties = []
    if buyer is not None:
        party, reference = _party(buyer, "buyer")
        parties.append(party)
        release["buyer"] = reference
    lots = list(cycle.lots.select_related("contract").prefetch_related("contract__options"))
    has_lots = bool(lots or contracts)
    milestones = [
        _milestone(m, planning_ids.get(m.pk, f"tracker-{m.pk}"))
        for m in cycle.milestones.filter(duty__isnull=True)
        .exclude(status=Milestone.Status.CANCELLED)
        .order_by("due_on", "pk")
        if m.pk not in written_elsewhere and not (has_lots and m.kind in PERIOD_KINDS and m.pk not in planning_ids)
    ]
    if milestones:
        release["planning"] = {"milestones": milestones}
    tender: dict = {
        "id": tender_id or f"tracker-cycle-{cycle.pk}",
        "title": cycle.name,
        "status": TENDER_STATUS[Stage(cycle.stage)],
        "mainProcurementCategory": "services",
    }
    if cycle.description:
        tender["description"] = cycle.description
    if value := _value(cycle.estimated_value, cycle.estimated_value_includes_vat):
        tender["value"] = value
    if cycle.is_light_touch:
        tender["specialRegime"] = ["lightTouch"]
    if lots:
        tender["lots"] = [_lot_from_notices(lot, milestone_dates) for lot in lots]
    elif contracts:
        tender["lots"] = [_contract_lot(contract, str(index)) for index, contract in enumerate(contracts, start=1)]
    future = imported.get("milestone:futureNoticeDate")
    if future is not None and future.milestone_id and future.milestone.status == Milestone.Status.SCHEDULED:
        tender["communication"] = {"futureNoticeDate": end_of_day(future.milestone.due_on)}
    if amendments := _amendments(notices):
        tender["amendments"] = amendments
    release["tender"] = tender
    awarded = [c for c in contracts if c.provider_id]
    if awarded:
        release["awards"], release["contracts"] = [], []
        for contract in awarded:
            award, entry = _award_and_contract(contract, published.get(contract.pk))
            release["awards"].append(award)
            release["contracts"].append(entry)
            parties.append(_party(contract.provider, "supplier")[0])
    _place_documents(
        release,
        notices,
        award_id=release["awards"][0]["id"] if awarded else "1",
        contract_id=release["contracts"][0]["id"] if awarded else "1",
    )
    if parties:
        release["parties"] = _unique_parties(parties)
    return _finish(release, ocid, now)


def _unique_parties(parties: list[dict]) -> list[dict]:
    merged: dict[str, dict] = {}
    for party in parties:
        if party["id"] in merged:
            roles = merged[party["id"]]["roles"]
            roles.extend(role for role in party["roles"] if role not in roles)
        else:
            merged[party["id"]] = {**party, "roles": list(party["roles"])}
    return list(merged.values())


def contract_release(contract: Contract, *, now: datetime | None = None) -> dict | None:
    """A contract on its own: one lot (the contract), its milestones, its notices; None when it
    has no OCID and no registered prefix is set."""
    now = now or timezone.now()
    ocid = contract.ocid or local_ocid("contract", contract.pk)
    if ocid is None:
        return None
    notices = list(contract.notices.order_by("published_at", "pk"))
    parties = [_party(contract.buyer, "buyer")[0]]
    release: dict = {
        "tag": ["contract" if contract.provider_id else "tender"],
        "initiationType": "tender",
        "language": "en",
        "buyer": _party(contract.buyer, "buyer")[1],
    }
    milestones = [
        _milestone(m, f"tracker-{m.pk}")
        for m in contract.milestones.filter(duty__isnull=True)
        .exclude(source=Milestone.Source.DERIVED)
        .exclude(status=Milestone.Status.CANCELLED)
        .exclude(kind__in=PERIOD_KINDS)
        .order_by("due_on", "pk")
    ]
    if milestones:
        release["planning"] = {"milestones": milestones}
    tender: dict = {
        "id": f"tracker-contract-{contract.pk}",
        "title": contract.title,
        "status": "complete" if contract.provider_id else "planning",
        "mainProcurementCategory": "services",
        "lots": [_contract_lot(contract, "1")],
    }
    if contract.description:
        tender["description"] = contract.description
    if value := _value(contract.total_value, contract.value_includes_vat):
        tender["value"] = value
    if contract.is_light_touch:
        tender["specialRegime"] = ["lightTouch"]
    if amendments := _amendments(notices):
        tender["amendments"] = amendments
    release["tender"] = tender
    award_id, contract_id = f"award-{contract.reference}", contract.reference
    if contract.provider_id:
        cycle = CommissioningCycle.objects.filter(ocid=contract.ocid).first() if contract.ocid else None
        award, entry = _award_and_contract(contract, _published_ids(cycle)[1].get(contract.pk))
        release["awards"], release["contracts"] = [award], [entry]
        award_id, contract_id = award["id"], entry["id"]
        parties.append(_party(contract.provider, "supplier")[0])
    _place_documents(release, notices, award_id=award_id, contract_id=contract_id)
    release["parties"] = _unique_parties(parties)
    return _finish(release, ocid, now)


def release_package(releases: list[dict], *, uri: str, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": EXTENSIONS,
        "publishedDate": _iso(now),
        "publisher": PUBLISHER,
        "releases": releases,
    }


def releases_for_all(
    cycles: Iterable[CommissioningCycle], contracts: Iterable[Contract], *, now: datetime | None = None
) -> list[dict]:
    """One release per cycle, and one per contract that no exported cycle already holds (by OCID)."""
    now = now or timezone.now()
    releases, covered = [], set()
    for cycle in cycles:
        if (release := cycle_release(cycle, now=now)) is not None:
            releases.append(release)
        if cycle.ocid:
            covered.add(cycle.ocid)
    for contract in contracts:
        if contract.ocid and contract.ocid in covered:
            continue
        if (release := contract_release(contract, now=now)) is not None:
            releases.append(release)
    return releases


def to_json(package: dict, *, indent: int | None = 2) -> str:
    return jsontext.dumps(package, indent=indent)
