-- Undoes V0011: popular_routes reads the tickets table again instead of this index alone.
-- Proven by `travel validate --revert` (migrate -> revert -> migrate ends in the same schema).
DROP INDEX idx_tickets_trip_status_reservation ON tickets;
