"""`GET /api/v1/health` and `GET /api/v1/openapi.json`."""

from __future__ import annotations

import mysql.connector
from flask import Blueprint, current_app, jsonify

from .. import procedures
from ..clock import SESSION_CLOCK_WARNING
from ..errors import TravelError
from ..migrate import HistoryRow, info_rows
from ..project import Project
from .openapi import spec
from .web import log, pool

blueprint = Blueprint("health", __name__, url_prefix="/api/v1")


@blueprint.get("/health")
def health():
    """200 when the database answers, every migration the app ships is applied and the event
    scheduler runs (holds expire on time); 503 with what is wrong otherwise. Warns while the
    procedures' clock follows the session (`session_clock` = session: fine for a demo only)."""
    try:
        with pool().connection() as conn:
            history, scheduler, clock = procedures.schema_status(conn)
    except (mysql.connector.Error, TravelError) as err:
        log.error("health check: database unreachable: %s", err)
        return jsonify({"status": "unavailable", "database": False}), 503
    files = Project(current_app.config["PROJECT_ROOT"]).all()
    rows = info_rows(files, {row["script"]: HistoryRow(**row) for row in history})
    not_applied = [f"{row.script} ({row.state})" for row in rows if row.state != "applied"]
    healthy = not not_applied and scheduler == "ON"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": True,
        "migrations": {"current": not not_applied, "not_applied": not_applied},
        "event_scheduler": scheduler,
        "session_clock": clock,
    }
    if clock == "session":
        body["warnings"] = [SESSION_CLOCK_WARNING]
    return jsonify(body), 200 if healthy else 503


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(spec())
