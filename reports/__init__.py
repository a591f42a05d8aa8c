"""Performance data and decision reports (issue 6).

Quarterly monitoring returns with their KPI results, quality assessments, and the decision
reports built from them and from the contract register, printed as tagged PDFs.

Why an app of its own: the issue names ``contracts/`` for the performance data and
``commissioning/`` for the reports, but those apps' models and migrations were being changed
by others at the same time. Keeping these models here gives them their own migration history,
so no two changes ever write the same migration number. The models point at contracts,
options and cycles through ordinary foreign keys; moving them later is a matter of
``SeparateDatabaseAndState`` migrations, if ever wanted.
"""
