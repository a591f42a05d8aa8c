"""The seventeen notices of the Procurement Act 2023, and where each sits in an OCDS release.

Names: Government Commercial Agency, "Procurement Act 2023 notices: what they mean and how
to use them" (https://www.gca.gov.uk/news/procurement-act-2023-notices-what-they-mean-and-how-to-use-them-procurement-essentials),
which numbers them UK1 pipeline ... UK17 payments compliance, and Find a Tender's "Notice types
and sequences" (https://www.find-tender.service.gov.uk/Home/NoticeTypes) for the four
dynamic market notices, UK13 to UK16.

Where they sit: Find a Tender publishes the number as ``documents[].noticeType`` (a field of
the Cabinet Office UK extension) beside an OCDS ``documentType``, in the section the notice
belongs to: planning (UK1 to UK3), tender (UK4, UK12 to UK16), awards (UK5, UK6) or
contracts (UK7 to UK11, UK17). The document types are those Find a Tender uses, from the OCDS
documentType codelist and the UK extension's additions.
"""

from __future__ import annotations

from django.db import models


class NoticeType(models.TextChoices):
    UK1 = "UK1", "UK1 pipeline notice"
    UK2 = "UK2", "UK2 preliminary market engagement notice"
    UK3 = "UK3", "UK3 planned procurement notice"
    UK4 = "UK4", "UK4 tender notice"
    UK5 = "UK5", "UK5 transparency notice"
    UK6 = "UK6", "UK6 contract award notice"
    UK7 = "UK7", "UK7 contract details notice"
    UK8 = "UK8", "UK8 contract payment notice"
    UK9 = "UK9", "UK9 contract performance notice"
    UK10 = "UK10", "UK10 contract change notice"
    UK11 = "UK11", "UK11 contract termination notice"
    UK12 = "UK12", "UK12 procurement termination notice"
    UK13 = "UK13", "UK13 dynamic market intention notice"
    UK14 = "UK14", "UK14 dynamic market establishment notice"
    UK15 = "UK15", "UK15 dynamic market modification notice"
    UK16 = "UK16", "UK16 dynamic market cessation notice"
    UK17 = "UK17", "UK17 payments compliance notice"


# notice type: (OCDS section, OCDS documentType)
OCDS_PLACE: dict[str, tuple[str, str]] = {
    "UK1": ("planning", "plannedProcurementNotice"),
    "UK2": ("planning", "marketEngagementNotice"),
    "UK3": ("planning", "plannedProcurementNotice"),
    "UK4": ("tender", "tenderNotice"),
    "UK5": ("awards", "awardNotice"),
    "UK6": ("awards", "awardNotice"),
    "UK7": ("contracts", "contractNotice"),
    "UK8": ("contracts", "implementationNotice"),
    "UK9": ("contracts", "implementationNotice"),
    "UK10": ("contracts", "contractNotice"),
    "UK11": ("contracts", "contractTerminationNotice"),
    "UK12": ("tender", "tenderCancellationNotice"),
    "UK13": ("tender", "tenderNotice"),
    "UK14": ("tender", "tenderNotice"),
    "UK15": ("tender", "tenderNotice"),
    "UK16": ("tender", "tenderNotice"),
    "UK17": ("contracts", "implementationNotice"),
}


def notice_type_label(code: str) -> str:
    try:
        return NoticeType(code).label
    except ValueError:
        return code
