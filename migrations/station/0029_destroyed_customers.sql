-- Issue 12: a customer anonymised past retention says so. The record keeps its
-- anonymised name for older stations and the head office, but screens word
-- "destroyed" in the reader's language from this flag (crates/station/src/
-- customers.rs, `Customer::destroyed_at`). It syncs with the customer, so a
-- station sharing the customer learns it too.
ALTER TABLE customers ADD COLUMN destroyed_at TEXT;

UPDATE customers SET destroyed_at = (
    SELECT MIN(d.destroyed_at) FROM retention_destructions d, json_each(d.payload, '$.customers') j WHERE j.value = customers.id
) WHERE destroyed_at IS NULL;
