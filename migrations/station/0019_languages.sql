-- Issue 11, the desk's languages: Traditional Chinese (zh-TW) work-order terms,
-- archived PDFs in zh-TW, and QC checklist items with an English text of their own.
-- A customer whose language is zh-TW signs and is printed these; version 2026-1's
-- zh-CN and en texts are unchanged (a terms text never changes, a language may be added).
-- Converted from the zh-CN text with OpenCC s2twp and reviewed (scripts/zh-tw-fill.py).
INSERT INTO terms (version, language, text, created_at) VALUES
('2026-1', 'zh-TW',
 '1. 客戶授權本站按本單所列項目及金額進行檢查和維修；超出本單金額或增加項目，須經客戶另行授權。' || char(10) ||
 '2. 更換下的舊件如客戶需要帶走，請在交車前告知；未告知的由本站按規定處理。' || char(10) ||
 '3. 車內貴重物品請客戶自行保管；接車時已登記的個人物品除外。' || char(10) ||
 '4. 維修完工通知後超過三日未取車的，本站可收取停車費。' || char(10) ||
 '5. 本站對所修項目提供品質保證，保證期限及里程以交車單為準。',
 '2026-11-01T00:00:00Z');

-- An archived PDF may be in zh-TW: the language CHECK is widened, which in SQLite
-- means the table is rebuilt (the rows, the index and the immutability triggers as they were).
CREATE TABLE ro_documents_zh_tw (
    id                TEXT PRIMARY KEY,
    station_id        TEXT NOT NULL,
    ro_id             TEXT NOT NULL REFERENCES repair_orders(id),
    authorization_id  TEXT NOT NULL REFERENCES ro_authorizations(id),
    kind              TEXT NOT NULL CHECK (kind IN ('intake_order', 'supplemental_authorization', 'delivery_note')),
    language          TEXT NOT NULL CHECK (language IN ('zh-CN', 'zh-TW', 'en')),
    paper             TEXT NOT NULL CHECK (paper IN ('a4', 'letter')),
    sha256            TEXT NOT NULL REFERENCES files(sha256),
    size              INTEGER NOT NULL,
    content_hash      TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL REFERENCES staff(id),
    UNIQUE (authorization_id, paper)
);
INSERT INTO ro_documents_zh_tw (id, station_id, ro_id, authorization_id, kind, language, paper, sha256, size, content_hash, created_at, created_by)
    SELECT id, station_id, ro_id, authorization_id, kind, language, paper, sha256, size, content_hash, created_at, created_by FROM ro_documents;
DROP TABLE ro_documents;
ALTER TABLE ro_documents_zh_tw RENAME TO ro_documents;
CREATE INDEX ro_documents_ro ON ro_documents(ro_id);
CREATE TRIGGER ro_documents_no_update BEFORE UPDATE ON ro_documents BEGIN SELECT RAISE(ABORT, 'an archived document is immutable'); END;
CREATE TRIGGER ro_documents_no_delete BEFORE DELETE ON ro_documents BEGIN SELECT RAISE(ABORT, 'an archived document is immutable'); END;

-- A checklist item has a Chinese and an English text, and the desk shows the one of its
-- language (issue 11: the items used to show "中文 / English" in every language).
-- The five default items, written that way, are split into their two texts.
ALTER TABLE qc_items ADD COLUMN label_en TEXT NOT NULL DEFAULT '';
UPDATE qc_items
   SET label_en = substr(label, instr(label, ' / ') + 3),
       label = substr(label, 1, instr(label, ' / ') - 1)
 WHERE label IN ('故障已排除，客户所述问题复现测试通过 / Concern fixed and verified',
                 '所有螺栓、管路、接头紧固无泄漏 / Fasteners tight, no leaks',
                 '油液液位正常 / Fluid levels correct',
                 '路试正常，无异响、无故障灯 / Road test: no noise, no warning lights',
                 '车辆清洁，旧件已按客户要求处理 / Vehicle clean, old parts handled as asked');
