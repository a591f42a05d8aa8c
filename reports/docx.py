"""Decision reports as Word documents (python-docx), and Word documents back as a report's text.

``report_docx`` writes the report from the very HTML the PDF is made from
(``reports.pdf.report_html``), so the two hold the same headings, words and figures: each
``h1`` to ``h4`` becomes Word's Heading 1 to 4, paragraphs and lists keep their emphasis,
and tables stay tables. What the tracker computes (figures, placeholders such as "None.",
the details at the front) is written in the paragraph style "Tracker figure", so that
``read_report_docx`` can tell it from what an officer wrote.

``read_report_docx`` reads a .docx back: the paragraphs under each heading the report has
become that section's text (lists as "- " lines, bold and italic as Markdown), everything in
"Tracker figure" and in tables is left out, and a heading the report does not have is an
error naming it. It is pure: the caller says which headings the report has.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Pt, RGBColor
from lxml import html as lxml_html

TRACKER_STYLE = "Tracker figure"
DETAILS_STYLE = "Report details"
SKIPPED_STYLES = {TRACKER_STYLE, DETAILS_STYLE, "Caption", "Title"}
MAX_DOCX_BYTES = 2_000_000
MAX_UNPACKED_BYTES = 20_000_000  # a zip that unpacks to more than this is refused before it is read
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_NUMBER = re.compile(r"^\d+(?:\.\d+)*\.?\s+")
_RECOMMENDATION_NUMBER = re.compile(r"^1\.\d+\s+")


# --- writing ------------------------------------------------------------------------------


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _computed(element) -> bool:
    """Inside something the tracker writes (its figures, placeholders), not the officer."""
    while element is not None:
        if _classes(element) & {"report-computed", "report-placeholder"}:
            return True
        element = element.getparent()
    return False


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _add_runs(paragraph, element, *, bold=False, italic=False) -> None:
    """The element's text into ``paragraph``, keeping bold and italic; a link keeps its address."""
    if element.text:
        run = paragraph.add_run(element.text)
        run.bold, run.italic = bold or None, italic or None
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            paragraph.add_run().add_break()
        elif tag == "span" and "report-number" in _classes(child):
            paragraph.add_run(_text(child))
        else:
            _add_runs(paragraph, child, bold=bold or tag in ("strong", "b"), italic=italic or tag in ("em", "i"))
            href = child.get("href") if tag == "a" else None
            if href and href != child.text_content().strip():
                paragraph.add_run(f" ({href})")
        if child.tail:
            run = paragraph.add_run(child.tail)
            run.bold, run.italic = bold or None, italic or None


def _styles(document) -> None:
    styles = document.styles
    for name, size, colour in ((TRACKER_STYLE, 11, RGBColor(0x0B, 0x0C, 0x0C)), (DETAILS_STYLE, 11, None)):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.font.size = Pt(size)
        if colour is not None:
            style.font.color.rgb = colour
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(11)


def _table(document, element) -> None:
    caption = element.find("caption")
    if caption is not None:
        document.add_paragraph(_text(caption), style="Caption")
    rows = [row for row in element.iter("tr")]
    if not rows:
        return
    width = max(len(row.findall("th")) + len(row.findall("td")) for row in rows)
    table = document.add_table(rows=0, cols=width)
    table.style = document.styles["Table Grid"]
    for row in rows:
        cells = table.add_row().cells
        for index, cell in enumerate(child for child in row if child.tag in ("th", "td")):
            cells[index].text = _text(cell)
            if cell.tag == "th":
                for run in cells[index].paragraphs[0].runs:
                    run.bold = True


def _write(document, element) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("h1", "h2", "h3", "h4"):
            document.add_heading(_text(child), level=int(tag[1]))
        elif tag == "p":
            paragraph = document.add_paragraph(style=TRACKER_STYLE if _computed(child) else None)
            _add_runs(paragraph, child)
        elif tag in ("ul", "ol"):
            numbered_report = "report-numbered" in _classes(child)
            for item in child.findall("li"):
                if numbered_report:
                    style = TRACKER_STYLE if _computed(item) else None
                else:
                    style = TRACKER_STYLE if _computed(item) else ("List Number" if tag == "ol" else "List Bullet")
                _add_runs(document.add_paragraph(style=style), item)
        elif tag == "dl":
            for term in child.iter("dt"):
                definition = term.getnext()
                words = f"{_text(term)} {_text(definition) if definition is not None else ''}".strip()
                document.add_paragraph(words, style=DETAILS_STYLE)
        elif tag == "table":
            _table(document, child)
        elif tag in ("header",):
            for line in child.iter("p"):
                document.add_paragraph(_text(line), style=DETAILS_STYLE)
        elif tag in ("section", "div", "article", "body"):
            _write(document, child)


