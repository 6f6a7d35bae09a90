"""Hypothesis over every endpoint of the API, connected as `travel_app`: each refusal is a status
of CONTRACT.md (or of HTTP itself) in the JSON error shape, with a code that fits the status and
a message free of server text and internal names; it changes no table and leaves no transaction
open on the database. A success cuts nothing (passenger names read back as sent).

Plus the corpus (corpus.py) as API requests, on every CI run.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.api import create_app

from ..api.conftest import CHEAP_HASHER, SECRET
from ..procedures.conftest import REPO_ROOT
from .conftest import PASSWORD
from .referee import clean_message, short, table_checksums
from .strategies import DATE_WORDS, INT_EDGES, TEXT_WORDS, dumps, raw_number

EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "80"))
# The codes each status may carry: CONTRACT.md's, then the web layer's own.
CODES_BY_STATUS = {
    400: {"INVALID_ARGUMENT", "BAD_REQUEST"},
    401: {"UNAUTHORIZED"},
    403: {"FORBIDDEN"},
    404: {"NOT_FOUND"},
    405: {"METHOD_NOT_ALLOWED"},
    409: {"SOLD_OUT", "INVALID_STATE", "DUPLICATE", "TOO_LATE"},
    413: {"PAYLOAD_TOO_LARGE"},
    415: {"UNSUPPORTED_MEDIA_TYPE"},
    422: {"AMOUNT_MISMATCH"},
    429: {"TOO_MANY_REQUESTS"},
}


class Judge:
    """Sends requests and records every breach, like the referee does for SQL calls."""

    def __init__(self, app, root, headers):
        self.client, self.pool, self.root, self.headers = (
            app.test_client(),
            app.extensions["travel_pool"],
            root,
            headers,
        )
        self.problems: dict[tuple[str, str], str] = {}
        self.statuses: Counter = Counter()
        cur = root.cursor()
        self.snapshot = table_checksums(cur)
        root.commit()

    def note(self, endpoint: str, kind: str, request: str, detail: str) -> None:
        self.problems.setdefault((endpoint, kind), f"{endpoint}: {kind}\n    request: {request}\n    got: {detail}")

    def send(self, endpoint: str, method: str, path: str, *, changes_on_refusal: bool = False, **kwargs):
        kwargs.setdefault("headers", self.headers)
        response = self.client.open(path, method=method, **kwargs)
        self.statuses[response.status_code] += 1
        shown = f"{method} {short(path, 100)} {short(kwargs.get('data') or kwargs.get('json'), 200)}"
        cur = self.root.cursor()
        after = table_checksums(cur)
        self.root.commit()
        # The server's own flag on each pooled connection, from its last answer (exact, unlike
        # INNODB_TRX, which InnoDB refreshes at most every 0.1 s of quiet).
        open_ = sum(conn.in_transaction for conn in list(self.pool.idle.queue))
        if open_:
            self.note(endpoint, "a transaction was left open", shown, f"{open_} pooled connection(s) in one")
        if response.status_code >= 400:
            self._check_refusal(endpoint, response, shown)
            if after != self.snapshot and not changes_on_refusal:
                changed = sorted(t for t in after if after[t] != self.snapshot.get(t))
                self.note(endpoint, "a refused request changed data", shown, f"{response.status_code} {changed}")
        self.snapshot = after
        return response

    def _check_refusal(self, endpoint: str, response, shown: str) -> None:
        status, body = response.status_code, response.get_json(silent=True)
        got = f"{status} {short(response.get_data(as_text=True), 300)}"
        if status not in CODES_BY_STATUS:
            self.note(endpoint, f"status {status} is not one the contract allows for a refusal", shown, got)
        elif not (isinstance(body, dict) and set(body) == {"error"} and set(body["error"]) == {"code", "message"}):
            self.note(endpoint, f"{status} not in the JSON error shape", shown, got)
        elif body["error"]["code"] not in CODES_BY_STATUS[status]:
            self.note(endpoint, f"{status} with code {body['error']['code']}", shown, got)
        elif clean_message(body["error"]["message"]):
            self.note(endpoint, f"{status} message not in the contract's words", shown, got)

    def report(self) -> str:
        return f"{len(self.problems)} breach(es); statuses {dict(self.statuses)}:\n" + "\n".join(self.problems.values())


@pytest.fixture(scope="module")
def api(world):
    app = create_app(world.app_url, jwt_secret=SECRET, password_hasher=CHEAP_HASHER, project_root=REPO_ROOT)
    login = app.test_client().post("/api/v1/auth/login", json={"email": world.email, "password": PASSWORD})
    assert login.status_code == 200, login.get_json()
    yield app, {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    app.extensions["travel_pool"].close()


# -- request strategies ---------------------------------------------------------------------
def json_text() -> st.SearchStrategy:
    return st.one_of(st.text(max_size=40), st.sampled_from(TEXT_WORDS), st.just("N" * 151), st.just("x" * 300))


def json_values() -> st.SearchStrategy:
    scalars = st.one_of(st.none(), st.booleans(), st.sampled_from(INT_EDGES), json_text(),
                        st.sampled_from([raw_number("1e400"), 1.5, "\ud800"]))  # fmt: skip
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(json_text(), inner, max_size=3), max_leaves=6)  # fmt: skip


def field(valid) -> st.SearchStrategy:
    return st.one_of(st.just(valid), st.just(valid), json_values())


def body(fields: dict) -> st.SearchStrategy:
    """A JSON body with each field valid or hostile (or missing), or raw bytes that are no body."""
    shaped = st.fixed_dictionaries({}, optional={name: field(valid) for name, valid in fields.items()})
    junk = st.sampled_from([b"", b"{", b"\xff\xfe", b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000,
                            b"null", b"[]", b'"text"', b"1e400"])  # fmt: skip
    return st.one_of(shaped.map(lambda v: dumps(v).encode("utf-8", "surrogatepass")), junk, junk)


def reservation_ids(world) -> st.SearchStrategy:
    words = ["abc", "-1", "0", "1e400", "%00", "..", "1.0", "%F0%9F%9A%86", str(2**63), str(2**64), "9" * 40]
    return st.one_of(
        st.sampled_from([world.held_id, world.paid_id, world.cancelled_id]).map(str), st.sampled_from(words)
    )


def encoded(shaped: st.SearchStrategy) -> st.SearchStrategy:
    """JSON bodies as bytes; a lone surrogate in them becomes bytes that are not UTF-8."""
    return shaped.map(lambda value: dumps(value).encode("utf-8", "surrogatepass"))


def register_requests(world) -> st.SearchStrategy:
    fields = {"email": "new@example.com", "password": "plum violet kettle 42 ozone", "full_name": "New", "phone": None}
    return body(fields).map(lambda b: ("POST", "/api/v1/auth/register", {"data": b}))


def login_requests(world) -> st.SearchStrategy:
    fields = {"email": world.email, "password": "wrong password"}
    return body(fields).map(lambda b: ("POST", "/api/v1/auth/login", {"data": b}))


def search_requests(world) -> st.SearchStrategy:
    value = st.one_of(st.sampled_from(["FRA", "CDG", "2031-06-01", "1", "air", *DATE_WORDS]), st.text(max_size=20))
    names = st.sampled_from(["from", "to", "date", "mode", "passengers"])
    query = st.dictionaries(names, value, max_size=5).map(
        lambda q: {"from": "FRA", "to": "CDG", "date": "2031-06-01", **q}
    )
    return query.map(lambda q: ("GET", "/api/v1/trips", {"query_string": q}))


def book_requests(world) -> st.SearchStrategy:
    trip, person = {"trip_id": world.trip_id, "fare_class": "economy"}, {"full_name": "Ada", "birth_date": "1990-12-10"}
    segment = st.fixed_dictionaries({"trip_id": field(world.trip_id), "fare_class": field("economy")})
    birth_date = st.one_of(st.sampled_from(DATE_WORDS), json_values())
    passenger = st.fixed_dictionaries({"full_name": field("Ada")}, optional={"birth_date": birth_date})
    shaped = st.fixed_dictionaries(
        {
            "segments": field([trip]) | st.lists(segment, max_size=5),
            "passengers": field([person]) | st.lists(passenger, max_size=10),
        }
    )
    data = st.one_of(encoded(shaped), body({"segments": [trip], "passengers": [person]}))
    return data.map(lambda b: ("POST", "/api/v1/reservations", {"data": b}))


def list_requests(world) -> st.SearchStrategy:
    status = st.one_of(st.sampled_from(["held", "confirmed", "x" * 11, "", "%"]), st.text(max_size=12))
    return status.map(lambda s: ("GET", "/api/v1/reservations", {"query_string": {"status": s}}))


def show_requests(world) -> st.SearchStrategy:
    return reservation_ids(world).map(lambda i: ("GET", f"/api/v1/reservations/{i}", {}))


def pay_requests(world) -> st.SearchStrategy:
    amounts = st.sampled_from(["100.001", "1e400", "NaN", "-0.00", "100", "1E+2", "99999999999.99", " 100.00"])
    printable = st.characters(min_codepoint=32, max_codepoint=255)  # what an HTTP header can carry
    keys = st.one_of(st.just("fuzz-api-key"), st.text(printable, max_size=80))
    fields = {"amount": "100.00", "currency": "EUR", "method": "card"}
    shaped = st.fixed_dictionaries(
        {"amount": st.one_of(field("100.00"), amounts), "currency": field("EUR"), "method": field("card")}
    )
    request = st.tuples(reservation_ids(world), keys, st.one_of(encoded(shaped), body(fields)))
    return request.map(lambda t: ("POST", f"/api/v1/reservations/{t[0]}/payments", {"data": t[2], "key": t[1]}))


def cancel_requests(world) -> st.SearchStrategy:
    request = st.tuples(reservation_ids(world), body({"reason": "changed plans"}))
    return request.map(lambda t: ("POST", f"/api/v1/reservations/{t[0]}/cancel", {"data": t[1]}))


# (method, path, keyword arguments of the test client) for one request to each endpoint
REQUESTS = {
    "register": register_requests,
    "login": login_requests,
    "search": search_requests,
    "book": book_requests,
    "list": list_requests,
    "show": show_requests,
    "pay": pay_requests,
    "cancel": cancel_requests,
}


ENDPOINTS = list(REQUESTS)


def names_stored_as_sent(judge: Judge, data: bytes, response) -> None:
    """Nothing cut in silence: the passengers' (or the new customer's) names read back as sent."""
    try:
        sent_body = json.loads(data)
        people = sent_body.get("passengers", [sent_body])
        sent = [person["full_name"].strip() for person in people]
    except (ValueError, TypeError, KeyError, AttributeError):
        return
    answer = response.get_json()
    if "reservation_id" in answer:
        query, key = (
            "SELECT full_name FROM passengers WHERE reservation_id = %s ORDER BY passenger_id",
            answer["reservation_id"],
        )
    else:
        query, key = "SELECT full_name FROM users WHERE user_id = %s", answer["user_id"]
    cur = judge.root.cursor()
    cur.execute(query, (key,))
    stored = [row[0] for row in cur.fetchall()]
    judge.root.commit()
    if stored != sent:
        judge.note("names", "a success changed the names sent", short(data, 200), short(stored, 200))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_refusal_keeps_to_the_contract(world, api, root_conn, endpoint):
    app, headers = api
    judge = Judge(app, root_conn, headers)

    @given(request=REQUESTS[endpoint](world), with_token=st.sampled_from([True, True, True, False]))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def send(request, with_token):
        method, path, kwargs = request
        key = kwargs.pop("key", None)
        sent_headers = {**(headers if with_token else {}), **({"Idempotency-Key": key} if key is not None else {})}
        if "data" in kwargs:
            kwargs["content_type"] = "application/json"
        response = judge.send(endpoint, method, path, headers=sent_headers, changes_on_refusal=endpoint == "login", **kwargs)  # fmt: skip
        if endpoint in ("book", "register") and response.status_code == 201:
            names_stored_as_sent(judge, kwargs["data"], response)

    send()
    print(f"{endpoint}: statuses {dict(judge.statuses)}")
    assert not judge.problems, judge.report()


def test_the_documents_answer(api, root_conn):
    app, headers = api
    judge = Judge(app, root_conn, headers)
    assert judge.send("openapi", "GET", "/api/v1/openapi.json").status_code == 200
    assert judge.send("unknown", "GET", "/api/v1/nothing-here").status_code == 404
    assert judge.send("method", "DELETE", "/api/v1/reservations").status_code == 405
    health = app.test_client().get("/api/v1/health")  # 503 by design without the event scheduler
    assert health.status_code in (200, 503) and health.get_json()["database"] is True
    assert not judge.problems, judge.report()


# -- the corpus, as requests ------------------------------------------------------------------
def booking(trip_id, passenger) -> bytes:
    segments = [{"trip_id": trip_id, "fare_class": "economy"}]
    return dumps({"segments": segments, "passengers": [passenger]}).encode("utf-8", "surrogatepass")


def payment(**change) -> bytes:
    return json.dumps({"amount": "100.00", "currency": "EUR", "method": "card", **change}).encode()


# (id, method, path, body, extra headers, statuses allowed, words one of which the message names)
API_CASES = [
    *(
        (
            f"birth_date {day}",
            "POST",
            "/reservations",
            lambda w, d=day: booking(w.trip_id, {"full_name": "Ada", "birth_date": d}),
            {},
            {400},
            "birth_date",
        )  # fmt: skip
        for day in ("2023-02-30", "1900-02-29", "1990-13-45", "0000-00-00")
    ),
    ("trip_id 2^63", "POST", "/reservations", lambda w: booking(2**63, {"full_name": "Ada"}), {}, {400}, "trip_id"),
    (
        "trip_id 1e400",
        "POST",
        "/reservations",
        lambda w: booking(raw_number("1e400"), {"full_name": "Ada"}),
        {},
        {400},
        "trip_id",
    ),  # fmt: skip
    (
        "151-character passenger name",
        "POST",
        "/reservations",
        lambda w: booking(w.trip_id, {"full_name": "N" * 151}),
        {},
        {201, 400},
        "full_name",
    ),  # fmt: skip
    (
        "passenger name with a lone surrogate (escaped)",
        "POST",
        "/reservations",
        lambda w: booking(w.trip_id, {"full_name": "Ada \\udcff"}).replace(b"\\\\", b"\\"),
        {},
        {400},
        "full_name|passengers",
    ),  # fmt: skip
    (
        "passenger name not UTF-8",
        "POST",
        "/reservations",
        lambda w: booking(w.trip_id, {"full_name": "Ada \udcff"}),
        {},
        {400},
        "UTF-8|JSON|body",
    ),  # fmt: skip
    (
        "over-long currency",
        "POST",
        "/reservations/{held}/payments",
        lambda w: payment(currency="EURO"),
        {"Idempotency-Key": "api-corpus-1"},
        {400},
        "currency",
    ),  # fmt: skip
    (
        "amount with three decimals",
        "POST",
        "/reservations/{held}/payments",
        lambda w: payment(amount="100.001"),
        {"Idempotency-Key": "api-corpus-2"},
        {400},
        "amount",
    ),  # fmt: skip
    (
        "idempotency key of 65 characters",
        "POST",
        "/reservations/{held}/payments",
        lambda w: payment(),
        {"Idempotency-Key": "k" * 65},
        {400},
        "idempotency_key|Idempotency-Key",
    ),  # fmt: skip
    ("reservation id 2^63", "GET", f"/reservations/{2**63}", None, {}, {400, 404}, "reservation"),
    ("search date 0000-00-00", "GET", "/trips?from=FRA&to=CDG&date=0000-00-00", None, {}, {400}, "date"),
    (
        "search passengers 2^31",
        "GET",
        f"/trips?from=FRA&to=CDG&date=2031-06-01&passengers={2**31}",
        None,
        {},
        {400},
        "passengers",
    ),  # fmt: skip
    (
        "register email of 256 characters",
        "POST",
        "/auth/register",
        lambda w: json.dumps(
            {"email": "a" * 244 + "@example.com", "password": "plum violet kettle 42 ozone", "full_name": "A"}
        ).encode(),
        {},
        {400},
        "email",
    ),  # fmt: skip
    (
        "register name with a lone surrogate",
        "POST",
        "/auth/register",
        lambda w: (
            b'{"email": "sur@example.com", "password": "plum violet kettle 42 ozone", "full_name": "Ada \\udcff"}'
        ),
        {},
        {400},
        "full_name",
    ),  # fmt: skip
]


@pytest.mark.parametrize("case", API_CASES, ids=[c[0] for c in API_CASES])
def test_the_corpus_through_the_api(world, api, root_conn, case):
    _, method, path, make_body, extra, statuses, names = case
    app, headers = api
    judge = Judge(app, root_conn, headers)
    kwargs = {"data": make_body(world), "content_type": "application/json"} if make_body else {}
    response = judge.send("corpus", method, "/api/v1" + path.format(held=world.held_id),
                          headers={**headers, **extra}, **kwargs)  # fmt: skip
    assert not judge.problems, judge.report()
    assert response.status_code in statuses, response.get_data(as_text=True)
    if response.status_code >= 400:
        message = response.get_json()["error"]["message"]
        assert any(name in message for name in names.split("|")), f"message does not name {names}: {message!r}"
    elif path == "/reservations":
        names_stored_as_sent(judge, kwargs["data"], response)
        assert not judge.problems, judge.report()


def test_idempotency_keys_differing_only_in_case_are_different_keys(world, api):
    app, headers = api
    client = app.test_client()

    def book() -> int:
        response = client.post("/api/v1/reservations", data=booking(world.trip_id, {"full_name": "Ada"}),
                               content_type="application/json", headers=headers)  # fmt: skip
        assert response.status_code == 201, response.get_json()
        return response.get_json()["reservation_id"]

    def pay(reservation_id: int, key: str):
        return client.post(f"/api/v1/reservations/{reservation_id}/payments", data=payment(),
                           content_type="application/json", headers={**headers, "Idempotency-Key": key})  # fmt: skip

    first, second = book(), book()
    paid = pay(first, f"Api-Key-{first}")
    other = pay(second, f"api-key-{first}")
    assert (paid.status_code, other.status_code) == (201, 201), (paid.get_json(), other.get_json())
    assert paid.get_json()["payment_id"] != other.get_json()["payment_id"]
    again = pay(first, f"Api-Key-{first}")
    assert again.get_json()["payment_id"] == paid.get_json()["payment_id"]
