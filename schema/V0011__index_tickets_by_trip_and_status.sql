-- popular_routes counts the active tickets of the trips departing in a range, and their
-- distinct reservations: with this index it reads the index alone (1.9 s -> 0.4 s on a million
-- reservations, docs/benchmarks.md).
CREATE INDEX idx_tickets_trip_status_reservation ON tickets (trip_id, status, reservation_id);
