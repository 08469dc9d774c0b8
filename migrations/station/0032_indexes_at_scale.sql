-- Indexes that a station with years of history needs (issue 13's figures, measured
-- with `cargo bench -p station --bench orders` on 100,000 orders; see docs/benchmarks.md).
--
-- The board reads only open orders, but `status NOT IN (…)` cannot use an index on
-- status, so SQLite walked every vehicle's orders (330 ms). A partial index holding only
-- the open orders answers it in about a millisecond; its WHERE must stay the board's.
CREATE INDEX repair_orders_open ON repair_orders(status) WHERE status NOT IN ('delivered', 'closed', 'cancelled');
-- A customer's orders: the archive number counts their orders of the day at check-in, and
-- masking asks whether an advisor has an open order of theirs. Both scanned every order.
CREATE INDEX repair_orders_customer ON repair_orders(customer_id, checked_in_at);
-- Moving an order looks for concerns that have no job yet (50 ms without it).
CREATE INDEX ro_jobs_concern ON ro_jobs(concern_id);
-- Destroying an order's signed documents checks the jobs that name them.
CREATE INDEX ro_jobs_authorization ON ro_jobs(authorization_id);
-- A customer's service requests, as their complaints and follow-ups already have.
CREATE INDEX service_requests_customer ON service_requests(customer_id);
