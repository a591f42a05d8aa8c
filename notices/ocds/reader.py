"""Reading OCDS files one release at a time, in constant memory.

``read_releases(stream)`` takes a binary file (a path's contents, an upload, standard input)
and yields one ``Item`` per release, never holding more than one release in memory. It
accepts:

- a single release: ``{"ocid": ..., "id": ...}``;
- a release package: ``{"releases": [...], ...}``, its releases streamed one by one;
- a record package: ``{"records": [...]}``; each record gives its embedded releases, oldest
  first, or, when its releases are only links, its ``compiledRelease``;
- a JSON array of releases;
- JSON Lines: one release (or package) per line. A bad line is an error for that line only.

How the format is told apart, without reading the whole file:

1. Read the first megabyte (or less, at the end of the file) and look at its first character.
2. ``{`` whose first JSON value is a release or record ending its line, with more after it,
   is JSON Lines: the rest is read line by line (``_is_json_lines``). A package is one document
   however its lines are laid out.
3. Anything else starting with ``{`` or ``[`` is streamed with ijson (the yajl C parser),
   which also accepts several JSON values one after another.

Numbers are read exactly (``use_float=False``: Decimal for non-integers), so ``1e9999``
arrives as ``Decimal("1E+9999")``, never as infinity; ``parser.check_release`` decides what
to do with it. Invalid JSON in a streamed file stops the reading with ``UnreadableFile``
saying where; the releases before it have already been yielded.

Hostile files: JSON nested deeper than ``MAX_DEPTH`` stops the reading with ``TooDeep`` as
soon as the parser reaches that depth, before anything deeper is built. OCDS needs about 20
levels at most. The stream is read with ``ijson.basic_parse``, which carries no "prefix"
(the dotted path of every value): with ``ijson.parse`` each event carried a path as long as
its depth, so a 200 KB file nested 100,000 deep needed memory in the square of the depth.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import ijson

PEEK_BYTES = 1024 * 1024
START = {"start_map", "start_array"}
END = {"end_map", "end_array"}
# Deeper than any OCDS release needs (about 20 levels), shallow enough to read in little memory.
MAX_DEPTH = 32


class UnreadableFile(Exception):
    """The file cannot be read further; the message says why and where."""


class HostileFile(UnreadableFile):
    """A file refused whole, before anything in it is imported (``loader.survey``)."""


class TooDeep(HostileFile):
    """The file is nested deeper than MAX_DEPTH: refused whole, never read further."""


class RepeatedKey(HostileFile):
    """A key appears twice in one object: which value the importer reads would be a guess."""


def too_deep_message(where: str) -> str:
    return (
        f"The file is nested more than {MAX_DEPTH} levels deep ({where}). OCDS never needs more than about 20 "
        "levels, so the file was not read: check that it is an OCDS file."
    )


def _depth(value: object) -> int:
    """How deeply a value already in memory is nested, without recursion: a level at a time
    (a stack of (value, level) pairs cost a tuple per value, a fifth of reading a line)."""
    deepest, level = 0, [value]
    while True:
        containers = [item for item in level if isinstance(item, (dict, list))]
        if not containers:
            return deepest
        deepest += 1
        level = []
        for item in containers:
            level.extend(item.values() if isinstance(item, dict) else item)


@dataclass
class Item:
    """One release read from the file, or why the thing at ``location`` is not one."""

    location: str  # where in the file: "$", "$.releases[3]", "line 7"
    release: object = None
    error: str | None = None


class NotUtf8(UnreadableFile):
    """A streamed file holds bytes that are not UTF-8; the message gives the first one's position."""


class _Prefixed(io.RawIOBase):
    """The bytes already read, then the rest of the file: a stream that was never rewound.

    With ``check_utf8`` every byte is checked as UTF-8 as it passes, so that the first bad one is
    reported at its own position in the file (the parser only reports where its buffer ended,
    tens of kilobytes later)."""

    def __init__(self, prefix: bytes, rest, *, skipped: int = 0):
        self._prefix = memoryview(prefix)
        self._rest = rest
        self.consumed = 0
        self.skipped = skipped  # bytes before the prefix (a byte order mark), for positions in the file
        self.check_utf8 = False
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
        else:
            data = self._rest.read(len(buffer))
            count = len(data)
            buffer[:count] = data
        if self.check_utf8:
            self._check(bytes(buffer[:count]), final=count == 0)
        self.consumed += count
        return count

    def _check(self, data: bytes, *, final: bool) -> None:
        try:
            self._decoder.decode(data, final=final)
        except UnicodeDecodeError as error:
            # error.start counts from the bytes the decoder still held from the chunk before.
            held = len(error.object) - len(data)
            position = self.skipped + self.consumed - held + error.start + 1
            bad = error.object[error.start : error.start + 4].hex(" ")
            raise NotUtf8(
                f"The file is not UTF-8 text: byte {position:,} ({bad}) is not UTF-8 ({error.reason}). "
                "It may have been saved as Latin-1 or Windows-1252: save it as UTF-8 and import it again."
            ) from None