def html_to_docx(report_html: str, *, title: str, author: str) -> bytes:
    """The report's standalone HTML (reports/document.html) as a .docx."""
    tree = lxml_html.document_fromstring(report_html)
    document = Document()
    _styles(document)
    properties = document.core_properties
    properties.title, properties.author, properties.language = title[:255], author[:255], "en-GB"
    _write(document, tree.find("body"))
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def report_docx(report) -> bytes:
    """The report as a Word document, from the same HTML and figures as its PDF."""
    from .pdf import report_html

    return html_to_docx(report_html(report), title=report.title, author=report.author or "")


# --- reading ------------------------------------------------------------------------------


class DocxError(ValueError):
    """A .docx that cannot become the report's text; ``problems`` are the messages to show."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class DocxText:
    fields: dict[str, str] = field(default_factory=dict)  # report field -> text
    options: dict[str, dict[str, str]] = field(default_factory=dict)  # option kind -> description, benefits, risks


def heading_key(text: str) -> str:
    """A heading as the report's map knows it: its number and "(recommended)" taken off, any case."""
    text = _NUMBER.sub("", " ".join(text.split()))
    text = text.removesuffix(" (recommended)")
    return text.casefold()


def _markdown(paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        text = run.text
        if not text.strip():
            parts.append(text)
            continue
        if run.bold:
            text = f"**{text}**"
        elif run.italic:
            text = f"*{text}*"
        parts.append(text)
    return "".join(parts).strip()


def _open(data: bytes):
    if len(data) > MAX_DOCX_BYTES:
        raise DocxError([f"The selected file must be smaller than {MAX_DOCX_BYTES // 1_000_000} MB"])
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        names = archive.namelist()
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DocxError(["The selected file is not a Word document (.docx): save it as .docx and try again"]) from None
    if "word/document.xml" not in names:
        raise DocxError(["The selected file is not a Word document (.docx): save it as .docx and try again"])
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocxError(["The selected document is too large once unpacked: remove pictures and try again"])
    try:
        return Document(BytesIO(data))
    except Exception:  # python-docx raises many kinds on a damaged package  # noqa: BLE001
        raise DocxError(["The selected Word document is damaged and cannot be read"]) from None


def read_report_docx(data: bytes, *, sections: dict[str, str], options: dict[str, str], ignored: set[str]) -> DocxText:
    """The officer's text in a .docx, by heading.

    ``sections`` maps a heading (as ``heading_key`` gives it) to the report field it holds;
    ``options`` maps an option's heading ("option 1: re-tender") to its kind; headings in
    ``ignored`` hold only what the tracker computes. Level 1 is the report's title.
    """
    document = _open(data)
    found = DocxText()
    unknown: list[str] = []
    blocks: dict[tuple, list[tuple[str, str]]] = {}  # target -> [(kind of block, text)]
    target: tuple | None = None
    option_kind: str | None = None
    saw_heading = False
    for paragraph in document.paragraphs:
        style = paragraph.style.name if paragraph.style is not None else ""
        if style.startswith("Heading"):
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            text = " ".join(paragraph.text.split())
            if not text:
                continue
            saw_heading = True
            key = heading_key(text)
            if level == 1:
                target, option_kind = None, None
            elif key in sections:
                target, option_kind = ("field", sections[key]), None
            elif key in options:
                option_kind = options[key]
                target = ("option", option_kind, "description")
            elif key in ("benefits", "risks") and option_kind is not None:
                target = ("option", option_kind, key)
            elif key in ignored:
                target, option_kind = None, None
            else:
                unknown.append(text)
                target = None
            if target is not None:
                blocks.setdefault(target, [])
            continue
        if target is None or style in SKIPPED_STYLES:
            continue
        text = _markdown(paragraph)
        if not text:
            continue
        if style.startswith("List Bullet"):
            blocks[target].append(("list", f"- {text}"))
        elif style.startswith("List Number"):
            blocks[target].append(("list", f"1. {text}"))
        else:
            blocks[target].append(("paragraph", text))
    if not saw_heading:
        raise DocxError(["The document has no headings: download the report as .docx, write in it and upload that"])
    if unknown:
        listed = ", ".join(f"'{text}'" for text in unknown[:10])
        raise DocxError(
            [
                f"The document has headings this report does not have: {listed}. Use the headings of the "
                "report's own .docx download"
            ]
        )
    for target, parts in blocks.items():
        text = _join(parts, recommendations=target == ("field", "recommendations"))
        if target[0] == "field":
            found.fields[target[1]] = text
        else:
            found.options.setdefault(target[1], {"description": "", "benefits": "", "risks": ""})[target[2]] = text
    return found


def _join(parts: list[tuple[str, str]], *, recommendations: bool) -> str:
    out = ""
    previous = None
    for kind, text in parts:
        if recommendations and kind == "paragraph":
            text = _RECOMMENDATION_NUMBER.sub("", text)
        if out:
            out += "\n" if kind == "list" and previous == "list" else "\n\n"
        out += text
        previous = kind
    return out
