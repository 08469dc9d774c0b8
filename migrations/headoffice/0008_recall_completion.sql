-- Recall completion (crates/headoffice/src/store/recalls.rs): a campaign's
-- performed recalls are the `ro_recall` records stations push with their
-- orders; the VINs its ranges cover are the vehicles on file at any station.
-- Partial expression indexes, so completion never scans every record and
-- pushes of other records do not maintain them. VINs compare as bytes
-- (COLLATE "C"), as the stations' SQLite compares them, so a range holds the
-- same VINs at both ends whatever the database's locale.
CREATE INDEX records_ro_recalls_by_campaign ON records ((payload->>'campaign_id'), (payload->>'vin'))
    WHERE entity = 'ro_recall';
CREATE INDEX shared_vehicles_by_vin ON shared_records (((fields->>'vin') COLLATE "C"))
    WHERE entity = 'vehicle';
