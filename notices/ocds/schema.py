"""The OCDS 1.1.5 release schema with Find a Tender's extensions merged in, and its validator.

The files and where they come from are in ``schema/SOURCE.md``. Each extension's
``release-schema.json`` is a JSON merge patch (RFC 7396) on the release schema; merging is
done once per process and cached, as is the validator.

Which extensions, in which order (``extension_order``):

1. Start from the extensions the UK's notices declare (``EXTENSIONS``).
2. Read each one's ``extension.json`` and add what it declares in ``dependencies`` and
   ``testDependencies`` (the lots extension's ``submissionTerms``, for example, comes from the
   submissionTerms extension, which the UK extension names only as a test dependency).
3. Merge every extension after the ones it depends on.

An extension that is declared but not in ``schema/extensions/`` is listed by
``missing_extensions()``. A ``$ref`` to a definition that no extension in the repository
provides (before the submissionTerms and location extensions were added,
``#/definitions/SubmissionTerms`` and ``#/definitions/Location``) is replaced by an
object the validator accepts as it is, with a description saying so: a release is never refused,
and the import never stops with a traceback (``PointerToNowhere``), because the repository
lacks an extension.

Date-times: OCDS requires RFC 3339 date-times, which always carry a time zone. The validator
checks every ``"format": "date-time"`` field with ``datetime_problem``, so "2032-02-29" and
"2032-02-29T23:59:59" are refused with a message saying what is missing.

Two validators, one verdict (``ReleaseValidator``): jsonschema says what is wrong and where, in
the words ``parser`` turns into an officer's message; a compiled twin of the same schema
(jsonschema-rs, Rust) answers only "valid or not", about 25 times faster. A release the twin
passes is valid; any other is checked again by jsonschema, whose errors are the answer. So the
twin may be stricter than jsonschema (it only costs time) but never more lenient, which is why
it is given what jsonschema itself checks:

1. the same formats: date-time by ``datetime_problem``, every other format the schema names
   (uri) accepted, as jsonschema here checks no other;
2. the same patterns: Python's ``$`` also matches before a newline that ends the text and
   ECMA-262's does not, so each pattern's closing ``$`` becomes ``\\n?$`` (``ecma_pattern``);
   a pattern using anything else whose meaning differs between the two (``\\d``, ``.``, flags)
   means no twin, and every release is checked by jsonschema alone;
3. only JSON as the reader builds it (``parser`` decides): Python floats, tuples and other
   types jsonschema and the twin might see differently go to jsonschema.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from functools import cache, partial
from pathlib import Path

import json_merge_patch
import jsonschema_rs
from jsonschema import Draft4Validator, FormatChecker, _utils
from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend

log = logging.getLogger("notices.import")

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
EXTENSIONS = ("lots", "renewal", "communication", "uk")

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NO_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DATE_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as file:
        return json.load(file)


# The folder in schema/extensions/ of an extension named by its repository (the URL's path).
_REPOSITORY = re.compile(r"/ocds_([A-Za-z_]+?)_extension/")
FOLDER_FOR_REPOSITORY = {"uk": "uk", "performance_failures": "performanceFailures"}


def extension_folder(url: str) -> str | None:
    """The folder name for an extension URL from an ``extension.json``, or None if it is not one."""
    match = _REPOSITORY.search(url)
    if not match:
        return None
    return FOLDER_FOR_REPOSITORY.get(match.group(1), match.group(1))


def _declared(schema_dir: Path, name: str) -> list[str]:
    """The extensions an extension depends on, by folder name, in the order declared."""
    path = schema_dir / "extensions" / name / "extension.json"
    if not path.exists():
        return []
    metadata = _load(path)
    urls = [*(metadata.get("dependencies") or []), *(metadata.get("testDependencies") or [])]
    return [folder for folder in map(extension_folder, urls) if folder]


def extension_order(schema_dir: Path = SCHEMA_DIR, names: tuple[str, ...] = EXTENSIONS) -> tuple[list[str], list[str]]:
    """Every extension ``names`` need, dependencies first; and those missing from the repository."""
    ordered: list[str] = []
    missing: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name in missing or name in visiting:
            return  # already placed, or a cycle of dependencies (each is merged once)
        if not (schema_dir / "extensions" / name / "release-schema.json").exists():
            missing.append(name)
            return
        visiting.add(name)
        for dependency in _declared(schema_dir, name):
            visit(dependency)
        visiting.discard(name)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered, missing


def missing_extensions(schema_dir: Path = SCHEMA_DIR) -> list[str]:
    """Extensions that the declared ones depend on but the repository does not hold."""
    return extension_order(schema_dir)[1]


def _refs(value: object):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                yield item, ref
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _stub_missing_definitions(schema: dict) -> list[str]:
    """Replace each ``$ref`` to a definition the schema lacks by a schema that accepts anything."""
    definitions = schema.setdefault("definitions", {})
    stubbed = set()
    for holder, ref in list(_refs(schema)):
        if not ref.startswith("#/definitions/"):
            continue
        name = ref.removeprefix("#/definitions/").split("/")[0]
        if name not in definitions:
            stubbed.add(name)
            holder.pop("$ref")
            holder["description"] = (
                f"Not checked: the extension defining {name} is not in the repository (notices/ocds/schema/)."
            )
    return sorted(stubbed)


def merged_release_schema(schema_dir: Path = SCHEMA_DIR) -> dict:
    """The release schema with the declared extensions and their dependencies merged in (module docstring)."""
    schema = _load(schema_dir / "1.1.5" / "release-schema.json")
    ordered, _missing = extension_order(schema_dir)
    for name in ordered:
        schema = json_merge_patch.merge(schema, _load(schema_dir / "extensions" / name / "release-schema.json"))
    _stub_missing_definitions(schema)
    return schema


def unchecked_definitions(schema_dir: Path = SCHEMA_DIR) -> list[str]:
    """The definitions referred to but provided by no extension in the repository (stubbed)."""
    schema = _load(schema_dir / "1.1.5" / "release-schema.json")
    for name in extension_order(schema_dir)[0]:
        schema = json_merge_patch.merge(schema, _load(schema_dir / "extensions" / name / "release-schema.json"))
    return _stub_missing_definitions(schema)


@cache
def release_schema() -> dict:
    return merged_release_schema()


def datetime_problem(value: object) -> str | None:
    """What is wrong with an OCDS date-time, in words, or None if it is a good one."""
    if not isinstance(value, str):
        return None  # the schema's "type" check reports it
    if _DATE_TIME.match(value):  # first, as most are; no text matches it and one of the two below
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return f"'{value}' is not a real date and time"
        return None
    if _DATE_ONLY.match(value):
        return f"'{value}' is a date without a time or time zone (OCDS needs e.g. {value}T23:59:59+00:00)"
    if _NO_ZONE.match(value):
        return f"'{value}' has no time zone (OCDS needs an offset such as Z or +01:00)"
    return f"'{value}' is not a date and time (OCDS needs e.g. 2027-03-01T00:00:00+00:00)"


def _check_date_time(value: object) -> bool:
    problem = datetime_problem(value)
    if problem:
        raise ValueError(problem)
    return True


class ReleaseValidator:
    """The release schema's validator: a compiled twin says whether a release is valid,
    jsonschema says why not (module docstring, "Two validators, one verdict")."""

    def __init__(self, full: Draft4Validator):
        self.full = full
        self.fast = fast_twin(full)

    def iter_errors(self, release: object) -> Iterator[ValidationError]:
        """Everything jsonschema finds wrong, with its path and words; nothing, at once, for a
        release the twin passes."""
        if self.fast is not None and reader_made(release):
            try:
                if self.fast.is_valid(release):
                    return iter(())
            except Exception:  # text that is not UTF-8, a key that is not text: jsonschema decides
                log.debug("The compiled OCDS schema could not read a release", exc_info=True)
        return self.full.iter_errors(release)

    def is_valid(self, release: object) -> bool:
        return next(self.iter_errors(release), None) is None


_READER_MADE = frozenset((dict, list, str, int, Decimal, bool, type(None)))


def reader_made(value: object) -> bool:
    """Whether ``value`` holds only what ``reader`` builds from JSON: dicts, lists, strings,
    ints, Decimals, booleans and None. The twin reads some other things differently (a tuple
    as a list, a float beside an int in a uniqueItems list): jsonschema checks those. (A key
    that is not text, the twin refuses to read at all, and jsonschema decides then too.)"""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            extend(item.values())
        elif kind is list:
            extend(item)
        elif kind not in _READER_MADE:
            return False
    return True


@cache
def release_validator() -> ReleaseValidator:
    # Only date-time is checked: the other formats (uri, email) would need optional packages
    # and differ between installs, so a release would pass on one machine and fail on another.
    checker = FormatChecker(formats=())
    checker.checks("date-time", raises=ValueError)(_check_date_time)
    validator = extend(Draft4Validator, {"uniqueItems": unique_items})
    return ReleaseValidator(validator(inline_refs(release_schema()), format_checker=checker))


# --- uniqueItems without comparing every pair -------------------------------------------------


def _same_key(value: object) -> tuple:
    """Equal for any two values jsonschema's ``equal`` finds equal (1, 1.0 and Decimal("1.0"),
    but not 1 and True; dicts whatever the order of their keys); TypeError for anything else."""
    kind = type(value)
    if kind is str:
        return ("text", value)
    if kind is bool:
        return ("bool", value)
    if kind in (int, float, Decimal):
        hash(value)  # Decimal("sNaN") cannot be hashed: TypeError, and jsonschema's own way
        return ("number", value)
    if value is None:
        return ("null",)
    if kind is list or kind is tuple:
        return ("list", tuple(map(_same_key, value)))
    if kind is dict and all(type(key) is str for key in value):
        return ("object", frozenset((key, _same_key(item)) for key, item in value.items()))
    raise TypeError(kind)


def _unique(container: list) -> bool:
    """jsonschema's ``_utils.uniq``, the same answer without comparing every pair.

    It sorts what it can and compares neighbours; what it cannot sort (objects, as OCDS lists
    hold) it compared each with all before it, so a valid release of 20,000 parties took
    minutes. Here those are first grouped by ``_same_key``, which equal elements share, and
    compared with jsonschema's ``equal`` only within a group: the same pairs found equal."""
    try:
        ordered = sorted(_utils.unbool(item) for item in container)
        for one, two in zip(ordered, itertools.islice(ordered, 1, None)):
            if _utils.equal(one, two):
                return False
    except (NotImplementedError, TypeError):
        try:
            groups: dict[tuple, list] = {}
            for item in container:
                group = groups.setdefault(_same_key(item), [])
                item = _utils.unbool(item)
                if any(_utils.equal(seen, item) for seen in group):
                    return False
                group.append(item)
        except TypeError:
            return _utils.uniq(container)
    return True


