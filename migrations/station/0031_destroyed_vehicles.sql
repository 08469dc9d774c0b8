-- Issue 12: a vehicle destroyed with its last owner (docs/privacy.md,
-- "Retention and destruction") keeps its make, model, year and energy but
-- neither VIN nor plate: those identify a person through the registration.
-- `destroyed_at` says so, and the vehicle view words it ("Data destroyed")
-- from that flag; no fake VIN or plate is stored (the domain types accept
-- only valid ones).
ALTER TABLE vehicles ADD COLUMN destroyed_at TEXT;

-- The row required a VIN or a plate (migration 0001). Loosening a CHECK leaves
-- the stored rows valid, so SQLite's documented shortcut applies, as in 0016:
-- edit the table's SQL text rather than copy the table, whose copy-and-drop
-- would fire the ON DELETE CASCADE of the plate history and fail the orders'
-- foreign keys (a migration runs in a transaction, where they stay on).
-- It comes after the ADD COLUMN, which computes its offset from the parsed text.
PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = replace(sql, 'CHECK (vin IS NOT NULL OR plate IS NOT NULL)', 'CHECK (vin IS NOT NULL OR plate IS NOT NULL OR destroyed_at IS NOT NULL)')
 WHERE type = 'table' AND name = 'vehicles';
PRAGMA writable_schema = OFF;

-- Fails the migration if the text was not found; creating and dropping a table
-- also moves the schema cookie, so every other connection re-reads the schema
-- (store/db.rs reopens the pool after migrating for the migrating connection).
CREATE TABLE _m0031_guard (ok INTEGER NOT NULL CHECK (ok = 1));
INSERT INTO _m0031_guard SELECT instr(sql, 'OR destroyed_at IS NOT NULL)') > 0 FROM sqlite_master WHERE type = 'table' AND name = 'vehicles';
DROP TABLE _m0031_guard;
