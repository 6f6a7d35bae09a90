"""`travel seed demo`: a small, realistic, reproducible data set made through the procedures.

Half a year (January to June 2026) of weekly trips on ten routes across the three modes, sixty
customers who sign up, log in and book with realistic lead times; most pay, some cancel (at
every refund tier), some let their hold lapse, and one flight is cancelled by its carrier. Then
two weeks of daily departures from the day it is loaded, open for booking through the API.
Every call runs on a moved session clock (`SET timestamp`), so the history looks lived-in and
the same seed always gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import procedures as sp
from .clock import use_session_clock
from .errors import BusinessError
from .seed import seed_reference

START = dt.datetime(2026, 1, 5, 8, 0)
END = dt.datetime(2026, 6, 29, 8, 0)
MARKER_EMAIL = "demo-1@travel-db.example"


@dataclass(frozen=True)
class Route:
    carrier: str
    origin: str
    destination: str
    hours: float
    fares: tuple[tuple[str, int, str], ...]  # (fare class, capacity, price)
    currency: str = "EUR"

    def add_trip(self, conn, service_number: str, departs: dt.datetime) -> int:
        fares = [{"fare_class": c, "capacity": n, "price": p, "currency": self.currency} for c, n, p in self.fares]
        arrives = departs + dt.timedelta(hours=self.hours)
        return sp.add_trip(
            conn, self.carrier, service_number, self.origin, self.destination, departs, arrives, fares, None
        )


ROUTES = (
    Route("LH", "FRA", "CDG", 1.25, (("economy", 12, "120.00"), ("business", 4, "450.00"))),
    Route("AF", "CDG", "FCO", 2.0, (("economy", 12, "95.50"), ("premium", 4, "180.00"))),
    Route("KL", "AMS", "BCN", 2.25, (("economy", 12, "89.99"),)),
    Route("BA", "LHR", "MAD", 2.5, (("economy", 10, "110.00"), ("business", 4, "520.00")), "GBP"),
    Route("DB", "BERHBF", "MUCHBF", 4.0, (("economy", 16, "79.90"), ("first", 4, "139.00"))),
    Route("ES", "LONSTP", "PARNORD", 2.5, (("economy", 14, "78.00"), ("business", 4, "245.00")), "GBP"),
    Route("SBB", "ZUERICHHB", "MILCLE", 3.3, (("economy", 14, "64.00"), ("first", 4, "112.00"))),
    Route("FLX", "BERZOB", "PRGFLORENC", 4.5, (("economy", 20, "24.99"),)),
    Route("FLX", "MUCZOB", "PARBERCY", 11.0, (("economy", 20, "49.99"),)),
    Route("NX", "LONVIC", "AMSSLOT", 12.0, (("economy", 18, "39.00"),), "GBP"),
)
# fmt: off
FIRST_NAMES = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis",
               "Radia", "Tim", "Sophie", "Linus", "Hedy"]
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton",
              "Ritchie", "Perlman", "Lee", "Wilson"]
# fmt: on


class DemoBuilder:
    def __init__(self, conn, seed: int, progress: Callable[[str], None]):
        self.conn = conn
        self.rng = random.Random(seed)
        self.progress = progress
        self.trips: list[tuple[int, Route, dt.datetime]] = []
        self.users: list[tuple[int, dt.datetime]] = []
        self.outcomes: dict[str, int] = {}

    def at(self, when: dt.datetime) -> None:
        cur = self.conn.cursor()
        cur.execute("SET time_zone = '+00:00'")
        cur.execute("SET timestamp = %s", (int(when.replace(tzinfo=dt.UTC).timestamp()),))
        cur.close()

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    # -- the story -------------------------------------------------------------------------
    def build(self) -> dict[str, int]:
        self.add_trips()
        self.add_users()
        self.add_bookings(700)
        self.cancel_one_flight()
        self.at_real_time()
        self.add_upcoming_trips(days=14)
        sp.refresh_reporting_facts(self.conn)  # the reports see the demo at once (V0030)
        return self.outcomes

    def add_trips(self) -> None:
        self.at(START - dt.timedelta(days=4))
        week = 0
        while START + dt.timedelta(weeks=week) <= END:
            for index, route in enumerate(ROUTES):
                departs = START + dt.timedelta(weeks=week, days=index % 7, hours=index)
                trip_id = route.add_trip(self.conn, f"{route.carrier}{100 + index}", departs)
                self.trips.append((trip_id, route, departs))
            week += 1
        self.progress(f"{len(self.trips)} trips")

    def add_upcoming_trips(self, days: int) -> None:
        """A daily departure on every route for the `days` after loading (on the real clock), so
        there is something to search and book through the API today."""
        today = dt.datetime.now(dt.UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
        for day in range(1, days + 1):
            for index, route in enumerate(ROUTES):
                route.add_trip(
                    self.conn, f"{route.carrier}{200 + index}", today + dt.timedelta(days=day, hours=7 + index)
                )
        self.progress(f"{days * len(ROUTES)} upcoming trips, open for booking")

    def add_users(self) -> None:
        for n in range(1, 61):
            signed_up = START - dt.timedelta(days=10) + dt.timedelta(days=self.rng.randint(0, 120), hours=n % 12)
            self.at(signed_up)
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            user_id = sp.register_user(self.conn, f"demo-{n}@travel-db.example", "demo-hash", name, None)
            self.users.append((user_id, signed_up))
            for _ in range(self.rng.randint(1, 8)):
                self.at(signed_up + dt.timedelta(days=self.rng.randint(0, 150), minutes=self.rng.randint(0, 900)))
                sp.record_login(self.conn, user_id, self.rng.random() > 0.1, f"198.51.100.{n}")
        self.progress(f"{len(self.users)} users")

    def add_bookings(self, count: int) -> None:
        weights = [6, 4, 3, 3, 5, 4, 2, 3, 2, 2]
        bookings = []
        for _ in range(count):
            trip_id, route, departs = self.rng.choices(self.trips, weights=weights * (len(self.trips) // 10))[0]
            lead = dt.timedelta(days=min(60, int(self.rng.expovariate(1 / 14))), hours=self.rng.randint(1, 20))
            booked = departs - lead
            user_id, signed_up = self.rng.choice(self.users)
            if booked > signed_up and booked > START - dt.timedelta(days=3):
                bookings.append((booked, user_id, trip_id, route, departs))
        bookings.sort()
        for booked, user_id, trip_id, route, departs in bookings:
            self.book(booked, user_id, trip_id, route, departs)
        self.progress(f"{sum(self.outcomes.values())} reservations")

    def book(self, booked: dt.datetime, user_id: int, trip_id: int, route: Route, departs: dt.datetime) -> None:
        fare_class = route.fares[0][0] if self.rng.random() < 0.85 else route.fares[-1][0]
        passengers = [{"full_name": f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"}
                      for _ in range(self.rng.choices((1, 2, 3, 4), (60, 25, 10, 5))[0])]  # fmt: skip
        self.at(booked)
        try:
            reservation_id = sp.create_reservation(
                self.conn, user_id, [{"trip_id": trip_id, "fare_class": fare_class}], passengers
            )
        except BusinessError as err:  # sold out, or departed: customers see that too
            self.count(f"refused: {err.code}")
            return
        fate = self.rng.random()
        if fate < 0.12:  # never paid: the hold lapses and the expiry job collects it
            self.at(booked + dt.timedelta(minutes=16))
            sp.expire_reservations(self.conn, 1000)
            self.count("expired")
            return
        if fate < 0.16:
            self.at(booked + dt.timedelta(minutes=5))
            sp.cancel_reservation(self.conn, reservation_id, user_id, "changed my mind")
            self.count("cancelled before paying")
            return
        detail = sp.get_reservation(self.conn, reservation_id, user_id).reservation
        self.at(booked + dt.timedelta(minutes=self.rng.randint(1, 12)))
        method = self.rng.choices(("card", "wallet", "bank_transfer"), (70, 22, 8))[0]
        sp.pay_reservation(
            self.conn, reservation_id, user_id, detail["total_amount"], detail["currency"], method,
            f"demo-{reservation_id}",
        )  # fmt: skip
        if fate < 0.28 and departs - booked > dt.timedelta(hours=2):
            # cancels somewhere between paying and departure: every refund tier turns up
            window = (departs - booked - dt.timedelta(hours=1)).total_seconds()
            self.at(booked + dt.timedelta(seconds=self.rng.uniform(900, window)))
            sp.cancel_reservation(self.conn, reservation_id, user_id, "plans changed")
            self.count("paid then cancelled")
        else:
            self.count("confirmed")

    def cancel_one_flight(self) -> None:
        april_flights = [t for t in self.trips if t[1].carrier == "LH" and t[2].month == 4]
        booked = {t[0]: self.booked_seats(t[0]) for t in april_flights}
        trip_id, route, departs = max(april_flights, key=lambda t: (booked[t[0]], -t[0]))
        self.at(departs - dt.timedelta(days=2))
        affected = sp.cancel_trip(self.conn, trip_id, "aircraft technical fault")
        self.count("cancelled by carrier")
        self.progress(f"trip {trip_id} ({route.carrier} {route.origin}-{route.destination}) cancelled: "
                      f"{affected} reservations refunded or released")  # fmt: skip

    def booked_seats(self, trip_id: int) -> int:
        cur = self.conn.cursor()
        cur.execute("SELECT COALESCE(SUM(seats_held + seats_sold), 0) FROM trip_fares WHERE trip_id = %s", (trip_id,))
        (seats,) = cur.fetchone()
        cur.close()
        self.conn.commit()
        return int(seats)

    def at_real_time(self) -> None:
        cur = self.conn.cursor()
        cur.execute("SET timestamp = DEFAULT")
        cur.close()


def seed_demo(conn, root: Path, seed: int = 2026, progress: Callable[[str], None] = print) -> dict[str, int] | None:
    """Load the demo data set; returns the booking outcomes, or None when it is already loaded.

    The story happens in the past and present, moved with SET timestamp, so the database's
    clock is switched to follow the session (CONTRACT.md); `travel validate`, `/health` and
    `travel events status` warn about it from then on.
    """
    use_session_clock(conn)
    seed_reference(conn, root)
    if sp.get_login(conn, MARKER_EMAIL) is not None:
        return None
    return DemoBuilder(conn, seed, progress).build()
