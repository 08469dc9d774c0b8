-- Search that answers any fragment of plate, VIN, phone or name fast at a
-- million vehicles. Trigrams serve fragments of three characters or more;
-- short_terms serves one- and two-character name fragments (王, 王芳), which a
-- trigram index cannot, and which are common with Chinese names.

-- search_docs gives each customer and vehicle a stable integer id, the FTS
-- rowid, so reindexing one record is a keyed delete and insert.
CREATE TABLE search_docs (
    doc_id  INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('customer', 'vehicle')),
    ref_id  TEXT NOT NULL UNIQUE
);

CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize = 'trigram');

CREATE TABLE search_short_terms (
    term         TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    PRIMARY KEY (term, customer_id)
) WITHOUT ROWID;
CREATE INDEX search_short_terms_customer ON search_short_terms(customer_id);

-- Backfill for databases that already hold customers and vehicles.
INSERT INTO search_docs (kind, ref_id) SELECT 'customer', id FROM customers;
INSERT INTO search_docs (kind, ref_id) SELECT 'vehicle', id FROM vehicles;

INSERT INTO search_fts (rowid, body)
SELECT d.doc_id,
       c.name || ' ' || c.customer_no || ' ' || COALESCE(c.company, '') || ' ' || COALESCE(c.email, '') || ' ' ||
       COALESCE((SELECT group_concat(p.phone, ' ') FROM customer_phones p WHERE p.customer_id = c.id), '')
FROM customers c JOIN search_docs d ON d.ref_id = c.id;

INSERT INTO search_fts (rowid, body)
SELECT d.doc_id,
       COALESCE(v.plate, '') || ' ' || COALESCE(v.vin, '') || ' ' ||
       COALESCE((SELECT group_concat(h.plate, ' ') FROM vehicle_plates h WHERE h.vehicle_id = v.id AND h.valid_to IS NOT NULL), '')
FROM vehicles v JOIN search_docs d ON d.ref_id = v.id;

WITH RECURSIVE grams(customer_id, name, start) AS (
    SELECT id, lower(name), 1 FROM customers
    UNION ALL
    SELECT customer_id, name, start + 1 FROM grams WHERE start < length(name)
)
INSERT OR IGNORE INTO search_short_terms (term, customer_id)
SELECT substr(name, start, 1), customer_id FROM grams WHERE substr(name, start, 1) <> ' '
UNION
SELECT substr(name, start, 2), customer_id FROM grams WHERE start < length(name) AND instr(substr(name, start, 2), ' ') = 0;