def _peek(stream) -> bytes:
    chunks, size = [], 0
    while size < PEEK_BYTES:
        chunk = stream.read(PEEK_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        repeated = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise ValueError(f"the key '{repeated[:60]}' appears twice in one object")
    return value


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


def _loads(text: bytes | str):
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)


def _is_package(value: object) -> bool:
    return isinstance(value, dict) and ("releases" in value or "records" in value)


def _is_linked(release: object) -> bool:
    """A record's release that is only a link ({url, date, tag}), not the release itself."""
    return isinstance(release, dict) and "ocid" not in release and "url" in release


def read_releases(stream) -> Iterator[Item]:
    """Every release in ``stream`` (binary), one at a time; see the module docstring."""
    prefix = _peek(stream)
    head = prefix.lstrip(b"\xef\xbb\xbf").lstrip()  # a UTF-8 byte order mark, then whitespace
    if not head:
        raise UnreadableFile("The file is empty")
    first = head[:1]
    if first not in (b"{", b"["):
        shown = head[:20].decode("utf-8", errors="replace")
        raise UnreadableFile(f"The file is not JSON: it starts with '{shown}' rather than {{ or [")
    unmarked = prefix.lstrip(b"\xef\xbb\xbf")
    raw = _Prefixed(unmarked, stream, skipped=len(prefix) - len(unmarked))
    body = io.BufferedReader(raw, buffer_size=64 * 1024)
    if first == b"{" and _is_json_lines(head):
        yield from _json_lines(body)  # a line that is not UTF-8 is refused on its own
    else:
        raw.check_utf8 = True
        yield from _streamed(body)


def _is_json_lines(head: bytes) -> bool:
    """JSON Lines or one JSON document? Decided from the first JSON value, not from the layout:

    1. The first value, read whole from the head: a package (or anything but an object) is one
       document, streamed, however its lines are laid out (a pretty-printed package may hold one
       release per line). A release or record written on one line, followed by a line break and
       more, is JSON Lines; one written over several lines, or followed by more on the same
       line, begins values one after another, streamed.
    2. When the first value cannot be read from the head (it is broken, or longer than the head),
       the file is JSON Lines only if every other line read is a whole JSON object.
    """
    text = head.decode("utf-8", errors="replace")
    try:
        value, end = _DECODER.raw_decode(text)
    except (ValueError, RecursionError):
        lines = [line for line in head.split(b"\n")[1:50] if line.strip()]
        complete = head.endswith(b"\n") or len(head) < PEEK_BYTES
        lines = lines if complete else lines[:-1]  # the last line read may be cut short
        return bool(lines) and all(_whole_object(line) is not None for line in lines)
    if not isinstance(value, dict) or _is_package(value) and "ocid" not in value:
        return False
    rest = text[end:]
    if not rest.strip():
        return False  # one value: a single release
    if "\n" in text[:end].strip():
        return False  # a release written over several lines: values one after another, streamed
    return "\n" in rest and not rest[: rest.index("\n")].strip()


def _whole_object(line: bytes) -> dict | None:
    try:
        value = _loads(line)
    except (ValueError, RecursionError):
        return None  # a line nested too deeply is refused when it is read
    return value if isinstance(value, dict) else None


def _json_lines(body) -> Iterator[Item]:
    for number, line in enumerate(body, start=1):
        if not line.strip():
            continue
        location = f"line {number}"
        try:
            value = _loads(line)
        except UnicodeDecodeError as error:
            yield Item(location, error=f"{location} is not UTF-8 text: {error.reason}")
            continue
        except ValueError as error:
            yield Item(location, error=f"{location} is not valid JSON: {_json_error(error)}")
            continue
        except RecursionError:
            # json.loads stops at Python's recursion limit, in memory linear in the line's length.
            raise TooDeep(too_deep_message(location)) from None
        if _depth(value) > MAX_DEPTH:
            raise TooDeep(too_deep_message(location))
        yield from _items_from_value(value, location)


