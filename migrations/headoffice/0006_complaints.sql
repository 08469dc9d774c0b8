-- Complaints across stations (crates/headoffice/src/store/complaints.rs): the
-- console's list reads the stations' complaint records, their clocks and the
-- head office's notes out of `records`. Expression indexes on the payload,
-- partial to the entity they serve, so neither the list nor a complaint's page
-- scans every record (tens of millions with 200 stations' orders), and pushes
-- of other records do not maintain them.

-- The open complaints (every status but closed): the list's default, with the
-- overdue ones first, needs all of them, found without the closed ones.
CREATE INDEX records_open_complaints ON records (station_id, (payload->>'received_at'))
    WHERE entity = 'complaint' AND NOT deleted AND (payload->>'status') <> 'closed';

-- Every complaint by the time it was received: the list of all complaints and
-- its "received from/to" filter.
CREATE INDEX records_complaints_received ON records ((payload->>'received_at'))
    WHERE entity = 'complaint' AND NOT deleted;

-- A complaint's clocks (first response, resolution, callback): their due
-- times decide what is overdue.
CREATE INDEX IF NOT EXISTS records_clocks_by_item ON records (station_id, (payload->>'item_id'))
    WHERE entity = 'item_clock';

-- What belongs to one complaint: its timeline, its compensations and the head
-- office's notes (`ho_complaint_note`, written here for the complaint's station).
CREATE INDEX records_by_complaint ON records (station_id, (payload->>'complaint_id'))
    WHERE entity IN ('complaint_event', 'complaint_compensation', 'ho_complaint_note');

-- How many records hold each status: without it PostgreSQL guesses that
-- nearly every complaint is open and reads them all through the index by time
-- instead of the open ones through theirs.
CREATE STATISTICS records_status ON (payload->>'status') FROM records;
