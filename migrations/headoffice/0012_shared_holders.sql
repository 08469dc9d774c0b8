-- Who still holds a shared customer or car (issue 12; docs/sync.md,
-- "Destruction"; store/destructions.rs, `kept_for_other_stations`).
--
-- When a station destroys a shared customer or car, the head office keeps its
-- copy while another station still holds it: has access to it, or keeps an
-- order, complaint, service request or follow-up call naming it, and has not
-- destroyed it itself. These indexes find those records and those stations'
-- destructions without scanning every record. Orders by car are already
-- indexed (0002).
CREATE INDEX records_naming_customer ON records ((payload->>'customer_id'))
    WHERE entity IN ('complaint', 'service_request', 'follow_up');
CREATE INDEX records_naming_vehicle ON records ((payload->>'vehicle_id'))
    WHERE entity IN ('complaint', 'service_request');
CREATE INDEX records_repair_orders_by_customer ON records ((payload->'customer'->>'id'))
    WHERE entity = 'repair_order';
CREATE INDEX records_destructions_by_customer ON records USING gin ((payload->'customers') jsonb_path_ops)
    WHERE entity = 'destruction';
CREATE INDEX records_destructions_by_vehicle ON records USING gin ((payload->'vehicles') jsonb_path_ops)
    WHERE entity = 'destruction';

-- The planner keeps no statistics for the expressions of partial indexes, so
-- it guessed a tenth of all records for a filter on them that matches a handful,
-- and answered a pull's "visits to other stations" (store/feed.rs) with a hash
-- join over every destruction. Statistics on the expressions themselves give it
-- the real figures (docs/benchmarks.md, "Who holds a shared customer").
CREATE STATISTICS records_order_vehicle_ids ON ((payload->'vehicle'->>'id')) FROM records;
CREATE STATISTICS records_order_customer_ids ON ((payload->'customer'->>'id')) FROM records;
CREATE STATISTICS records_named_customer_ids ON ((payload->>'customer_id')) FROM records;
CREATE STATISTICS records_named_vehicle_ids ON ((payload->>'vehicle_id')) FROM records;