def unique_items(validator, unique: bool, instance: object, schema: dict):
    """jsonschema's ``uniqueItems`` with ``_unique`` in place of ``uniq``: the same error."""
    if unique and validator.is_type(instance, "array") and not _unique(instance):
        yield ValidationError(f"{instance!r} has non-unique elements")


# --- the compiled twin ------------------------------------------------------------------------

# Patterns written only with what Python's re and ECMA-262 read alike: literals, classes of
# ASCII ranges, groups, alternatives and counted repeats, anchored by ^ and $ at the ends.
_SHARED_SYNTAX = re.compile(r"\^?[A-Za-z0-9_,|()\[\]?*+-]*\$?")
_COUNTED = re.compile(r"\{[0-9]+(,[0-9]*)?\}")


def ecma_pattern(pattern: str) -> str | None:
    """The ECMA-262 pattern that matches what ``re.search(pattern, ...)`` matches, or None
    when ``pattern`` uses syntax whose meaning differs between the two."""
    if not _SHARED_SYNTAX.fullmatch(_COUNTED.sub("", pattern)) or "(?" in pattern or "*+" in pattern or "++" in pattern:
        return None  # not shared: lookarounds and flags, possessive repeats (Python 3.11), {,n}
    # Python's $ also matches before a newline ending the text: "title_en\n" is a title_en key.
    return pattern[:-1] + r"\n?$" if pattern.endswith("$") else pattern


