-- Recall campaigns performed on a repair order (entity `ro_recall`, append-only):
-- what lets the head office count a campaign's completion per VIN. One VIN is
-- done once per campaign at a station; the campaign itself stays the head
-- office's (`ho_recall_campaigns`), its id and title are copied here so the
-- record still reads right after the campaign closes.
CREATE TABLE ro_recalls (
    id            TEXT PRIMARY KEY,
    station_id    TEXT NOT NULL,
    ro_id         TEXT NOT NULL REFERENCES repair_orders(id),
    ro_number     TEXT NOT NULL,
    campaign_id   TEXT NOT NULL,
    title         TEXT NOT NULL,
    vin           TEXT NOT NULL,
    -- The job the work was done under, when the advisor named one.
    job_id        TEXT REFERENCES ro_jobs(id),
    performed_by  TEXT NOT NULL REFERENCES staff(id),
    performed_at  TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (vin, campaign_id)
);
CREATE INDEX ro_recalls_by_order ON ro_recalls(ro_id);
CREATE TRIGGER ro_recalls_no_update BEFORE UPDATE ON ro_recalls BEGIN SELECT RAISE(ABORT, 'a performed recall is written once'); END;
CREATE TRIGGER ro_recalls_no_delete BEFORE DELETE ON ro_recalls BEGIN SELECT RAISE(ABORT, 'a performed recall is written once'); END;
