-- Signed work orders (issue 4; docs/workflow.md, "Signed documents").
--
-- Every authorization (intake, supplemental, a decline of recommended work) and
-- the acceptance at delivery is a signed document: its canonical JSON content,
-- the SHA-256 of that text, the terms version and the language, with the
-- signatures (customer, and the advisor on the intake) alongside. Documents,
-- their signatures and the lines they cover are immutable.

-- The terms printed with and signed on a work order, per version and language.
-- A new wording is a new version; an old version never changes.
CREATE TABLE terms (
    version     TEXT NOT NULL,
    language    TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (version, language)
);
INSERT INTO terms (version, language, text, created_at) VALUES
('2026-1', 'zh-CN',
 '1. 客户授权本站按本单所列项目及金额进行检查和维修；超出本单金额或增加项目，须经客户另行授权。' || char(10) ||
 '2. 更换下的旧件如客户需要带走，请在交车前告知；未告知的由本站按规定处理。' || char(10) ||
 '3. 车内贵重物品请客户自行保管；接车时已登记的个人物品除外。' || char(10) ||
 '4. 维修完工通知后超过三日未取车的，本站可收取停车费。' || char(10) ||
 '5. 本站对所修项目提供质量保证，保证期限及里程以交车单为准。',
 '2026-11-01T00:00:00Z'),
('2026-1', 'en',
 '1. The customer authorizes the station to inspect and repair the items listed on this order for the amounts shown; any further work or amount needs the customer''s separate authorization.' || char(10) ||
 '2. Tell us before delivery if you wish to take the replaced parts; otherwise the station disposes of them as the rules require.' || char(10) ||
 '3. Please keep valuables with you; personal items recorded at check-in are excepted.' || char(10) ||
 '4. A vehicle not collected within three days of the completion notice may be charged for parking.' || char(10) ||
 '5. The station warrants the work done; the period and mileage are stated on the delivery note.',
 '2026-11-01T00:00:00Z');
CREATE TRIGGER terms_no_update BEFORE UPDATE ON terms BEGIN SELECT RAISE(ABORT, 'a terms version never changes; add a new version'); END;
CREATE TRIGGER terms_no_delete BEFORE DELETE ON terms BEGIN SELECT RAISE(ABORT, 'a terms version never changes; add a new version'); END;

-- The authorization record becomes the signed document. `legacy` marks the
-- records made before this migration, which carry no content or hash.
ALTER TABLE ro_authorizations ADD COLUMN kind TEXT NOT NULL DEFAULT 'intake'
    CHECK (kind IN ('intake', 'supplemental', 'decline', 'acceptance'));
ALTER TABLE ro_authorizations ADD COLUMN language TEXT;
ALTER TABLE ro_authorizations ADD COLUMN terms_version TEXT;
ALTER TABLE ro_authorizations ADD COLUMN content TEXT;
ALTER TABLE ro_authorizations ADD COLUMN hash TEXT;
ALTER TABLE ro_authorizations ADD COLUMN legacy INTEGER NOT NULL DEFAULT 0;
UPDATE ro_authorizations SET kind = CASE WHEN supplemental THEN 'supplemental' ELSE 'intake' END, legacy = 1;
CREATE TRIGGER ro_authorizations_no_update BEFORE UPDATE ON ro_authorizations BEGIN SELECT RAISE(ABORT, 'a signed document is immutable'); END;
CREATE TRIGGER ro_authorizations_no_delete BEFORE DELETE ON ro_authorizations BEGIN SELECT RAISE(ABORT, 'a signed document is immutable'); END;

-- A signature on a document: the customer's, and the advisor's on the intake.
-- On screen: the signature_pad strokes (JSON) and the rendered PNG (a stored
-- file, by SHA-256). On paper: the scan. By phone: who approved and when.
CREATE TABLE ro_signatures (
    id                 TEXT PRIMARY KEY,
    station_id         TEXT NOT NULL,
    authorization_id   TEXT NOT NULL REFERENCES ro_authorizations(id),
    role               TEXT NOT NULL CHECK (role IN ('customer', 'advisor')),
    method             TEXT NOT NULL CHECK (method IN ('on_screen', 'on_paper', 'by_phone')),
    signer_name        TEXT NOT NULL,
    signed_at          TEXT NOT NULL,
    strokes            TEXT,
    png_sha256         TEXT,
    paper_scan_sha256  TEXT,
    phone_approved_by  TEXT,
    phone_at           TEXT,
    created_at         TEXT NOT NULL,
    UNIQUE (authorization_id, role)
);
CREATE TRIGGER ro_signatures_no_update BEFORE UPDATE ON ro_signatures BEGIN SELECT RAISE(ABORT, 'a signature is immutable'); END;
CREATE TRIGGER ro_signatures_no_delete BEFORE DELETE ON ro_signatures BEGIN SELECT RAISE(ABORT, 'a signature is immutable'); END;

-- The lines each document covers (approved or declined): locked once signed.
CREATE TABLE ro_signed_lines (
    authorization_id  TEXT NOT NULL REFERENCES ro_authorizations(id),
    line_id           TEXT NOT NULL,
    PRIMARY KEY (authorization_id, line_id)
);
CREATE INDEX ro_signed_lines_line ON ro_signed_lines(line_id);
CREATE TRIGGER ro_signed_lines_no_update BEFORE UPDATE ON ro_signed_lines BEGIN SELECT RAISE(ABORT, 'signed lines are immutable'); END;
CREATE TRIGGER ro_signed_lines_no_delete BEFORE DELETE ON ro_signed_lines BEGIN SELECT RAISE(ABORT, 'signed lines are immutable'); END;

-- Returned parts lower a line's quantity and amount (off the customer's bill);
-- the quantity returned so far lets verify tell a return from an edit.
ALTER TABLE ro_lines ADD COLUMN returned_milli INTEGER NOT NULL DEFAULT 0;

-- A signed line cannot be removed, and its description, kind and price cannot
-- change; its amount changes only with its quantity (a part return).
CREATE TRIGGER ro_lines_signed_no_delete BEFORE DELETE ON ro_lines
WHEN EXISTS (SELECT 1 FROM ro_signed_lines WHERE line_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'line.authorized: a line the customer signed for cannot be removed'); END;
CREATE TRIGGER ro_lines_signed_no_edit BEFORE UPDATE OF kind, description, unit_price_minor, amount_minor, quantity_milli, job_id ON ro_lines
WHEN EXISTS (SELECT 1 FROM ro_signed_lines WHERE line_id = OLD.id)
 AND (NEW.kind IS NOT OLD.kind OR NEW.description IS NOT OLD.description OR NEW.unit_price_minor IS NOT OLD.unit_price_minor
      OR NEW.job_id IS NOT OLD.job_id OR NEW.quantity_milli > OLD.quantity_milli
      OR (NEW.amount_minor IS NOT OLD.amount_minor AND NEW.quantity_milli IS OLD.quantity_milli))
BEGIN SELECT RAISE(ABORT, 'line.authorized: a line the customer signed for cannot be edited'); END;
