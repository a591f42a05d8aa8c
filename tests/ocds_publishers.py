"""Small OCDS releases in the shape each UK publisher writes them, made here for the tests.

Each builder gives one release as that publisher lays it out: its OCID prefix, its release ids,
how it identifies the buyer (Find a Tender: GB-PPON; Contracts Finder: GB-CFS; Public
Contracts Scotland and Sell2Wales: other org-id.guide schemes, with ``submissionTerms`` on every
lot). The values are invented; the shapes follow the publishers' public files.
"""

from __future__ import annotations

import copy
from decimal import Decimal

LEGAL_BASIS = {"id": "2023/54", "scheme": "UKPGA", "uri": "https://www.legislation.gov.uk/ukpga/2023/54/contents"}


def _party(party_id: str, name: str, roles: list[str], identifier: dict, *additional: dict) -> dict:
    party = {"id": party_id, "name": name, "roles": roles, "identifier": identifier}
    if additional:
        party["additionalIdentifiers"] = list(additional)
    return party


def _lot(
    lot_id: str = "1",
    *,
    start: str = "2027-04-01T00:00:00+01:00",
    end: str = "2029-03-31T23:59:59+01:00",
    submission_terms: bool = False,
) -> dict:
    lot = {
        "id": lot_id,
        "title": f"Lot {lot_id}",
        "status": "active",
        "value": {"amount": Decimal(250000), "currency": "GBP"},
        "contractPeriod": {"startDate": start, "endDate": end},
    }
    if submission_terms:
        lot["submissionTerms"] = {"electronicSubmissionPolicy": "required", "variantPolicy": "notAllowed"}
    return lot


def find_a_tender(notice_type: str = "UK4", *, number: int = 1, when: str = "2026-05-01T09:00:00+01:00") -> dict:
    """A Find a Tender release: GB-PPON buyer, the Act's legal basis, a notice in the tender's documents."""
    ocid = f"ocds-h6vhtk-0f{number:04d}"
    notice_id = f"0{number:05d}-2026"
    return {
        "ocid": ocid,
        "id": f"{ocid}-{when}",
        "date": when,
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [
            _party(
                "GB-PPON-PABC-1234-DEFG",
                "Anytown Borough Council",
                ["buyer"],
                {"scheme": "GB-PPON", "id": "PABC-1234-DEFG"},
            )
        ],
        "buyer": {"id": "GB-PPON-PABC-1234-DEFG", "name": "Anytown Borough Council"},
        "tender": {
            "id": ocid,
            "title": "Domestic abuse support service",
            "status": "active",
            "legalBasis": LEGAL_BASIS,
            "value": {"amount": Decimal(500000), "currency": "GBP"},
            "specialRegime": ["lightTouch"],
            "tenderPeriod": {"endDate": "2026-06-12T12:00:00+01:00"},
            "lots": [_lot()],
            "documents": [
                {
                    "id": notice_id,
                    "documentType": "tenderNotice",
                    "noticeType": notice_type,
                    "url": f"https://www.find-tender.service.gov.uk/Notice/{notice_id}",
                    "datePublished": when,
                }
            ],
        },
    }


def contracts_finder(*, number: int = 1) -> dict:
    """A Contracts Finder release: GB-CFS buyer id, no lots, no legal basis, the release id is the notice's."""
    ocid = f"ocds-b5fd17-5a1e0000-0000-4000-8000-{number:012d}"
    return {
        "ocid": ocid,
        "id": f"{ocid}-notice-{number}",
        "date": "2026-04-14T10:15:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "language": "en",
        "parties": [
            _party("GB-CFS-40721", "Borsetshire County Council", ["buyer"], {"scheme": "GB-CFS", "id": "40721"})
        ],
        "buyer": {"id": "GB-CFS-40721", "name": "Borsetshire County Council"},
        "tender": {
            "id": f"notice-{number}",
            "title": "Refuge accommodation and support",
            "description": "Refuge accommodation with children's support.",
            "status": "active",
            "value": {"amount": Decimal(180000), "currency": "GBP"},
            "tenderPeriod": {"startDate": "2026-04-14T00:00:00Z", "endDate": "2026-05-26T12:00:00+01:00"},
            "contractPeriod": {"startDate": "2026-09-01T00:00:00+01:00", "endDate": "2028-08-31T23:59:59+01:00"},
        },
    }


