-- 0005: the same status rule, written so that checking it costs nothing.
--
-- SQLite evaluates `status IN ('confirmed', 'waitlisted', 'cancelled')` (a constant list of
-- more than two values) by building a temporary b-tree of the three values for every row
-- it writes. For the single writer that was about a third of the cost of inserting a
-- registration. The equivalent `status = … OR status = … OR status = …` is three
-- comparisons. Every existing row satisfies both forms, so only the text of the two
-- CREATE TABLE statements changes; no row is read or rewritten.
--
-- This is SQLite's documented procedure for changing a CHECK constraint in place
-- (https://www.sqlite.org/lang_altertable.html#otheralter): edit the table's SQL in
-- sqlite_schema with writable_schema, then reload the schema. A table rebuild would
-- instead drop `registrations`, which with foreign keys on deletes every session
-- enrolment that refers to it. `writable_schema = RESET` turns writing off and makes this
-- connection reread the schema; the CREATE/DROP below bumps the schema cookie so that
-- every other connection rereads it too. Were the text ever different from what 0001
-- wrote, replace() changes nothing and the old (equally strict) check stays.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (status IN (''confirmed'', ''waitlisted'', ''cancelled''))',
                          'CHECK (status = ''confirmed'' OR status = ''waitlisted'' OR status = ''cancelled'')')
 WHERE type = 'table' AND name IN ('registrations', 'session_enrolments');
PRAGMA writable_schema = RESET;
CREATE TABLE schema_reload_0005 (x INTEGER);
DROP TABLE schema_reload_0005;
