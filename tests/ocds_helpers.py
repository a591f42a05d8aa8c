"""Helpers for the OCDS tests: the seed releases, and importing bytes as the command would."""

from __future__ import annotations

import copy
import io
import json
from decimal import Decimal
from pathlib import Path

from contracts.models import Organisation
from notices.ocds import jsontext
from notices.ocds.loader import ImportOptions, Outcome, import_releases

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ocds"
MK_FILE = FIXTURES / "mk-domestic-abuse-support-services.release.json"
CLEVELAND_FILE = FIXTURES / "cleveland-victim-support.release.json"
MK_OCID = "ocds-h6vhtk-05a7b0"
CLEVELAND_OCID = "ocds-h6vhtk-06a838"
MK_RELEASE_ID = "ocds-h6vhtk-05a7b0-2026-02-26T16:34:30Z"
CLEVELAND_RELEASE_ID = "ocds-h6vhtk-06a838-2026-06-02T13:31:21+01:00"


def mk_release() -> dict:
    return json.loads(MK_FILE.read_text(), parse_float=Decimal)


def cleveland_release() -> dict:
    return json.loads(CLEVELAND_FILE.read_text(), parse_float=Decimal)


def as_bytes(value) -> bytes:
    return jsontext.dumps(value).encode() if not isinstance(value, bytes) else value


def import_bytes(data, **options) -> list[Outcome]:
    return list(import_releases(io.BytesIO(as_bytes(data)), ImportOptions(**options)))


def make_seed_buyers() -> tuple[Organisation, Organisation]:
    mkcc = Organisation.objects.create(
        name="Milton Keynes City Council", role=Organisation.Role.BUYER, ppon_id="PLDZ-6131-PWZH"
    )
    opcc = Organisation.objects.create(
        name="The Office of the Police and Crime Commissioner for Cleveland",
        role=Organisation.Role.BUYER,
        ppon_id="PWRJ-9675-VWVL",
    )
    return mkcc, opcc


def later(release: dict, *, when: str, notice_id: str | None = None, notice_type: str = "UK2") -> dict:
    """The same procurement's next release: a new id and date, and a new notice if asked."""
    release = copy.deepcopy(release)
    release["id"] = f"{release['ocid']}-{when}"
    release["date"] = when
    if notice_id:
        release.setdefault("planning", {}).setdefault("documents", []).append(
            {
                "id": notice_id,
                "documentType": "marketEngagementNotice",
                "noticeType": notice_type,
                "url": f"https://www.find-tender.service.gov.uk/Notice/{notice_id}",
                "datePublished": when,
            }
        )
    return release
