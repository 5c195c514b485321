#!/usr/bin/env python3
"""Seeds users in bulk straight into a SqliteStore database file, with SQL (no server).

Python 3 standard library only (`sqlite3`). Used by rss_sqlite_1m.sh (1,000,000 users);
scim-http/benches/sql_stores.rs runs the same statement (sql/users.sqlite.sql).

    python3 seed_sql.py --db PATH [--users 1000000] [--first 0] [--tenant default] [--out-dir DIR]

The schema must exist already: start the SCIM example (or any SqliteStore) on the file once
first, it migrates the schema. User i is the row SqliteStore::create writes for seed.py's
user i (`user{i}@example.com`, `ext-{i}`, name, displayName, one work email, active), with a
random UUID id, in one transaction, then `ANALYZE`. With --out-dir, writes `users.tsv`
(`id<TAB>userName`, in creation order), the file seed.py writes for the load scripts.
"""

import argparse
import datetime
import os
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="the SQLite database file")
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--first", type=int, default=0, help="index of the first user")
    ap.add_argument("--tenant", default="default",
                    help="the tenant (default: Tenant::DEFAULT_ID, a single-tenant host's)")
    ap.add_argument("--out-dir")
    args = ap.parse_args()
    if args.users < 1:
        sys.exit("seed_sql.py: --users must be positive")
    with open(os.path.join(HERE, "sql", "users.sqlite.sql")) as f:
        statement = f.read()
    db = sqlite3.connect(args.db, isolation_level=None, timeout=30)
    if not db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'resources'"
    ).fetchone():
        sys.exit("seed_sql.py: no `resources` table: start a SqliteStore on the file first")
    db.execute("PRAGMA cache_size = -262144")
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{now.microsecond // 1000:03d}".rstrip("0").rstrip(".") + "Z"
    )
    started = time.monotonic()
    db.execute("BEGIN IMMEDIATE")
    (next_seq,) = db.execute("SELECT coalesce(max(seq), 0) + 1 FROM resources").fetchone()
    first, last = args.first, args.first + args.users - 1
    db.execute(statement, (first, last, args.tenant, stamp, next_seq - first))
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    took = time.monotonic() - started
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        with open(os.path.join(args.out_dir, "users.tsv"), "w") as out:
            for uid, name in db.execute(
                "SELECT id, user_name_lower FROM resources WHERE tenant = ? AND type = 'User' "
                "AND seq >= ? ORDER BY seq",
                (args.tenant, next_seq),
            ):
                out.write(f"{uid}\t{name}\n")
    db.close()
    print(f"seeded {args.users} users (user{first} .. user{last}) in {took:.1f} s "
          f"({args.users / took:.0f}/s) into {args.db}")


if __name__ == "__main__":
    main()