class _NoTwin(Exception):
    pass


_SUBSCHEMA = ("items", "additionalItems", "additionalProperties", "not")
_SUBSCHEMA_MAPS = ("properties", "definitions", "dependencies")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def _twin_schema(schema: object, done: dict[int, object], formats: set[str]) -> object:
    """``schema`` with each pattern in ECMA-262's words; collects the formats it names.
    Shared parts (``inline_refs`` shares each definition) are converted once."""
    if not isinstance(schema, dict):
        return schema  # a boolean schema, or a dependency's list of names
    if id(schema) in done:
        return done[id(schema)]
    twin: dict = {}
    done[id(schema)] = twin
    for key, value in schema.items():
        if key == "pattern" and isinstance(value, str):
            pattern = ecma_pattern(value)
            if pattern is None:
                raise _NoTwin(value)
            twin[key] = pattern
        elif key == "patternProperties" and isinstance(value, dict):
            twin[key] = {}
            for name, subschema in value.items():
                pattern = ecma_pattern(name)
                if pattern is None:
                    raise _NoTwin(name)
                twin[key][pattern] = _twin_schema(subschema, done, formats)
        elif key in _SUBSCHEMA:
            items = value if isinstance(value, list) else None
            twin[key] = [_twin_schema(v, done, formats) for v in items] if items else _twin_schema(value, done, formats)
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            twin[key] = {name: _twin_schema(v, done, formats) for name, v in value.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            twin[key] = [_twin_schema(v, done, formats) for v in value]
        else:
            if key == "format" and isinstance(value, str):
                formats.add(value)
            twin[key] = value
    return twin


def _accept(value: str) -> bool:
    return True


def fast_twin(full: Draft4Validator) -> jsonschema_rs.Validator | None:
    """A compiled validator that passes only what ``full`` passes, or None if none can be built."""
    formats: set[str] = set()
    try:
        schema = _twin_schema(full.schema, {}, formats)
    except _NoTwin as error:
        log.warning("No compiled OCDS schema: the pattern %r reads differently in Rust; jsonschema checks alone", error)
        return None
    checker = full.format_checker
    checked = checker.checkers if checker is not None else {}
    # jsonschema-rs calls a format's function for strings only; datetime_problem passes the rest too.
    format_functions = {
        name: partial(checker.conforms, format=name) if name in checked else _accept for name in formats
    }
    try:
        return jsonschema_rs.Draft4Validator(
            schema, formats=format_functions, validate_formats=True, ignore_unknown_formats=True, offline=True
        )
    except Exception:  # e.g. a $ref to nowhere: jsonschema reports it on the release
        log.warning("No compiled OCDS schema: it could not be built; jsonschema checks alone", exc_info=True)
        return None


def inline_refs(schema: dict) -> dict:
    """The same schema with each ``#/definitions/...`` reference replaced by the definition itself.

    The validator then checks a release without resolving a reference at every object it meets
    (about a third of the time a release takes to check: bench/ocds_import.py). In draft 4 a
    ``$ref`` replaces the object holding it, so the words beside it are dropped as the validator
    would ignore them. A definition that refers to itself, directly or not, keeps its ``$ref``
    (the definitions stay in the schema for it). Each definition is inlined once and shared, so
    the result is no larger in memory."""
    definitions = schema.get("definitions", {})
    done: dict[str, object] = {}
    in_progress: set[str] = set()

    def inline(node: object) -> object:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            name = ref.removeprefix("#/definitions/")
            if name in done:
                return done[name]
            if name in in_progress or name not in definitions:
                return node  # recursive, or a pointer the validator reports itself
            in_progress.add(name)
            done[name] = inline(definitions[name])
            in_progress.discard(name)
            return done[name]
        return {key: inline(value) for key, value in node.items()}

    inlined = {key: inline(value) for key, value in schema.items() if key != "definitions"}
    inlined["definitions"] = definitions
    return inlined


def additional_fields(release: object, schema: dict | None = None) -> list[str]:
    """The JSON paths of fields in ``release`` that the merged schema does not define (what
    lib-cove-ocds reports as "additional fields"): the export must write none."""
    schema = schema or release_schema()
    definitions = schema.get("definitions", {})
    found: list[str] = []

    def resolve(node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/definitions/"):
            node = definitions.get(node["$ref"].removeprefix("#/definitions/"), {})
        return node if isinstance(node, dict) else {}

    def walk(value: object, node: dict, path: str) -> None:
        node = resolve(node)
        if isinstance(value, dict):
            properties = node.get("properties")
            if properties is None:
                return  # an object the schema leaves open (or a stubbed definition)
            for key, item in value.items():
                if key in properties:
                    walk(item, properties[key], f"{path}.{key}")
                elif not any(re.match(pattern, key) for pattern in node.get("patternProperties", {})):
                    found.append(f"{path}.{key}")
        elif isinstance(value, list):
            items = node.get("items", {})
            for index, item in enumerate(value):
                walk(item, items if isinstance(items, dict) else {}, f"{path}[{index}]")

    walk(release, schema, "$")
    return found
