"""The compiled twin of the release schema refuses exactly what jsonschema refused, with the same words.

``schema.ReleaseValidator`` lets jsonschema-rs answer "valid" and asks jsonschema why not for
anything else, and ``parser._numbers_and_text_fit`` lets one quick walk stand for the two that
say where a number or a string is wrong. Each test compares ``check_release`` with the check as
it was before (``as_before``: jsonschema and both walks on every release) on the same release:
every release the tests and the shared data hold, crafted releases with each kind of error the
schema can find, releases that are not JSON as the reader builds it, and a few hundred random
changes to real releases.
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import os
import random
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from jsonschema import Draft4Validator, _utils

from bench.ocds_import import release as bench_release
from notices.ocds import parser, schema
from notices.ocds.reader import read_releases
from notices.ocds.schema import ReleaseValidator, ecma_pattern, release_schema, release_validator
from tests.ocds_helpers import as_bytes
from tests.ocds_publishers import (
    awarded,
    contracts_finder,
    find_a_tender,
    ocds_1_0,
    public_contracts_scotland,
    sell2wales,
    versioned,
)
from tests.test_ocds_hostile_input import WRONG_TYPES

ROOT = Path(__file__).resolve().parent.parent
# shared/ sits beside the project (CI, the main checkout) or beside the folder of worktrees.
SHARED_OCDS = next(
    (path for path in (ROOT.parent / "shared/data/ocds", ROOT.parent.parent / "shared/data/ocds") if path.is_dir()),
    None,
)
RELEASE_FILES = sorted(
    [
        *(ROOT / "tests/fixtures/ocds").glob("*.json"),
        *(ROOT / "notices/seed_releases").glob("*.json"),
        *(SHARED_OCDS.glob("*.json") if SHARED_OCDS else []),
    ]
)


@contextmanager
def without_shortcuts():
    """check_release as it was: jsonschema on every release, both walks on every release."""
    full = release_validator().full
    with (
        mock.patch.object(parser, "release_validator", lambda: full),
        mock.patch.object(parser, "_numbers_and_text_fit", lambda release: False),
    ):
        yield


def as_before(release: object) -> list[parser.Problem]:
    with without_shortcuts():
        return parser.check_release(release)


def as_read(release: object) -> object:
    """The release as the importer gets it: written out and read back by ``reader``."""
    [item] = read_releases(io.BytesIO(as_bytes(release)))
    return item.release


def from_file(path: Path) -> list[object]:
    with path.open("rb") as stream:
        return [item.release for item in read_releases(stream)]


def changed(release: dict, path: str, value: object = None, *, delete: bool = False) -> dict:
    """A copy of ``release`` with the value at the dotted ``path`` (list indexes as numbers) replaced."""
    release = copy.deepcopy(release)
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target = release
    for part in parents:
        target = target[part]
    if delete:
        del target[last]
    else:
        target[last] = value
    return release


# --- the twin is there, and agrees on every release the tests and the shared data hold --------------


def test_the_release_schema_has_a_compiled_twin():
    # Without one every release is checked by jsonschema alone: correct, but ten times slower.
    assert release_validator().fast is not None


def test_every_pattern_in_the_schema_reads_the_same_in_python_and_in_the_twin():
    patterns = set()

    def walk(node):
        if isinstance(node, dict):
            patterns.update(node.get("patternProperties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(release_schema())
    assert patterns
    assert all(ecma_pattern(pattern) == pattern[:-1] + r"\n?$" for pattern in patterns)


def publishers_releases() -> dict[str, dict]:
    releases = {f"Find a Tender UK{n}": find_a_tender(f"UK{n}") for n in range(1, 18)}
    releases |= {
        "Contracts Finder": contracts_finder(),
        "Public Contracts Scotland": public_contracts_scotland(),
        "Sell2Wales": sell2wales(),
        "an award and contract (UK7)": awarded(),
        "a versioned release": versioned(find_a_tender()),
        "OCDS 1.0": ocds_1_0(find_a_tender()),
        "the benchmark's first release": bench_release(3, 0),
        "the benchmark's later release": bench_release(3, 7),
    }
    return releases | {f"wrong types: {name}": release for name, release in WRONG_TYPES.items()}


@pytest.mark.parametrize("path", RELEASE_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_the_releases_in_every_file_are_checked_as_before(path):
    releases = from_file(path)

    assert releases
    for release in releases:
        assert parser.check_release(release) == as_before(release) == []


@pytest.mark.parametrize("release", publishers_releases().values(), ids=publishers_releases().keys())
def test_the_publishers_releases_and_the_wrong_types_are_checked_as_before(release):
    release = as_read(release)

    assert parser.check_release(release) == as_before(release)


def test_the_shared_real_releases_were_found():
    if SHARED_OCDS is None:
        # CI has ../shared beside the checkout: there a missing copy fails rather than skips.
        if os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}:
            pytest.fail("no shared/data/ocds beside the project: the real releases went unchecked")
        pytest.skip("no shared/data/ocds beside the project")
    assert len(list(SHARED_OCDS.glob("*.json"))) >= 2


# --- each kind of error the schema finds ------------------------------------------------------------

AWARDED = as_read(awarded())
REFUSED = {
    # type
    "a title that is a number": changed(AWARDED, "tender.title", 5),
    "lots that are an object": changed(AWARDED, "tender.lots", {"id": "1"}),
    "an amount written as text": changed(AWARDED, "awards.0.value.amount", "480000"),
    "an amount that is true": changed(AWARDED, "awards.0.value.amount", True),
    "a date that is null": changed(AWARDED, "date", None),
    "a whole number of days written 1.5": changed(
        AWARDED, "tender.lots.0.contractPeriod.durationInDays", Decimal("1.5")
    ),
    "a whole number of days written 1.0": changed(
        AWARDED, "tender.lots.0.contractPeriod.durationInDays", Decimal("1.0")
    ),
    "a whole number of days written 1e5": changed(
        AWARDED, "tender.lots.0.contractPeriod.durationInDays", Decimal("1E+5")
    ),
    "a whole number of days that is true": changed(AWARDED, "tender.lots.0.contractPeriod.durationInDays", True),
    # enum
    "a tender status no codelist has": changed(AWARDED, "tender.status", "open"),
    "a tag no codelist has": changed(AWARDED, "tag", ["award", "nonsense"]),
    "a currency of the 300 that is not one": changed(AWARDED, "awards.0.value.currency", "XXY"),
    "an initiation type other than tender": changed(AWARDED, "initiationType", "auction"),
    "a submission policy not in its codelist": changed(
        AWARDED, "tender.lots.0.submissionTerms", {"electronicSubmissionPolicy": "sometimes"}
    ),
    # format: date-time, as datetime_problem reads it
    "a date without a time": changed(AWARDED, "tender.lots.0.contractPeriod.endDate", "2032-02-29"),
    "a date-time without a zone": changed(AWARDED, "date", "2026-08-01T09:00:00"),
    "a date-time that is not one": changed(AWARDED, "contracts.0.dateSigned", "last Tuesday"),
    "a date-time that never was": changed(AWARDED, "contracts.0.dateSigned", "2026-02-30T00:00:00Z"),
    "a date-time with a lower-case t": changed(AWARDED, "contracts.0.dateSigned", "2026-07-28t00:00:00Z"),
    "a date-time followed by a newline": changed(AWARDED, "contracts.0.dateSigned", "2026-07-28T00:00:00Z\n"),
    # required
    "no ocid": changed(AWARDED, "ocid", delete=True),
    "no tag": changed(AWARDED, "tag", delete=True),
    "a lot without an id": changed(AWARDED, "tender.lots.0.id", delete=True),
    "a contract without the award it follows": changed(AWARDED, "contracts.0.awardID", delete=True),
    "a document without an id": changed(AWARDED, "tender.documents.0.id", delete=True),
    # patternProperties: a language version of a field, and Python's $ before a final newline
    "a Welsh title that is a number": changed(AWARDED, "tender.title_cy", 5),
    "a title_en key ending in a newline, its value a number": changed(AWARDED, "tender.title_en\n", 5),
    # minLength
    "an empty release id": changed(AWARDED, "id", ""),
    "an empty ocid": changed(AWARDED, "ocid", ""),
    # minItems
    "no tags": changed(AWARDED, "tag", []),
    "a lot's empty milestones": changed(AWARDED, "tender.lots.0.milestones", []),
    # uniqueItems: the same value twice, as jsonschema compares them
    "a language twice": changed(AWARDED, "tender.lots.0.submissionTerms", {"languages": ["en", "en"]}),
    "the same party twice": changed(AWARDED, "parties", [AWARDED["parties"][0], AWARDED["parties"][0]]),
    "the same party twice, its keys in another order": changed(
        AWARDED, "parties", [AWARDED["parties"][0], dict(reversed(list(AWARDED["parties"][0].items())))]
    ),
    "two awards that differ only in 480000 and 480000.0": changed(
        AWARDED,
        "awards",
        [AWARDED["awards"][0], changed(AWARDED["awards"][0], "value.amount", Decimal("480000.0"))],
    ),
    # minimum, maximum, exclusiveMinimum, compared exactly
    "a maximum percentage just over 1": changed(
        AWARDED, "awards.0.subcontracting", {"maximumPercentage": Decimal("1.0000000000000000000001")}
    ),
    "a maximum percentage of 0 (above 0 only)": changed(AWARDED, "awards.0.subcontracting", {"maximumPercentage": 0}),
    "a minimum percentage a hair below 0": changed(
        AWARDED, "awards.0.subcontracting", {"minimumPercentage": Decimal("-1E-400")}
    ),
    "a repayment frequency below 0": changed(
        AWARDED, "contracts.0.finance", [{"id": "1", "repaymentFrequency": Decimal("-0.0000001")}]
    ),
    # minProperties
    "an empty communication": changed(AWARDED, "tender.communication", {}),
    "an empty renewal": changed(AWARDED, "tender.lots.0.renewal", {}),
    "empty submission terms": changed(AWARDED, "tender.lots.0.submissionTerms", {}),
    # the parser's own walks: numbers too large, text that is not text
    "an amount of 1e400": changed(AWARDED, "awards.0.value.amount", Decimal("1E+400")),
    "an amount of 10 to the 400": changed(AWARDED, "awards.0.value.amount", 10**400),
    "a NUL in a title": changed(AWARDED, "tender.title", "Refuge\x00"),
    "a lone surrogate in a title": changed(AWARDED, "tender.title", "Refuge \ud800"),
    "a NUL in a key": changed(AWARDED, "tender.ti\x00tle", "x"),
    "a lone surrogate in a key": changed(AWARDED, "tender.ti\udc00tle", "x"),
}


@pytest.mark.parametrize("release", REFUSED.values(), ids=REFUSED.keys())
def test_each_kind_of_error_is_refused_as_before_with_the_same_words(release):
    problems = parser.check_release(release)

    assert problems == as_before(release)
    assert problems


ACCEPTED = {
    "a uri that is not one (jsonschema here checks date-time only)": changed(
        AWARDED, "tender.legalBasis.uri", "not a web address"
    ),
    "a field no extension defines (the schema sets no additionalProperties)": changed(
        AWARDED, "tender.notInOcds", {"anything": [1, "two"]}
    ),
    "a key that only looks like a language version": changed(AWARDED, "tender.title_x", 5),
    "a maximum percentage a hair above 0": changed(
        AWARDED, "awards.0.subcontracting", {"maximumPercentage": Decimal("1E-400")}
    ),
    "a whole number of days as a very large integer": changed(
        AWARDED, "tender.lots.0.contractPeriod.durationInDays", 10**30
    ),
    "1e9999 as the maximum renewals (no maximum)": changed(
        AWARDED, "tender.lots.0.renewal", {"maximumRenewals": Decimal("1E+9999")}
    ),
    "a tag twice (the schema does not ask for unique tags)": changed(AWARDED, "tag", ["award", "award"]),
    "two awards that differ only in true and 1": changed(
        AWARDED, "awards", [changed(AWARDED["awards"][0], "x", True), changed(AWARDED["awards"][0], "x", 1)]
    ),
}


@pytest.mark.parametrize("release", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_what_jsonschema_accepted_is_still_accepted(release):
    assert parser.check_release(release) == as_before(release) == []


def test_the_schema_sets_no_additional_properties_so_unknown_fields_pass_both():
    text = json.dumps(release_schema())

    assert '"additionalProperties"' not in text


def test_additional_properties_would_be_refused_by_both_the_keys_python_matches_included():
    schema = {
        "type": "object",
        "patternProperties": {"^(title_[a-z]{2})$": {"type": "string"}},
        "additionalProperties": False,
    }
    validator = ReleaseValidator(Draft4Validator(schema))

    assert validator.fast is not None
    for instance, valid in [({"title_en": "x"}, True), ({"title_en\n": "x"}, True), ({"other": "x"}, False)]:
        assert validator.is_valid(instance) is valid
        assert validator.full.is_valid(instance) is valid


@pytest.mark.parametrize("pattern", [r"^\d+$", "^a.b$", "(?i)^a$", "^a(?=b)", "^a*+$", "^a{,2}$", "^[^a]$", "a$b"])
def test_a_pattern_that_reads_differently_in_rust_means_no_twin_and_jsonschema_alone(pattern):
    validator = ReleaseValidator(Draft4Validator({"patternProperties": {pattern: {"type": "string"}}}))

    assert ecma_pattern(pattern) is None
    assert validator.fast is None
    for instance in ({"x": 5}, {"abc": 5}, {"1": "5"}):
        assert validator.is_valid(instance) is validator.full.is_valid(instance)


# --- what the reader never builds goes to jsonschema --------------------------------------------------


def test_a_tuple_for_a_list_is_refused_as_before_though_the_twin_would_take_it_for_one():
    release = changed(AWARDED, "tag", ("award",))

    assert release_validator().fast.is_valid(release)  # why ReleaseValidator asks jsonschema instead
    assert parser.check_release(release) == as_before(release) != []


@pytest.mark.parametrize(
    "value", [480000.5, float("nan"), 2**64, [2**64, float(2**64)], {1: "a key that is not text"}, b"bytes"]
)
def test_values_the_reader_never_builds_are_checked_as_before(value):
    release = changed(AWARDED, "awards.0.value.amount", value)

    if isinstance(value, dict):
        with pytest.raises(TypeError):
            as_before(release)  # as before: the text walk cannot read a key that is not text
        with pytest.raises(TypeError):
            parser.check_release(release)
    else:
        assert parser.check_release(release) == as_before(release)


def test_a_key_that_is_not_text_is_left_to_jsonschema_which_the_twin_cannot_read():
    release = changed(AWARDED, "awards.0.value", {1: "a key that is not text", "amount": "5", "currency": "GBP"})
    validator = release_validator()

    with pytest.raises(ValueError):
        validator.fast.is_valid(release)
    assert (
        [error.message for error in validator.iter_errors(release)]
        == [error.message for error in validator.full.iter_errors(release)]
        == ["'5' is not of type 'number', 'null'"]
    )


# --- hostile sizes stay bounded ------------------------------------------------------------------------


def test_a_valid_release_with_twenty_thousand_parties_is_answered_by_the_twin_alone():
    # jsonschema compares objects in a uniqueItems list pair by pair: 200 million comparisons here.
    release = copy.deepcopy(AWARDED)
    release["parties"] += [{"id": f"GB-CHC-{n}", "name": f"Charity {n}"} for n in range(20_000)]

    jsonschema_ran = mock.Mock(iter_errors=mock.Mock(side_effect=AssertionError("jsonschema ran")))
    with mock.patch.object(release_validator(), "full", jsonschema_ran):
        assert parser.check_release(release) == []


def test_an_invalid_release_with_twenty_thousand_parties_is_explained_without_comparing_every_pair():
    # jsonschema's uniq compared each party with every one before it: 200 million comparisons.
    release = copy.deepcopy(AWARDED)
    release["parties"] += [{"id": f"GB-CHC-{n}", "name": f"Charity {n}"} for n in range(20_000)]
    release["date"] = "yesterday"
    calls = itertools.count()
    equal = _utils.equal

    def counted(one, two):
        assert next(calls) < 100_000, "every pair compared"
        return equal(one, two)

    with mock.patch.object(_utils, "equal", counted):
        problems = parser.check_release(release)

    assert problems == [
        parser.Problem("$.date", "'yesterday' is not a date and time (OCDS needs e.g. 2027-03-01T00:00:00+00:00)")
    ]


UNIQUE_OR_NOT = [
    [],
    ["a"],
    ["a", "b", "a"],
    [1, True],
    [0, False],
    [True, True],
    [1, 1.0],
    [1, Decimal("1.0")],
    [Decimal("0.1"), Decimal("0.10")],
    [0.1, Decimal("0.1")],
    [2**64, float(2**64)],
    [None, None],
    [None, False],
    [[1], [True], [1]],
    [[1], [1.0]],
    [{"a": 1}, {"a": True}],
    [{"a": 1}, {"a": Decimal("1.0")}],
    [{"a": 1, "b": [1, {"c": None}]}, {"b": [1, {"c": None}], "a": 1}],
    [{"a": [1, 2]}, {"a": (1, 2)}],
    [{}, {}],
    [{}, []],
    [{"a": 1}, "a", 1, [1]],
    [float("nan"), float("nan")],
    [{"a": float("nan")}, {"a": float("nan")}],
    [Decimal("sNaN"), {"a": 1}],
    [{1: "a"}, {1: "a"}],
    [{"a": {1, 2}}, {"a": {1, 2}}],
    [{"x": str(n)} for n in range(50)] + [{"x": "7"}],
]


@pytest.mark.parametrize("container", UNIQUE_OR_NOT, ids=range(len(UNIQUE_OR_NOT)))
def test_unique_items_gives_jsonschemas_answer(container):
    assert schema._unique(container) is _utils.uniq(container)


def test_a_release_nested_100000_deep_in_a_field_ocds_leaves_open_is_checked_without_recursion():
    # The reader refuses such a file (MAX_DEPTH); the checks themselves never recurse on it either.
    release = copy.deepcopy(AWARDED)
    inner = release["tender"]["notInOcds"] = {}
    for _ in range(100_000):
        inner["a"] = {}
        inner = inner["a"]

    assert parser.check_release(release) == []


# --- random changes to real releases -------------------------------------------------------------------

PALETTE = [
    None,
    True,
    False,
    0,
    -1,
    5,
    10**30,
    Decimal("1.5"),
    Decimal("1.0"),
    Decimal("-1E-400"),
    Decimal("1E+400"),
    Decimal("0.30000000000000001"),
    "",
    "x",
    "GBP",
    "XXY",
    "tender",
    "active",
    "2026-02-26",
    "2026-02-26T10:00:00",
    "2026-02-26T10:00:00Z",
    "2026-02-30T10:00:00+01:00",
    "not a web address",
    "\x00",
    "\ud800",
    [],
    [1],
    ["award"],
    ["award", "award"],
    [{}],
    {},
    {"id": "1"},
    {"amount": Decimal("1.00"), "currency": "GBP"},
]


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _mutated(release: dict, rng: random.Random) -> dict:
    release = copy.deepcopy(release)
    for _ in range(rng.choice((1, 1, 2, 3))):
        path = rng.choice(_paths(release))
        *parents, last = path
        target = release
        for part in parents:
            target = target[part]
        how = rng.random()
        if how < 0.15 and isinstance(target, dict):
            del target[last]
        elif how < 0.25 and isinstance(target, list):
            target.append(copy.deepcopy(target[last]))  # a duplicate, for uniqueItems
        elif how < 0.35 and isinstance(target[last], dict):
            suffix = rng.choice(("_en", "_cy", "_en\n", "_x", "_EN-gb"))
            target[last][f"{rng.choice(('title', 'description', 'name'))}{suffix}"] = rng.choice(PALETTE)
        else:
            target[last] = copy.deepcopy(rng.choice(PALETTE))
    return release


def test_five_hundred_random_changes_to_real_releases_are_checked_as_before():
    rng = random.Random(20)
    sources = [release for path in RELEASE_FILES for release in from_file(path)]
    sources += [as_read(awarded()), as_read(public_contracts_scotland()), as_read(bench_release(1, 5))]
    verdicts = {True: 0, False: 0}

    for _ in range(500):
        release = _mutated(rng.choice(sources), rng)
        problems = parser.check_release(release)
        assert problems == as_before(release), release
        verdicts[not problems] += 1

    assert verdicts[True] > 25 and verdicts[False] > 250  # both verdicts were exercised
