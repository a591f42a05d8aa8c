"""`make run` serves the tracker from SQLite while production and CI use PostgreSQL, so the
application's queries must be portable. CI runs the suite on PostgreSQL only, where a
PostgreSQL-only ORM feature works, so this reads the code for the ones Django refuses on
SQLite: DISTINCT ON (``.distinct("field")``) and ``django.contrib.postgres``. A query that
needs one must be written another way (the Market page's latest release per procurement is a
NOT EXISTS) or have a portable branch beside it, under ``if
connection.features.can_distinct_on_fields:`` or a ``connection.vendor`` test.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project's own packages (a folder with an __init__.py at the top of the checkout), not the
# virtual environment, node_modules or the tests.
PACKAGES = [
    folder
    for folder in ROOT.iterdir()
    if (folder / "__init__.py").exists() and folder.name not in {"tests", "bench", ".venv", "node_modules"}
]
APPS = [path for folder in PACKAGES for path in folder.rglob("*.py") if "migrations" not in path.parts]


def postgresql_only(path: Path) -> list[str]:
    found = []
    source = path.read_text()
    tree = ast.parse(source, filename=str(path))
    # Code under `if connection.features.can_distinct_on_fields:` or a `connection.vendor` test
    # is PostgreSQL's branch of a query written both ways.
    guarded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and any(
            word in ast.unparse(node.test) for word in ("can_distinct_on_fields", "vendor")
        ):
            for inner in node.body:
                guarded.update(range(inner.lineno, inner.end_lineno + 1))
    for node in ast.walk(tree):
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and node.func.attr == "distinct" and node.args and node.lineno not in guarded:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .distinct() with fields (DISTINCT ON)")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.contrib.postgres"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {node.module}")
        if isinstance(node, ast.Import) and any(
            alias.name.startswith("django.contrib.postgres") for alias in node.names
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports django.contrib.postgres")
    return found


def test_the_application_uses_no_postgresql_only_orm_feature_that_sqlite_refuses():
    assert len(APPS) > 50, "the application's modules were not found"
    found = [line for path in APPS for line in postgresql_only(path)]
    assert found == []


def test_the_check_finds_distinct_on(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('def latest(q):\n    return q.order_by("ocid").distinct("ocid")\n')
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert postgresql_only(sample) == ["sample.py:2: .distinct() with fields (DISTINCT ON)"]
        sample.write_text(
            "def latest(q, connection):\n"
            "    if connection.features.can_distinct_on_fields:\n"
            '        return q.order_by("ocid").distinct("ocid")\n'
            "    return q\n"
        )
        assert postgresql_only(sample) == []
    finally:
        ROOT = saved
