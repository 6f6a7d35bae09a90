"""Booking done the way a typical Flask + SQLAlchemy application does it, against the stored
procedures, same server, same clients (issue: benchmarks, item 2).

    .venv/bin/pip install -e '.[bench]'            # SQLAlchemy
    .venv/bin/python bench/orm_baseline.py [--seconds 20] [--clients 1 8]

Each client is a process with its own connection, booking one seat on a random one of the
1,000 bench trips and paying it, for --seconds: once through the harness's procedure calls
(`create_reservation` + `pay_reservation`), once through an ORM session (read the fare FOR
UPDATE, check and bump its counters, insert the reservation, segment and passenger, commit;
then read the reservation FOR UPDATE, insert the payment and the ticket with the next seat
number, update the reservation, segment and fare, commit). Both write the same rows (the
schema's triggers fire for both), and the end state is checked: one confirmed reservation, one
active ticket and one payment per booking, and integrity_violations empty. Figures go into
docs/benchmarks.md (section `orm`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import multiprocessing
import random
import string
import time
from decimal import Decimal

import booking
from common import bench_url, command_line, connect, describe_machine, write_section
from sqlalchemy import DateTime, Integer, Numeric, String, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from harness import procedures as sp
from harness.db import RETRIES

TARGET = 3.0  # procedures' throughput over the ORM's


class Base(DeclarativeBase):
    pass


class TripFare(Base):
    __tablename__ = "trip_fares"
    trip_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fare_class_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    seats_held: Mapped[int] = mapped_column(Integer)
    seats_sold: Mapped[int] = mapped_column(Integer)
    seats_issued: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))


class Trip(Base):
    __tablename__ = "trips"
    trip_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    departs_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Reservation(Base):
    __tablename__ = "reservations"
    reservation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_ref: Mapped[str] = mapped_column(String(6))
    user_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    total_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    first_departs_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Segment(Base):
    __tablename__ = "reservation_segments"
    reservation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    trip_id: Mapped[int] = mapped_column(Integer)
    fare_class_id: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    seats: Mapped[int] = mapped_column(Integer)
    held_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Passenger(Base):
    __tablename__ = "passengers"
    passenger_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reservation_id: Mapped[int] = mapped_column(Integer)
    passenger_no: Mapped[int] = mapped_column(Integer)
    full_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Payment(Base):
    __tablename__ = "payments"
    payment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reservation_id: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Ticket(Base):
    __tablename__ = "tickets"
    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_number: Mapped[str] = mapped_column(String(13))
    reservation_id: Mapped[int] = mapped_column(Integer)
    passenger_id: Mapped[int] = mapped_column(Integer)
    trip_id: Mapped[int] = mapped_column(Integer)
    seat_no: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


REF_CHARS = string.ascii_uppercase.replace("I", "").replace("O", "") + "23456789"


def orm_hold(session: Session, user_id: int, trip_id: int, rng: random.Random, now: dt.datetime) -> int:
    with session.begin():
        fare = session.execute(
            select(TripFare).filter_by(trip_id=trip_id, fare_class_id=1).with_for_update()
        ).scalar_one()
        if fare.capacity - fare.seats_held - fare.seats_sold < 1:
            raise RuntimeError("sold out")
        departs = session.get(Trip, trip_id).departs_at
        fare.seats_held += 1
        reservation = Reservation(
            booking_ref="".join(rng.choices(REF_CHARS, k=6)), user_id=user_id, status="held",
            total_amount=fare.price, currency=fare.currency, expires_at=now + dt.timedelta(minutes=15),
            first_departs_at=departs, created_at=now,
        )  # fmt: skip
        session.add(reservation)
        session.flush()
        session.add(Segment(reservation_id=reservation.reservation_id, segment_no=1, trip_id=trip_id, fare_class_id=1,
                            unit_price=fare.price, seats=1, held_until=reservation.expires_at, created_at=now))  # fmt: skip
        session.add(Passenger(reservation_id=reservation.reservation_id, passenger_no=1, full_name="Bench Traveller",
                              created_at=now))  # fmt: skip
        return reservation.reservation_id


def orm_book(session: Session, user_id: int, trip_id: int, rng: random.Random) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    for _ in range(10):  # a booking reference already taken: draw another, as the procedures do
        try:
            reservation_id = orm_hold(session, user_id, trip_id, rng, now)
            break
        except IntegrityError as error:
            if "uq_reservations_booking_ref" not in str(error):
                raise
    else:
        raise RuntimeError("ten booking references in a row were taken")
    with session.begin():
        reservation = session.execute(
            select(Reservation).filter_by(reservation_id=reservation_id).with_for_update()
        ).scalar_one()
        if reservation.status != "held" or reservation.expires_at <= now:
            raise RuntimeError("not payable")
        segment = session.get(Segment, (reservation_id, 1))
        passenger = session.execute(select(Passenger).filter_by(reservation_id=reservation_id)).scalar_one()
        fare = session.execute(
            select(TripFare).filter_by(trip_id=trip_id, fare_class_id=1).with_for_update()
        ).scalar_one()
        key = f"orm-{reservation_id}"
        session.add(Payment(reservation_id=reservation_id, amount=reservation.total_amount, currency=reservation.currency,
                            method="card", idempotency_key=key, request_hash=hashlib.sha256(key.encode()).hexdigest(),
                            created_at=now))  # fmt: skip
        fare.seats_issued += 1
        session.add(Ticket(ticket_number=f"{reservation_id:010d}101", reservation_id=reservation_id,
                           passenger_id=passenger.passenger_id, trip_id=trip_id, seat_no=f"E{fare.seats_issued}",
                           created_at=now))  # fmt: skip
        fare.seats_held -= 1
        fare.seats_sold += 1
        segment.held_until = None
        reservation.status = "confirmed"


def client(kind: str, url, world: dict[str, int], deadline: float, seed: int) -> tuple[int, int]:
    """Bookings made until the deadline, and the deadlocks and lock wait timeouts the harness
    retried on the way (the ORM version has no retry: one would end the run with an error)."""
    rng = random.Random(f"{seed}-{time.time_ns()}")  # booking refs must differ from every earlier run's
    done = 0
    if kind == "orm":
        engine = create_engine(
            f"mysql+mysqlconnector://{url.user}:{url.password}@{url.host}:{url.port}/{url.database}"
            "?charset=utf8mb4&collation=utf8mb4_unicode_520_ci",
            isolation_level="READ COMMITTED",
        )
        with Session(engine) as session:
            while time.monotonic() < deadline:
                orm_book(session, world["user_id"], world["spread"] + rng.randrange(booking.SPREAD_TRIPS), rng)
                done += 1
        engine.dispose()
        return done, 0
    conn = connect(url)
    while time.monotonic() < deadline:
        trip = world["spread"] + rng.randrange(booking.SPREAD_TRIPS)
        reservation_id = sp.create_reservation(conn, world["user_id"], [{"trip_id": trip, "fare_class": "economy"}],
                                               [{"full_name": "Bench Traveller"}])  # fmt: skip
        sp.pay_reservation(conn, reservation_id, world["user_id"], "10.00", "EUR", "card", f"proc-{reservation_id}")
        done += 1
    conn.close()
    return done, RETRIES[1213] + RETRIES[1205]


def end_state(url) -> tuple[int, int, int, int]:
    conn = connect(url)
    cur = conn.cursor()
    counts = []
    for sql in (
        "SELECT COUNT(*) FROM reservations WHERE status = 'confirmed'",
        "SELECT COUNT(*) FROM tickets WHERE status = 'active'",
        "SELECT COUNT(*) FROM payments",
        "SELECT COUNT(*) FROM integrity_violations",
    ):
        cur.execute(sql)
        counts.append(int(cur.fetchone()[0]))
    conn.close()
    return tuple(counts)


def measure(kind: str, url, world, clients: int, seconds: int) -> tuple[float, bool, int]:
    before = end_state(url)
    deadline = time.monotonic() + seconds
    with multiprocessing.Pool(clients) as pool:
        results = pool.starmap(client, [(kind, url, world, deadline, n) for n in range(clients)])
    done, retried = sum(n for n, _ in results), sum(r for _, r in results)
    after = end_state(url)
    consistent = [a - b for a, b in zip(after[:3], before[:3], strict=True)] == [done] * 3 and after[3] == 0
    return done / seconds, consistent, retried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="server to use (database travel_sysbench is rebuilt)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, nargs="*", default=[1, 8])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    url = bench_url(args.database_url).with_database(booking.DATABASE)
    world = booking.prepare(url)
    rows = []
    for clients in args.clients:
        proc_rate, proc_ok, retried = measure("procedures", url, world, clients, args.seconds)
        orm_rate, orm_ok, _ = measure("orm", url, world, clients, args.seconds)
        ratio = proc_rate / orm_rate
        verdict = "met" if ratio >= TARGET and proc_ok and orm_ok else "MISSED"
        print(f"{clients} clients: procedures {proc_rate:.0f}/s, ORM {orm_rate:.0f}/s, {ratio:.2f}x; "
              f"end state consistent: {proc_ok and orm_ok}; harness retries {retried}: {verdict}", flush=True)  # fmt: skip
        rows.append(
            f"| {clients} | {proc_rate:.0f} | {orm_rate:.0f} | {ratio:.2f} | {proc_ok and orm_ok} | {retried} | {verdict} |"
        )
    if args.no_write:
        return
    write_section(
        "orm",
        f"""## Booking in the database vs in the application (ORM)

{describe_machine(connect(url))}; {args.seconds} s per run; each client a Python process with one
connection, booking and paying one seat on a random one of 1,000 trips.

    {command_line()}

| clients | procedures, bookings/s | SQLAlchemy ORM, bookings/s | ratio (target ≥ {TARGET:.0f}) | same end state | deadlocks/timeouts retried by the harness | |
|---|---|---|---|---|---|---|
"""
        + "\n".join(rows)
        + f"""

The ORM version checks seats after reading the fare `FOR UPDATE` (check-then-act made safe by the
row lock), sets its own booking reference and seat numbers, and makes 9 round trips per booking
against the procedures' 4 (each CALL, then a SELECT of its OUT value). Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.""",
    )


if __name__ == "__main__":
    main()
