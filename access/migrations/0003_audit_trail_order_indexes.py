"""An index on (history_date, history_id) for every history table the audit trail reads.

The audit trail (access.audit) reads each table's newest changes in the order
``history_date DESC, history_id DESC``. With only simple-history's index on ``history_date``,
PostgreSQL had to read and sort every row sharing the newest moment to find a page, and a bulk
write gives all its rows one moment (``bulk_create_with_history``): 130,000 milestones' history
rows at 100,000 contracts, 148 ms of an admin's page (issue 24). These indexes give the order
itself, and the "Older changes" cursor a place to start.

simple-history makes these tables itself and takes no index options, so the indexes are made
here by name, one list fixed at this point of the project; tests/test_access_audit.py fails for
a history table without one (add it in a migration like this).
"""

from django.db import migrations

TABLES = [
    "access_historicalsecondfactorchange",
    "access_historicaluser",
    "api_historicalapitoken",
    "commissioning_historicalcommissioningcycle",
    "commissioning_historicalmilestone",
    "commissioning_historicalservice",
    "commissioning_historicalstagetimings",
    "contracts_historicalcontract",
    "contracts_historicalcontractaccess",
    "contracts_historicalextensionoption",
    "contracts_historicalorganisation",
    "contracts_historicalteam",
    "notices_historicalauthorityspend",
    "notices_historicalconflict",
    "notices_historicalcontractbreach",
    "notices_historicalcouncilmeeting",
    "notices_historicalduty",
    "notices_historicalkeydecisionpolicy",
    "notices_historicallot",
    "notices_historicalnotice",
    "notices_historicalpayment",
    "reminders_historicalquietdays",
    "reminders_historicalreminderrule",
    "reports_historicaldecisionreport",
    "reports_historicalkpiresult",
    "reports_historicalmonitoringreturn",
    "reports_historicalqualityassessment",
    "reports_historicalreportoption",
]


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_second_factor_change"),
        ("api", "0002_apitoken_expires_at"),
        ("commissioning", "0011_dashboard_lists_in_order"),
        ("contracts", "0011_lists_in_order"),
        ("notices", "0010_notice_newest_first_index"),
        ("reminders", "0006_reminders_page_indexes"),
        ("reports", "0004_implications_procurement_routes_and_approved_docx"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f'CREATE INDEX "{table}_audit_order" ON "{table}" ("history_date", "history_id")',
            reverse_sql=f'DROP INDEX "{table}_audit_order"',
        )
        for table in TABLES
    ]
