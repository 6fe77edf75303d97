"""A small Grafana stand-in speaking the documented HTTP API the deploy uses (no Grafana
server can be installed here): `GET/POST /api/folders` and `POST /api/dashboards/db`, with
bearer-token auth, folder creation, uid-keyed dashboards with versions, `overwrite`, and the
documented errors (401 bad token, 403 read-only token, 412 version conflict / name taken).
It checks every request body's shape and records what it stored."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, str], bytes]
JSON = {"Content-Type": "application/json"}


@dataclass
class FakeGrafana:
    token: str = "glsa_test"
    read_only_token: str = "glsa_viewer"
    folders: dict[str, str] = field(default_factory=dict)  # uid -> title
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)  # uid -> stored
    bad_bodies: list[str] = field(default_factory=list)
    auth_headers: list[str] = field(default_factory=list)

    def handle(self, method: str, path: str, body: bytes, auth: str) -> Answer:
        self.auth_headers.append(auth)
        if auth not in (f"Bearer {self.token}", f"Bearer {self.read_only_token}"):
            return _json(401, {"message": "invalid API key"})
        writer = auth == f"Bearer {self.token}"
        if method == "GET" and path == "/api/folders":
            return _json(
                200,
                [
                    {"id": i, "uid": u, "title": t}
                    for i, (u, t) in enumerate(self.folders.items(), 1)
                ],
            )
        if method == "POST" and path == "/api/folders":
            if not writer:
                return _json(403, {"message": "Access denied"})
            doc = json.loads(body)
            if set(doc) - {"uid", "title", "parentUid"} or not doc.get("title"):
                self.bad_bodies.append(f"folder: {doc}")
                return _json(400, {"message": "bad folder body"})
            if doc["title"] in self.folders.values():
                return _json(409, {"message": "a folder with the same name already exists"})
            uid = doc.get("uid") or f"f{len(self.folders)}"
            self.folders[uid] = doc["title"]
            return _json(200, {"uid": uid, "title": doc["title"], "id": len(self.folders)})
        if method == "POST" and path == "/api/dashboards/db":
            if not writer:
                return _json(403, {"message": "Access denied"})
            return self._save(json.loads(body))
        return _json(404, {"message": "Not found"})

    def _save(self, doc: dict[str, Any]) -> Answer:
        dash = doc.get("dashboard")
        problems = []
        if not isinstance(dash, dict) or not dash.get("uid") or not dash.get("title"):
            problems.append("dashboard with uid and title")
        elif dash.get("id") is not None:
            problems.append("dashboard.id null (a new or uid-matched dashboard)")
        if doc.get("folderUid") not in self.folders:
            problems.append(f"folderUid of an existing folder, got {doc.get('folderUid')!r}")
        if problems:
            self.bad_bodies.append("; ".join(problems))
            return _json(400, {"message": "; ".join(problems)})
        assert isinstance(dash, dict)
        uid = dash["uid"]
        old = self.dashboards.get(uid)
        same_title = [
            u
            for u, d in self.dashboards.items()
            if d["dashboard"]["title"] == dash["title"]
            and d["folderUid"] == doc["folderUid"]
            and u != uid
        ]
        if same_title:
            return _json(
                412,
                {
                    "message": "A dashboard with the same name in the folder already exists",
                    "status": "name-exists",
                },
            )
        if old and not doc.get("overwrite") and dash.get("version") != old["dashboard"]["version"]:
            return _json(
                412,
                {
                    "message": "The dashboard has been changed by someone else",
                    "status": "version-mismatch",
                },
            )
        version = old["dashboard"]["version"] + 1 if old else 1
        self.dashboards[uid] = {
            "dashboard": {**dash, "version": version},
            "folderUid": doc["folderUid"],
        }
        return _json(
            200,
            {
                "id": len(self.dashboards),
                "uid": uid,
                "url": f"/d/{uid}/x",
                "status": "success",
                "version": version,
            },
        )


def _json(status: int, doc: Any) -> Answer:
    return status, JSON, json.dumps(doc).encode()


@contextmanager
def serve(fake: FakeGrafana) -> Iterator[str]:
    """The fake on a free 127.0.0.1 port; yields its base URL, shuts it down after."""

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = fake.handle(
                self.command, self.path, body, self.headers.get("Authorization") or ""
            )
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