def public_contracts_scotland(*, number: int = 1) -> dict:
    """A Public Contracts Scotland release: a local-authority code for the buyer, submissionTerms on each lot."""
    ocid = f"ocds-r6ebe6-0000{number:06d}"
    return {
        "ocid": ocid,
        "id": f"{ocid}-{number}",
        "date": "2026-03-02T14:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [
            _party(
                "org-1",
                "Glenbrae Council",
                ["buyer"],
                {"scheme": "GB-LAS", "id": "GLB"},
                {"scheme": "GB-SC", "id": "SC000001"},
            )
        ],
        "buyer": {"id": "org-1", "name": "Glenbrae Council"},
        "tender": {
            "id": f"MAR{number:06d}",
            "title": "Independent domestic abuse advocacy",
            "status": "active",
            "value": {"amount": Decimal(320000), "currency": "GBP"},
            "tenderPeriod": {"endDate": "2026-04-10T12:00:00Z"},
            "lots": [_lot("1", submission_terms=True), _lot("2", submission_terms=True)],
        },
    }


def sell2wales(*, number: int = 1) -> dict:
    """A Sell2Wales release: a Companies House number for the buyer (a housing association), submissionTerms on the lot."""
    ocid = f"ocds-kuma6s-{number:06d}"
    return {
        "ocid": ocid,
        "id": f"{ocid}-{number}",
        "date": "2026-02-20T09:30:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [
            _party("GB-COH-01234567", "Cwm Housing Association", ["buyer"], {"scheme": "GB-COH", "id": "01234567"})
        ],
        "buyer": {"id": "GB-COH-01234567", "name": "Cwm Housing Association"},
        "tender": {
            "id": f"CWM{number:04d}",
            "title": "Sanctuary scheme",
            "status": "active",
            "tenderPeriod": {"endDate": "2026-03-20T12:00:00Z"},
            "lots": [_lot("1", submission_terms=True)],
        },
    }


def versioned(release: dict) -> dict:
    """The release as a record's versionedRelease writes it: each value a list of its versions."""

    def wrap(value):
        if isinstance(value, dict):
            return {key: wrap(item) for key, item in value.items()}
        return [
            {"releaseID": release["id"], "releaseDate": release["date"], "releaseTag": release["tag"], "value": value}
        ]

    result = {key: wrap(value) for key, value in release.items() if key not in ("ocid", "id", "date", "tag")}
    result["ocid"] = release["ocid"]
    return result


def ocds_1_0(release: dict) -> dict:
    """The release as OCDS 1.0 wrote it: no parties, the buyer in full."""
    release = copy.deepcopy(release)
    party = release.pop("parties")[0]
    release["buyer"] = {"name": party["name"], "identifier": party["identifier"]}
    return release


def awarded(
    notice_type: str = "UK7",
    *,
    when: str = "2026-08-01T09:00:00+01:00",
    amount: str = "480000",
    end: str = "2029-03-31T23:59:59+01:00",
    status: str = "active",
    amendments: list | None = None,
) -> dict:
    """The procurement's later release: the award to Safe Haven Trust and the contract signed for it."""
    release = find_a_tender(notice_type, when=when)
    release["id"] = f"{release['ocid']}-{when}"
    release["tag"] = ["award", "contract"]
    release["tender"]["status"] = "complete"
    release["tender"]["documents"][0]["id"] = f"0{notice_type}-2026"
    release["parties"].append(
        {
            "id": "GB-CHC-1100001",
            "name": "Safe Haven Trust",
            "roles": ["supplier"],
            "identifier": {"scheme": "GB-CHC", "id": "1100001"},
        }
    )
    release["awards"] = [
        {
            "id": "AW-1",
            "status": "active",
            "suppliers": [{"id": "GB-CHC-1100001", "name": "Safe Haven Trust"}],
            "value": {"amount": Decimal(amount), "currency": "GBP"},
        }
    ]
    contract = {
        "id": "CT-1",
        "awardID": "AW-1",
        "status": status,
        "value": {"amount": Decimal(amount), "currency": "GBP"},
        "period": {
            "startDate": "2027-04-01T00:00:00+01:00",
            "endDate": end,
            "maxExtentDate": "2031-03-31T23:59:59+01:00",
        },
        "dateSigned": "2026-07-28T00:00:00+01:00",
    }
    if amendments:
        contract["amendments"] = amendments
    release["contracts"] = [contract]
    return release
