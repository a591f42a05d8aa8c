"""Reading a download back, as a person's spreadsheet program would: csv and openpyxl."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(response) -> tuple[list[str], list[dict[str, str]]]:
    """The headings and the rows of a CSV download (UTF-8 with a byte order mark)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the byte order mark to read UTF-8"
    reader = csv.reader(io.StringIO(text[1:], newline=""))
    headings = next(reader)
    return headings, [dict(zip(headings, row)) for row in reader]


def read_xlsx(response):
    """The headings, the rows (as dicts of cells) and the sheet of an XLSX download."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = list(sheet.iter_rows())
    headings = [cell.value for cell in rows[0]]
    return headings, [dict(zip(headings, row)) for row in rows[1:]], sheet


def attachment_name(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    return disposition.split('filename="', 1)[1].rstrip('"')


def spreadsheet_download(client, url: str):
    """Ask for a spreadsheet as a person does, and run the worker: the response with the file.

    1. The spreadsheet's address (``register.xlsx?...``) shows a page with a button;
    2. the button posts its hidden fields, and the person lands on the job's progress page;
    3. the worker's service makes the file (no broker: the task's on_commit never fires in a
       test's transaction);
    4. the ready page links to the file, which is downloaded, read whole and then deleted
       from storage, so tests leave no files behind.
    """
    import html
    import re

    from django.http import HttpResponse
    from django.urls import reverse

    from exports.models import SpreadsheetJob
    from exports.services import spreadsheet_job_run

    page = client.get(url)
    assert page.status_code == 200, page.status_code
    text = page.content.decode()
    assert "Make the spreadsheet" in text
    fields = dict(re.findall(r'<input type="hidden" name="(source|query)" value="([^"]*)">', text))
    asked = client.post(
        reverse("exports:spreadsheet-new"), {name: html.unescape(value) for name, value in fields.items()}
    )
    assert asked.status_code == 302, asked.status_code
    job = SpreadsheetJob.objects.get(pk=int(asked.url.rstrip("/").rsplit("/", 1)[1]))
    spreadsheet_job_run(job_id=job.pk)
    ready = client.get(asked.url).content.decode()
    link = re.search(r'id="spreadsheet-download" href="([^"]+)"', ready)
    assert link, ready
    response = client.get(html.unescape(link.group(1)))
    data = body(response)
    job.refresh_from_db()
    if job.file:
        job.file.delete(save=False)
        SpreadsheetJob.objects.filter(pk=job.pk).update(file="")  # as the nightly clean-up leaves it
    copy = HttpResponse(data, status=response.status_code)
    for header, value in response.headers.items():
        copy[header] = value
    return copy
