"""lib-cove-ocds, the standard's own validator, run offline on the schema and extensions in the repository.

lib-cove-ocds reads the standard's schema from a ZIP of the standard's repository and each
extension a package declares from its URL, through ``ocdsextensionregistry.util.session``. Here
that session answers every extension URL from ``notices/ocds/schema/extensions/`` and the standard
from a ZIP built from ``notices/ocds/schema/1.1.5/``; any other request, and any connection to a
host other than this machine, fails the test that made it (``offline``).
"""

from __future__ import annotations

import io
import json
import socket
import tempfile
import zipfile
from contextlib import contextmanager

import requests
from libcoveocds.api import ocds_json_output
from libcoveocds.config import LibCoveOCDSConfig
from ocdsextensionregistry import extension_version as registry_extension_version
from ocdsextensionregistry import util as registry_util
from ocdsextensionregistry.versioned_release_schema import get_versioned_release_schema

from notices.ocds import exporter
from notices.ocds.schema import SCHEMA_DIR, extension_folder

TAG = "1__1__5"


class WouldFetch(AssertionError):
    """lib-cove-ocds tried to reach the network."""


def local_files() -> dict[str, bytes]:
    """Each URL lib-cove-ocds may ask for, for the extensions the export declares, and what answers it.

    For an extension on GitHub (raw.githubusercontent.com/OWNER/REPOSITORY/REF/extension.json) it
    reads the repository's archive (github.com/OWNER/REPOSITORY/archive/REF.zip): that is made
    here from the extension's folder."""
    files = {}
    for url in exporter.EXTENSIONS:
        folder = SCHEMA_DIR / "extensions" / extension_folder(url)
        base = url.removesuffix("extension.json")
        for name in ("extension.json", "release-schema.json"):
            files[base + name] = (folder / name).read_bytes()
        owner, repository, ref = base.removeprefix("https://raw.githubusercontent.com/").strip("/").split("/")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"{repository}-{ref}/", "")
            for name in ("extension.json", "release-schema.json"):
                archive.write(folder / name, f"{repository}-{ref}/{name}")
            # Its codelists, as stored beside it (an extension with none has no codelists folder).
            for path in sorted((folder / "codelists").glob("*.csv")):
                archive.write(path, f"{repository}-{ref}/codelists/{path.name}")
        files[f"https://github.com/{owner}/{repository}/archive/{ref}.zip"] = buffer.getvalue()
    return files


def standard_zip() -> bytes:
    """The standard's schema folder as lib-cove-ocds reads it from the standard's repository ZIP.

    The codelists are the standard's CSV files stored in ``notices/ocds/schema/1.1.5/codelists/``
    (see ``schema/SOURCE.md``), so lib-cove-ocds' codelist checks use the real codes. The versioned
    release schema is not in the repository: it is made from the release schema with
    ocdsextensionregistry, the way the standard makes it."""
    release_schema = json.loads((SCHEMA_DIR / "1.1.5" / "release-schema.json").read_text())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"standard-{TAG}/", "")
        for name in ("release-schema.json", "release-package-schema.json", "record-package-schema.json"):
            archive.write(SCHEMA_DIR / "1.1.5" / name, f"standard-{TAG}/schema/{name}")
        archive.writestr(
            f"standard-{TAG}/schema/versioned-release-validation-schema.json",
            json.dumps(get_versioned_release_schema(release_schema, TAG)),
        )
        for path in sorted((SCHEMA_DIR / "1.1.5" / "codelists").glob("*.csv")):
            archive.write(path, f"standard-{TAG}/schema/codelists/{path.name}")
    return buffer.getvalue()


class _LocalAdapter(requests.adapters.BaseAdapter):
    def __init__(self, files: dict[str, bytes], asked: list[str]):
        super().__init__()
        self.files, self.asked = files, asked

    def send(self, request, **kwargs):
        self.asked.append(request.url)
        content = self.files.get(request.url)
        if content is None:
            raise WouldFetch(f"lib-cove-ocds tried to fetch {request.url}")
        response = requests.Response()
        response.status_code, response.url, response.request = 200, request.url, request
        response._content = content
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


@contextmanager
def offline(monkeypatch):
    """lib-cove-ocds answered from the repository; any other fetch or outside connection raises ``WouldFetch``."""
    asked: list[str] = []
    adapter = _LocalAdapter(local_files(), asked)
    # A plain session instead of ocdsextensionregistry's cached one, so nothing fetched earlier is reused.
    session = requests.Session()
    session.adapters.clear()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    monkeypatch.setattr(registry_util, "session", session)
    monkeypatch.setattr(registry_extension_version, "session", session)

    connect = socket.socket.connect

    def local_only(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if sock.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost"):
            return connect(sock, address)
        raise WouldFetch(f"a connection to {address} was attempted")

    monkeypatch.setattr(socket.socket, "connect", local_only)
    yield asked


def cove(package: dict) -> dict:
    """lib-cove-ocds' report on a release package (call inside ``offline``)."""
    config = LibCoveOCDSConfig({"context": "api", "standard_zip": standard_zip()})
    with tempfile.TemporaryDirectory() as folder:  # it writes the extended schema there
        return ocds_json_output(folder, json_data=package, lib_cove_ocds_config=config)
