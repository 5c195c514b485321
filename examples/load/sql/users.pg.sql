-- Bulk seeding of users into a PostgresStore database (schema already migrated by the
-- store): the rows PostgresStore::create writes for seed.py's user i (user{i}@example.com,
-- ext-{i}, name, displayName, one work email, active), for i = $1 ..= $2, in one statement.
-- $3 tenant ('' without one), $4 meta.created = meta.lastModified (RFC 3339, to the ms).
-- `seq` is the identity column (assigned in order of i). Ids are random UUID v4 text, as
-- the store's. Used by scim-http/benches/sql_stores.rs; keep in step with users.sqlite.sql.
INSERT INTO resources (tenant, type, id, data, version, created, last_modified,
                       user_name_lower, external_id, display_name_lower)
SELECT $3, 'User', gen_random_uuid()::text,
       jsonb_build_object(
         'active', true,
         'displayName', 'Given' || i || ' Family' || i,
         'emails', jsonb_build_array(jsonb_build_object('primary', true, 'type', 'work',
                                                        'value', 'user' || i || '@example.com')),
         'externalId', 'ext-' || i,
         'name', jsonb_build_object('familyName', 'Family' || i,
                                    'formatted', 'Given' || i || ' Family' || i,
                                    'givenName', 'Given' || i),
         'schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'),
         'userName', 'user' || i || '@example.com'),
       1, $4, $4, 'user' || i || '@example.com', 'ext-' || i, NULL
FROM generate_series($1::bigint, $2::bigint) AS i
ORDER BY i;
