-- Indexes the after-sales lists need at station scale (100,000 complaints,
-- 500,000 follow-ups; docs/benchmarks.md, `cargo bench -p station --bench aftersales`).

-- The call list's "not called" section: customers who refused follow-up calls,
-- delivered in the last give-up window, newest first. Without it every call
-- list scanned all follow-ups.
CREATE INDEX follow_ups_no_consent ON follow_ups(delivered_at) WHERE status = 'no_consent';

-- A complaint's page lists the later complaints that repeat it. Without it
-- every complaint page scanned the whole ledger.
CREATE INDEX complaints_repeat_of ON complaints(repeat_of_id, received_at) WHERE repeat_of_id IS NOT NULL;
