-- A merged customer (a duplicate folded into another, issue 11) keeps its row
-- as a tombstone: its vehicles, orders, complaints, follow-ups and requests
-- moved to `merged_into`; search no longer finds it and its page points there.
-- The merge itself is an `audit_log` entry (entity 'customer', action 'merge').
-- No foreign key: a pulled tombstone may arrive before its survivor.
ALTER TABLE customers ADD COLUMN merged_into TEXT;
ALTER TABLE customers ADD COLUMN merged_at TEXT;

-- When each consent was given (PIPL: an active, recorded choice). NULL while it
-- is not given, and for consents recorded before this migration, whose time was
-- never kept.
ALTER TABLE customers ADD COLUMN consent_data_at TEXT;
ALTER TABLE customers ADD COLUMN consent_marketing_at TEXT;

-- The duplicate checks look vehicles up by current plate (vehicles_plate) and
-- customers by phone (customer_phones_phone); open orders by vehicle:
CREATE INDEX repair_orders_vehicle_status ON repair_orders(vehicle_id, status);
