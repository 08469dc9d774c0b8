-- Which destruction destroyed a record (issue 12; store/destructions.rs,
-- `HELD_ELSEWHERE`).
--
-- A station holds a car through an order, complaint or service request naming
-- it only while it has not destroyed that record. Each destruction names its
-- subject; this index finds a record's destruction without reading every
-- destruction of the station, and the statistics give the planner the real
-- number of destructions per subject (one), as 0012 does for the other
-- expressions.
CREATE INDEX records_destructions_by_subject ON records ((payload->>'subject_id'))
    WHERE entity = 'destruction';
CREATE STATISTICS records_destruction_subjects ON ((payload->>'subject_id')) FROM records;
