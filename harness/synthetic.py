"""`travel seed synthetic`: a large, reproducible data set with realistic shapes, loaded in bulk.

Shapes: routes follow a Zipf popularity curve, departures are seasonal (summer and December
peaks), lead times are exponential by mode (flights booked furthest ahead), party sizes skew
to one or two, and outcomes follow typical rates (12 % of holds lapse, 3 % are dropped, 8 % of
paid bookings are cancelled and refunded by the refund rules, 0.5 % of trips are cancelled by
their carrier with full refunds). Everything ends before `until`, so no hold is left open.

Rows go in with multi-row INSERTs of bound parameters (not one procedure call per row), ids are
assigned here so that children can be written without reading back, and the inventory counters
are set from what was generated, so `integrity_violations` stays empty. The same seed always
produces the same rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from . import procedures as sp
from .db import with_retry
from .demo import FIRST_NAMES as NAMES
from .demo import LAST_NAMES as SURNAMES
from .errors import TravelError

BATCH = 2000
FARES_BY_MODE = {  # fare class id, name, seat prefix, capacity, price factor
    "air": [(1, "E", 150, 1.0), (2, "P", 30, 1.6), (3, "B", 20, 3.5), (4, "F", 8, 6.0)],
    "rail": [(1, "E", 300, 1.0), (4, "F", 60, 1.8)],
    "bus": [(1, "E", 50, 1.0)],
}
BASE_PRICE = {"air": 90, "rail": 45, "bus": 18}
LEAD_MEAN_DAYS = {"air": 30, "rail": 14, "bus": 7}
GBP_CARRIERS = {"BA", "U2", "ES", "NX"}
BUS_STATIONS = {"BERZOB", "MUCZOB", "PARBERCY", "LONVIC", "AMSSLOT", "PRGFLORENC"}
SEASON = [0.8, 0.75, 0.85, 0.95, 1.0, 1.15, 1.35, 1.4, 1.05, 0.95, 0.85, 1.2]  # by month
REF_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUV"


def booking_ref(reservation_id: int) -> str:
    """Unique per id (a bijection on 26 bits) and always starting with 0 or 1, which the
    procedures never use, so synthetic and real references cannot collide."""
    scrambled = (reservation_id * 0x2545F49) % (1 << 26)
    chars = [REF_ALPHABET[(scrambled >> (5 * i)) & 31] for i in range(5)]
    return "01"[scrambled >> 25] + "".join(chars)


@dataclass
class Fare:
    trip_id: int
    fare_class_id: int
    prefix: str
    capacity: int
    price: Decimal
    currency: str
    sold: int = 0
    issued: int = 0


# ids left free before a reserved block (see Generator._next_id)
ID_MARGIN = 1000


@dataclass
class Trip:
    trip_id: int
    mode: str
    departs_at: dt.datetime
    cancelled: bool
    fares: list[Fare] = field(default_factory=list)


class Generator:
    def __init__(self, conn, reservations: int, seed: int, until: dt.datetime, progress: Callable,
                 trips: int | None = None, every_fare_class: bool = False):  # fmt: skip
        self.conn = conn
        self.cur = conn.cursor()
        self.target = reservations
        self.trip_count = trips or max(300, reservations // 12)
        self.every_fare_class = every_fare_class
        self.rng = random.Random(seed)
        self.until = until
        self.start = until - dt.timedelta(days=365)
        self.progress = progress
        self.rules = self._refund_rules()

    # -- helpers ---------------------------------------------------------------------------
    def _next_id(self, table: str, key: str, count: int) -> int:
        """The first of `count` ids reserved for this load: past the largest id and the table's
        auto-increment counter, which is then moved past the block, so no other session (on any
        Galera node) is handed one of them. Not MAX + 1 alone: a concurrent insert may take it,
        and on Galera auto-increment values step by the cluster size (COMPAT.md)."""
        self.conn.commit()  # ALTER TABLE commits; nothing of ours may be half-written then
        self.cur.execute(f"SELECT COALESCE(MAX({key}), 0) + 1 FROM {table}")
        first = int(self.cur.fetchone()[0])
        self.cur.execute(
            "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
            (table,),
        )
        counter = self.cur.fetchone()
        # Each Galera node keeps its own counter: another node may hand out a few ids past ours
        # before the ALTER (replicated in total order) moves every counter past the block.
        first = max(first, int(counter[0] or 0)) + ID_MARGIN if counter else first
        self.cur.execute(f"ALTER TABLE {table} AUTO_INCREMENT = {first + count}")
        return first

    def _insert(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Multi-row INSERTs of BATCH rows at most: under max_allowed_packet (100,000 trips of
        four fares overflowed it), and within the size COMPAT.md asks of big DML on Galera."""
        marks = ", ".join(["%s"] * len(columns))
        for start in range(0, len(rows), BATCH):
            self.cur.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows[start : start + BATCH]
            )

    def _refund_rules(self) -> list[tuple[int, Decimal]]:
        self.cur.execute("SELECT min_hours_before, refund_percent FROM refund_rules WHERE mode IS NULL")
        return sorted(((int(h), Decimal(p)) for h, p in self.cur.fetchall()), reverse=True)

    def refund_percent(self, hours_left: float) -> Decimal:
        return next((pct for hours, pct in self.rules if hours_left >= hours), Decimal(0))

    # -- the world -------------------------------------------------------------------------
    def routes(self) -> list[tuple[int, int, int, str, str]]:
        self.cur.execute("SELECT station_id, code FROM stations ORDER BY code")
        stations = self.cur.fetchall()
        by_mode = {
            "air": [s for s in stations if len(s[1]) == 3],
            "bus": [s for s in stations if s[1] in BUS_STATIONS],
        }
        by_mode["rail"] = [s for s in stations if len(s[1]) > 3 and s[1] not in BUS_STATIONS]
        self.cur.execute("SELECT carrier_id, code, mode FROM carriers ORDER BY code")
        carriers = self.cur.fetchall()
        if not carriers or min(len(pool) for pool in by_mode.values()) < 2:
            raise TravelError("the synthetic generator needs the reference data: run `travel seed reference` first")
        routes = []
        for carrier_id, code, mode in carriers:
            pool = by_mode[mode]
            for _ in range(12 if mode == "air" else 8):
                origin, destination = self.rng.sample(pool, 2)
                routes.append((carrier_id, origin[0], destination[0], mode, code))
        self.rng.shuffle(routes)
        return routes

    def make_trips(self) -> list[Trip]:
        routes = self.routes()
        count = self.trip_count
        first_id = self._next_id("trips", "trip_id", count)
        cumulative, total = [], 0.0
        for rank in range(len(routes)):  # Zipf popularity: a few routes carry most trips
            total += 1 / (rank + 1) ** 0.9
            cumulative.append(total)
        trips, trip_rows, subtype_rows, fare_rows = [], [], {"air": [], "rail": [], "bus": []}, []
        span = (self.until + dt.timedelta(days=30) - self.start).days
        for n in range(count):
            carrier_id, origin, destination, mode, code = self.rng.choices(routes, cum_weights=cumulative)[0]
            day = self.start + dt.timedelta(days=self.rng.randrange(span))
            while self.rng.random() > SEASON[day.month - 1] / 1.4:  # seasonality by rejection
                day = self.start + dt.timedelta(days=self.rng.randrange(span))
            departs = day.replace(hour=self.rng.randint(5, 22), minute=self.rng.choice((0, 15, 30, 45)))
            hours = {"air": 1.5, "rail": 4, "bus": 6}[mode] * self.rng.uniform(0.6, 1.8)
            trip = Trip(first_id + n, mode, departs, cancelled=self.rng.random() < 0.005)
            currency = "GBP" if code in GBP_CARRIERS else "EUR"
            base = BASE_PRICE[mode] * self.rng.uniform(0.6, 1.6)
            # every_fare_class (for search benchmarks): every trip sells the four classes of a plane
            for fare_class_id, prefix, capacity, factor in FARES_BY_MODE["air" if self.every_fare_class else mode]:
                price = Decimal(str(round(base * factor, 2))).quantize(Decimal("0.01"))
                trip.fares.append(Fare(trip.trip_id, fare_class_id, prefix, capacity, price, currency))
                fare_rows.append((trip.trip_id, fare_class_id, capacity, price, currency, self.start))
            status = "cancelled" if trip.cancelled else "scheduled"
            trip_rows.append((trip.trip_id, carrier_id, mode, f"{code}{trip.trip_id}", origin, destination,
                              departs, departs + dt.timedelta(hours=hours), status, self.start))  # fmt: skip
            subtype_rows[mode].append((trip.trip_id, None, self.start))
            trips.append(trip)
        self._insert("trips", ("trip_id", "carrier_id", "mode", "service_number", "origin_station_id",
                               "destination_station_id", "departs_at", "arrives_at", "status", "created_at"),
                     trip_rows)  # fmt: skip
        for mode, table, column in (("air", "flights", "aircraft"), ("rail", "trains", "train_type"),
                                    ("bus", "buses", "vehicle")):  # fmt: skip
            self._insert(table, ("trip_id", column, "created_at"), subtype_rows[mode])
        self._insert(
            "trip_fares", ("trip_id", "fare_class_id", "capacity", "price", "currency", "created_at"), fare_rows
        )
        self.conn.commit()
        self.progress(f"{len(trips)} trips on {len(routes)} routes")
        return trips

    def make_users(self) -> list[tuple[int, dt.datetime]]:
        count = max(100, self.target // 8)
        first_id = self._next_id("users", "user_id", count)
        users, rows = [], []
        for n in range(count):
            user_id = first_id + n
            joined = self.start - dt.timedelta(days=180) + dt.timedelta(seconds=self.rng.randrange(540 * 86400))
            name = f"{self.rng.choice(NAMES)} {self.rng.choice(SURNAMES)}"
            rows.append((user_id, f"synthetic-{user_id}@travel-db.example", name, joined))
            users.append((user_id, joined))
        self._insert("users", ("user_id", "email", "full_name", "created_at"), rows)
        credentials = [(user_id, "synthetic-hash", joined) for user_id, joined in users]
        self._insert("user_credentials", ("user_id", "password_hash", "created_at"), credentials)
        self.conn.commit()
        self.progress(f"{len(users)} users")
        return users

    # -- bookings --------------------------------------------------------------------------
    def make_reservations(self, trips: list[Trip], users: list[tuple[int, dt.datetime]], bar) -> dict[str, int]:
        next_id = self.first_reservation = self._next_id("reservations", "reservation_id", self.target)
        outcomes: dict[str, int] = {}
        made = 0
        while made < self.target:
            batch = Batch()
            for _ in range(min(BATCH, self.target - made)):
                trip = self.rng.choice(trips)
                if self.book(batch, next_id, trip, users):
                    outcome = batch.last_outcome
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
                    next_id += 1
                    made += 1
                    bar.update(1)
            batch.write(self)
            self.conn.commit()
        return outcomes

    def book(self, batch: Batch, reservation_id: int, trip: Trip, users) -> bool:
        rng = self.rng
        lead = dt.timedelta(
            days=min(180.0, rng.expovariate(1 / LEAD_MEAN_DAYS[trip.mode])), minutes=rng.randint(30, 600)
        )
        created = trip.departs_at - lead
        if created < self.start or created > self.until - dt.timedelta(hours=1):
            return False
        user_id, joined = rng.choice(users)
        if joined > created:
            return False
        fare = trip.fares[0] if rng.random() < 0.85 or len(trip.fares) == 1 else rng.choice(trip.fares[1:])
        party = rng.choices((1, 2, 3, 4, 5, 6), (60, 25, 8, 4, 2, 1))[0]
        if fare.sold + party > fare.capacity:
            return False
        total = fare.price * party
        fate = rng.random()
        paid_at = created + dt.timedelta(minutes=rng.randint(1, 14))
        if trip.cancelled:
            status, outcome = ("cancelled", "cancelled by carrier") if fate >= 0.15 else ("expired", "expired")
        elif fate < 0.12:
            status, outcome = "expired", "expired"
        elif fate < 0.15:
            status, outcome = "cancelled", "cancelled before paying"
        elif fate < 0.15 + 0.85 * 0.08 and trip.departs_at - paid_at > dt.timedelta(hours=1):
            status, outcome = "cancelled", "paid then cancelled"
        else:
            status, outcome = "confirmed", "confirmed"
        paid = outcome in ("confirmed", "paid then cancelled", "cancelled by carrier")
        batch.last_outcome = outcome
        batch.reservations.append((reservation_id, booking_ref(reservation_id), user_id, status, total, fare.currency,
                                   created + dt.timedelta(minutes=15), trip.departs_at, created))  # fmt: skip
        batch.segments.append((reservation_id, 1, trip.trip_id, fare.fare_class_id, fare.price, party, created))
        for p in range(1, party + 1):
            born = dt.date(rng.randint(1940, 2015), rng.randint(1, 12), rng.randint(1, 28))
            batch.passengers.append((reservation_id, p, f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}", born, created))
        batch.logins.append((user_id, 1, created - dt.timedelta(minutes=rng.randint(1, 30))))
        if not paid:
            return True
        method = rng.choices(("card", "wallet", "bank_transfer"), (70, 22, 8))[0]
        request_hash = hashlib.sha256(f"syn|{reservation_id}|{total}".encode()).hexdigest()
        batch.payments.append(
            (reservation_id, total, fare.currency, method, f"syn-{reservation_id}", request_hash, paid_at)
        )
        ticket_status = "active" if status == "confirmed" else "void"
        for p in range(1, party + 1):
            fare.issued += 1
            batch.tickets.append(
                (reservation_id, p, trip.trip_id, f"{fare.prefix}{fare.issued}", ticket_status, paid_at)
            )
        if status == "confirmed":
            fare.sold += party
            return True
        if outcome == "cancelled by carrier":
            cancelled_at, percent = min(trip.departs_at - dt.timedelta(days=1), self.until), Decimal(100)
            cancelled_at = max(cancelled_at, paid_at + dt.timedelta(minutes=1))
        else:
            window = (trip.departs_at - paid_at).total_seconds() - 60
            cancelled_at = paid_at + dt.timedelta(seconds=rng.uniform(60, max(61, window)))
            percent = self.refund_percent((trip.departs_at - cancelled_at).total_seconds() / 3600)
        refund = (total * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        batch.refunds.append((reservation_id, refund, fare.currency, percent, outcome, cancelled_at))
        return True

    def set_counters(self, trips: list[Trip]) -> None:
        rows = [(f.trip_id, f.fare_class_id, f.sold, f.issued) for t in trips for f in t.fares if f.issued]
        for i in range(0, len(rows), BATCH):
            self.cur.executemany(
                "UPDATE trip_fares SET seats_sold = %s, seats_issued = %s WHERE trip_id = %s AND fare_class_id = %s",
                [
                    (sold, issued, trip_id, fare_class_id)
                    for trip_id, fare_class_id, sold, issued in rows[i : i + BATCH]
                ],
            )
            self.conn.commit()

    def date_history(self, first_id: int, last_id: int) -> None:
        """The status history trigger stamped rows with the load time; date them as generated
        (10,000 reservations a statement, so no transaction is huge)."""
        for low in range(first_id, last_id + 1, 10000):

            def dated(low: int = low) -> None:  # a certification failure (Galera) retries the range
                try:
                    self.cur.execute(
                        "UPDATE reservation_status_history AS h INNER JOIN reservations AS r USING (reservation_id)"
                        " SET h.changed_at = r.created_at, h.created_at = r.created_at"
                        " WHERE h.reservation_id BETWEEN %s AND %s",
                        (low, min(low + 9999, last_id)),
                    )
                    self.conn.commit()
                except Exception:
                    self.conn.rollback()
                    raise

            with_retry(dated)


@dataclass
class Batch:
    reservations: list[tuple] = field(default_factory=list)
    segments: list[tuple] = field(default_factory=list)
    passengers: list[tuple] = field(default_factory=list)
    payments: list[tuple] = field(default_factory=list)
    tickets: list[tuple] = field(default_factory=list)
    refunds: list[tuple] = field(default_factory=list)
    logins: list[tuple] = field(default_factory=list)
    last_outcome: str = ""

    def write(self, gen: Generator) -> None:
        first_passenger = gen._next_id("passengers", "passenger_id", len(self.passengers))
        gen._insert("reservations", ("reservation_id", "booking_ref", "user_id", "status", "total_amount", "currency",
                                     "expires_at", "first_departs_at", "created_at"), self.reservations)  # fmt: skip
        gen._insert("reservation_segments", ("reservation_id", "segment_no", "trip_id", "fare_class_id", "unit_price",
                                             "seats", "created_at"), self.segments)  # fmt: skip
        gen._insert("passengers", ("passenger_id", "reservation_id", "passenger_no", "full_name", "birth_date",
                                   "created_at"),
                    [(first_passenger + i, *row) for i, row in enumerate(self.passengers)])  # fmt: skip
        passenger_ids = {(row[0], row[1]): first_passenger + i for i, row in enumerate(self.passengers)}
        gen._insert("payments", ("reservation_id", "amount", "currency", "method", "idempotency_key", "request_hash",
                                 "created_at"), self.payments)  # fmt: skip
        gen._insert("tickets", ("ticket_number", "reservation_id", "passenger_id", "trip_id", "seat_no", "status",
                                "created_at"),
                    [(f"{r:010d}1{p:02d}", r, passenger_ids[(r, p)], trip, seat, status, at)
                     for r, p, trip, seat, status, at in self.tickets])  # fmt: skip
        gen._insert("refunds", ("reservation_id", "amount", "currency", "refund_percent", "reason", "created_at"),
                    self.refunds)  # fmt: skip
        gen._insert("login_events", ("user_id", "success", "created_at"), self.logins)


def generate(
    conn,
    reservations: int,
    seed: int,
    until: dt.datetime = dt.datetime(2026, 6, 30),
    progress: Callable[[str], None] = print,
    bar_factory: Callable[[int], object] | None = None,
    trips: int | None = None,
    every_fare_class: bool = False,
) -> dict[str, int]:
    """Generate `reservations` reservations and the users they need, on `trips` trips (default:
    one for every 12 reservations, at least 300)."""
    gen = Generator(conn, reservations, seed, until, progress, trips, every_fare_class)
    # The clock stands at `until` while loading, so defaulted timestamps (updated_at) are part
    # of the reproducible data rather than of the day it was loaded.
    gen.cur.execute("SET timestamp = UNIX_TIMESTAMP(%s)", (until,))
    trips = gen.make_trips()
    users = gen.make_users()
    bar = bar_factory(reservations) if bar_factory else _NullBar()
    with bar:
        outcomes = gen.make_reservations(trips, users, bar)
    gen.set_counters(trips)
    gen.date_history(gen.first_reservation, gen.first_reservation + reservations - 1)
    gen.cur.execute("SET timestamp = DEFAULT")
    gen.conn.commit()
    sp.refresh_reporting_facts(gen.conn, 2000)  # the reporting tables (V0030), ~10k rows a batch
    return outcomes


class _NullBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


def checksum(conn, tables: Iterable[str] = ("trips", "trip_fares", "users", "reservations", "reservation_segments",
                                              "passengers", "tickets", "payments", "refunds")) -> str:  # fmt: skip
    """A fingerprint of the generated rows, for reproducibility checks. Hashes the rows
    themselves: CHECKSUM TABLE differs between equal tables that have virtual columns."""
    cur = conn.cursor()
    digest = hashlib.sha256()
    for table in tables:
        cur.execute(f"SELECT * FROM {table}")
        for row in sorted(repr(row) for row in cur.fetchall()):
            digest.update(row.encode())
    cur.close()
    conn.commit()
    return digest.hexdigest()
