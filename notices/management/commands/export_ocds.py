"""``python manage.py export_ocds``: contracts and cycles as an OCDS 1.1 release package (JSON)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from commissioning.models import CommissioningCycle
from contracts.models import Contract
from notices.ocds import exporter


class Command(BaseCommand):
    help = (
        "Write an OCDS 1.1 release package: every cycle and contract, or the ones named with --cycle "
        "(an id) and --contract (a reference). Writes to standard output unless --output is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", action="append", type=int, default=[], help="A cycle's id (repeatable)")
        parser.add_argument("--contract", action="append", default=[], help="A contract's reference (repeatable)")
        parser.add_argument("--output", "-o", help="The file to write")

    def handle(self, *args, cycle, contract, output=None, **options):
        if cycle or contract:
            cycles = list(CommissioningCycle.objects.filter(pk__in=cycle))
            contracts = list(Contract.objects.filter(reference__in=contract))
            missing = set(cycle) - {c.pk for c in cycles}
            missing_refs = set(contract) - {c.reference for c in contracts}
            if missing or missing_refs:
                named = [f"cycle {pk}" for pk in sorted(missing)] + [f"contract {ref}" for ref in sorted(missing_refs)]
                raise CommandError(f"Not found: {', '.join(named)}")
            named = [(f"cycle {c.pk}", exporter.cycle_release(c)) for c in cycles]
            named += [(f"contract {c.reference}", exporter.contract_release(c)) for c in contracts]
            # A record without an OCID is left out unless OCDS_OCID_PREFIX gives it one: say which.
            left_out = [name for name, release in named if release is None]
            if left_out:
                self.stderr.write(f"Left out, as it has no OCID and OCDS_OCID_PREFIX is not set: {', '.join(left_out)}")
            releases = [release for _, release in named if release is not None]
        else:
            releases = exporter.releases_for_all(
                CommissioningCycle.objects.order_by("pk"), Contract.objects.order_by("reference")
            )
        if not releases:
            raise CommandError("There is nothing to export")
        package = exporter.release_package(releases, uri=f"{settings.SITE_URL.rstrip('/')}/notices/export/")
        text = exporter.to_json(package)
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
            self.stdout.write(f"Wrote {len(releases)} release{'s' if len(releases) != 1 else ''} to {output}")
        else:
            self.stdout.write(text)
