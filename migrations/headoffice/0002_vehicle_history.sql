-- A shared vehicle in the feed carries its repair orders at other stations
-- (store/feed.rs, attach_history): find a vehicle's orders without a scan.
CREATE INDEX records_repair_orders_by_vehicle ON records ((payload->'vehicle'->>'id')) WHERE entity = 'repair_order';
