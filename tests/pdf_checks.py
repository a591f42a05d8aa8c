"""The accessibility checks every decision report's PDF must pass, whatever its type.

``pdf_problems`` returns what is wrong, in words, so a failing test says which check failed:
tagged (a structure tree, marked content), British English, the title in the metadata and
shown in the window title, headings in order (no level skipped, in the structure tree), and
every font embedded.
"""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject


def _resolve(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def heading_levels(reader: PdfReader) -> list[int]:
    """The levels of the H1..H6 elements of the structure tree, in document order."""
    levels: list[int] = []

    def walk(node):
        node = _resolve(node)
        if isinstance(node, ArrayObject):
            for child in node:
                walk(child)
            return
        if not isinstance(node, DictionaryObject):
            return
        role = str(node.get("/S", ""))
        if len(role) == 3 and role.startswith("/H") and role[2].isdigit():
            levels.append(int(role[2]))
        if "/K" in node:
            walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return levels


def _fonts(reader: PdfReader):
    for page in reader.pages:
        resources = _resolve(page.get("/Resources")) or {}
        fonts = _resolve(resources.get("/Font")) or {}
        for name, font in fonts.items():
            yield name, _resolve(font)


def _embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # drawn by the PDF's own glyph procedures
    if font.get("/Subtype") == "/Type0":
        return all(_embedded(_resolve(descendant)) for descendant in _resolve(font["/DescendantFonts"]))
    descriptor = _resolve(font.get("/FontDescriptor"))
    return descriptor is not None and any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def pdf_problems(pdf: bytes, *, title: str) -> list[str]:
    reader = PdfReader(BytesIO(pdf))
    root = reader.trailer["/Root"]
    problems = []
    if "/StructTreeRoot" not in root:
        problems.append("not tagged: no structure tree")
    if not (root.get("/MarkInfo") and root["/MarkInfo"].get("/Marked")):
        problems.append("not marked as tagged")
    if root.get("/Lang") != "en-GB":
        problems.append(f"language is {root.get('/Lang')!r}, not en-GB")
    if (reader.metadata.title if reader.metadata else None) != title:
        problems.append("the metadata title is not the report's title")
    if "/StructTreeRoot" in root:
        levels = heading_levels(reader)
        if not levels or levels[0] != 1:
            problems.append(f"the first heading is not a level 1 heading: {levels[:3]}")
        for before, after in zip(levels, levels[1:]):
            if after > before + 1:
                problems.append(f"a heading skips from level {before} to level {after}")
                break
    unembedded = sorted({str(font.get("/BaseFont")) for _, font in _fonts(reader) if not _embedded(font)})
    if unembedded:
        problems.append(f"fonts not embedded: {', '.join(unembedded)}")
    return problems
