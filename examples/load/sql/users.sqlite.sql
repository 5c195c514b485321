-- Bulk seeding of users into a SqliteStore database (schema already migrated by the store):
-- the rows SqliteStore::create writes for seed.py's user i (user{i}@example.com, ext-{i},
-- name, displayName, one work email, active), for i = ?1 ..= ?2, in one statement.
-- ?3 tenant ('' without one), ?4 meta.created = meta.lastModified (RFC 3339, to the ms),
-- ?5 seq offset (user i gets seq ?5 + i; pass max(seq) + 1 - ?1 to append).
-- `data` is the resource JSON without id and meta, keys sorted as serde_json writes them;
-- ids are random UUID v4 text, as the store's. Used by scim-http/benches/sql_stores.rs and
-- seed_sql.py; keep in step with users.pg.sql.
WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
INSERT INTO resources (tenant, type, id, data, version, created, last_modified,
                       user_name_lower, external_id, display_name_lower, seq)
SELECT ?3, 'User',
       lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
         || substr(lower(hex(randomblob(2))), 2) || '-'
         || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2)
         || '-' || lower(hex(randomblob(6))),
       json_object(
         'active', json('true'),
         'displayName', 'Given' || i || ' Family' || i,
         'emails', json_array(json_object('primary', json('true'), 'type', 'work',
                                          'value', 'user' || i || '@example.com')),
         'externalId', 'ext-' || i,
         'name', json_object('familyName', 'Family' || i,
                             'formatted', 'Given' || i || ' Family' || i,
                             'givenName', 'Given' || i),
         'schemas', json_array('urn:ietf:params:scim:schemas:core:2.0:User'),
         'userName', 'user' || i || '@example.com'),
       1, ?4, ?4, 'user' || i || '@example.com', 'ext-' || i, NULL, ?5 + i
FROM n;
