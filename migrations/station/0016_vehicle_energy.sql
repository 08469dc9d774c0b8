-- Electric and hybrid vehicles (issue 11). A vehicle says what it runs on;
-- NULL is "not known yet", which check-in asks. An order reads the fuel gauge,
-- the battery's charge or both, by the vehicle's energy, and never a default:
-- an electric car's order has no fuel level, so fuel_eighths becomes nullable.
ALTER TABLE vehicles ADD COLUMN energy TEXT CHECK (energy IN ('fuel', 'hybrid', 'electric'));
ALTER TABLE repair_orders ADD COLUMN battery_percent INTEGER CHECK (battery_percent BETWEEN 0 AND 100);

-- Dropping a NOT NULL constraint leaves the stored rows as they are, so SQLite's
-- documented shortcut applies (lang_altertable.html, "Making Other Kinds Of
-- Table Schema Changes"): edit the table's SQL text rather than copy the table,
-- whose copy-and-drop would fire the ON DELETE CASCADE of its child tables.
-- It comes after the ADD COLUMN, which computes its offset from the parsed text.
PRAGMA writable_schema = ON;
UPDATE sqlite_master SET sql = replace(sql, 'fuel_eighths     INTEGER NOT NULL CHECK', 'fuel_eighths     INTEGER CHECK')
 WHERE type = 'table' AND name = 'repair_orders';
PRAGMA writable_schema = OFF;

-- Fails the migration if the text was not found; creating and dropping a table
-- also moves the schema cookie, so every other connection re-reads the schema
-- (store/db.rs reopens the pool after migrating for the migrating connection).
CREATE TABLE _m0016_guard (ok INTEGER NOT NULL CHECK (ok = 1));
INSERT INTO _m0016_guard SELECT instr(sql, 'fuel_eighths     INTEGER CHECK') > 0 FROM sqlite_master WHERE type = 'table' AND name = 'repair_orders';
DROP TABLE _m0016_guard;
