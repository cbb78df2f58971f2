"""A learning record store that keeps xAPI statements by id, as Ralph does, for the
hub's forwarder to send to."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request, Response

BASE = "https://hub.example.org"


class FakeLrs:
    """Keeps statements by id; 204 for the same content again, 409 for different content
    (as Ralph does); answers 503 while ``down``."""

    def __init__(self) -> None:
        self.statements: dict[str, str] = {}
        self.requests = 0
        self.down = False
        self.app = FastAPI()

        @self.app.put("/xapi/statements")
        async def put(request: Request, statementId: str) -> Response:
            self.requests += 1
            if self.down:
                return Response(status_code=503)
            assert request.headers["x-experience-api-version"] == "1.0.3"
            body = (await request.body()).decode()
            assert json.loads(body)["id"] == statementId
            if statementId in self.statements and self.statements[statementId] != body:
                return Response(status_code=409)
            self.statements[statementId] = body
            return Response(status_code=204)