def _json_error(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at column {error.colno}"
    return str(error)


def _items_from_value(value: object, location: str) -> Iterator[Item]:
    """Releases from a whole value already in memory (a JSON Lines line)."""
    if isinstance(value, dict) and isinstance(value.get("releases"), list) and "ocid" not in value:
        for index, release in enumerate(value["releases"]):
            yield Item(f"{location}, releases[{index}]", release=release)
    elif isinstance(value, dict) and isinstance(value.get("records"), list):
        for index, record in enumerate(value["records"]):
            yield from _record_items(record, f"{location}, records[{index}]")
    elif isinstance(value, dict) and "ocid" in value and isinstance(value.get("releases"), list):
        yield from _record_items(value, location)
    elif isinstance(value, dict):
        yield Item(location, release=value)
    else:
        yield Item(location, error=f"{location} is not a JSON object")


def _record_items(record: object, location: str) -> Iterator[Item]:
    """A record's embedded releases, oldest first; else its compiled release."""
    if not isinstance(record, dict):
        yield Item(location, error=f"{location} is not a JSON object")
        return
    releases = record.get("releases") if isinstance(record.get("releases"), list) else []
    embedded = [(i, r) for i, r in enumerate(releases) if not _is_linked(r)]
    if embedded:
        embedded.sort(key=lambda pair: str(pair[1].get("date", "")) if isinstance(pair[1], dict) else "")
        for index, release in embedded:
            yield Item(f"{location}.releases[{index}]", release=release)
    elif isinstance(record.get("compiledRelease"), dict):
        yield Item(f"{location}.compiledRelease", release=record["compiledRelease"])
    else:
        yield Item(location, error=f"{location}: the record has no compiledRelease and its releases are only links")


# --- streaming with ijson -----------------------------------------------------------------


def _build(events, event: str, value):
    """The whole value that starts with (event, value), built from the events that follow."""
    if event not in START:
        return value
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    depth = 1
    for next_event, next_value in events:
        builder.event(next_event, next_value)
        if next_event in START:
            depth += 1
        elif next_event in END:
            depth -= 1
            if depth == 0:
                break
    return builder.value


def _guarded(events, body) -> Iterator[tuple[str, object]]:
    """The parser's events, stopping with ``TooDeep`` at the first one deeper than MAX_DEPTH,
    and with ``UnreadableFile`` at a key repeated in one object (which value would count?)."""
    keys: list[set | None] = []  # for each open object, its keys so far (None for an array)
    for event, value in events:
        if event in START:
            if len(keys) >= MAX_DEPTH:
                raise TooDeep(too_deep_message(f"near byte {body.raw.consumed:,}"))
            keys.append(set() if event == "start_map" else None)
        elif event in END:
            keys.pop()
        elif event == "map_key":
            if value in keys[-1]:
                raise RepeatedKey(
                    f"The file repeats the key '{value[:60]}' in one object (near byte {body.raw.consumed:,}), so it "
                    "is not clear which value to use: fix the file and import it again."
                )
            keys[-1].add(value)
        yield event, value


def _streamed(body) -> Iterator[Item]:
    events = _guarded(ijson.basic_parse(body, multiple_values=True, use_float=False), body)
    count = 0
    last = "the start of the file"
    try:
        for event, value in events:
            count += 1
            label = "$" if count == 1 else f"value {count}: $"
            if event == "start_map":
                for item in _top_object(events, label):
                    last = item.location
                    yield item
            elif event == "start_array":
                for item in _top_array(events, label):
                    last = item.location
                    yield item
            else:
                yield Item(label, error=f"{label} is a {event}, not a JSON object")
    except (ijson.JSONError, ValueError, SystemError) as error:
        # yajl's C backend reports a number too long for Python (4,300 digits) as a SystemError.
        raise UnreadableFile(
            f"The file is not valid JSON after {last} (near byte {body.raw.consumed:,}): {_ijson_message(error)}. "
            "The releases before that point were read; fix the file and import it again (releases already "
            "imported are skipped)."
        ) from None


def _ijson_message(error: Exception) -> str:
    if isinstance(error, SystemError) or (isinstance(error, ValueError) and "digits" in str(error)):
        return "a number is too long to read"
    text = str(error)
    if text.startswith(("b'", 'b"')):
        text = text[2:]
    return text.split("\\n")[0].split("\n")[0].strip()


def _top_array(events, label: str) -> Iterator[Item]:
    index = 0
    for event, value in events:
        if event == "end_array":
            return
        location = f"{label}[{index}]"
        built = _build(events, event, value)
        if isinstance(built, dict) and _is_package(built):
            yield from _items_from_value(built, location)
        elif isinstance(built, dict):
            yield Item(location, release=built)
        else:
            yield Item(location, error=f"{location} is not a JSON object")
        index += 1


def _top_object(events, label: str) -> Iterator[Item]:
    """A release (kept whole), or a package or record whose releases are streamed."""
    kept: dict = {}
    streamed = embedded = linked = 0
    for event, key in events:
        if event == "end_map":
            break
        event, value = next(events)
        if key in ("releases", "records") and event == "start_array":
            streamed += 1
            for item, is_linked in _array_of_releases(events, f"{label}.{key}", records=key == "records"):
                if is_linked:
                    linked += 1
                    continue
                embedded += 1
                yield item
        else:
            kept[key] = _build(events, event, value)
    if not streamed:
        yield Item(label, release=kept)
    elif not embedded and isinstance(kept.get("compiledRelease"), dict):
        yield Item(f"{label}.compiledRelease", release=kept["compiledRelease"])
    elif linked and not embedded:
        yield Item(label, error=f"{label}: the record has no compiledRelease and its releases are only links")


def _array_of_releases(events, location: str, *, records: bool) -> Iterator[tuple[Item, bool]]:
    index = 0
    for event, value in events:
        if event == "end_array":
            return
        here = f"{location}[{index}]"
        built = _build(events, event, value)
        if records:
            for item in _record_items(built, here):
                yield item, False
        elif _is_linked(built):
            yield Item(here), True
        elif isinstance(built, dict):
            yield Item(here, release=built), False
        else:
            yield Item(here, error=f"{here} is not a JSON object"), False
        index += 1
