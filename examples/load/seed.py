#!/usr/bin/env python3
"""Seeds a SCIM 2.0 server on this machine with users and groups over HTTP.

Python 3 standard library only. Used by run.sh (10,000 users, 100 groups) and rss_1m.sh
(1,000,000 users, no groups).

    python3 seed.py --url http://127.0.0.1:PORT/scim/v2 --token TOKEN \
        [--users 10000] [--groups 100] [--members 20] [--workers 4] \
        [--out-dir DIR] [--deadline 600]

Users are created with `POST /Users` in the shape Microsoft Entra ID sends (userName,
externalId, name, displayName, a work email, active): user i is `user{i}@example.com`. The
work is split into contiguous ranges over `--workers` processes (not threads: Python's GIL
would make the client the bottleneck), each with one keep-alive connection.

Group g (`Group {g}`) is created with `--members` members: users g*members .. (g+1)*members-1
(modulo the number of users).

With --out-dir, writes `users.tsv` (`id<TAB>userName`, in creation order) and `groups.tsv`
(`id<TAB>displayName`) for the load scripts. Only loopback URLs are accepted. Gives up (exit
code 2) when --deadline seconds pass; any non-201 answer is an error (exit code 1).
"""

import argparse
import http.client
import ipaddress
import json
import os
import sys
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor

USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"


def user_body(i):
    name = f"user{i}@example.com"
    return {
        "schemas": [USER_URN],
        "userName": name,
        "externalId": f"ext-{i}",
        "name": {
            "givenName": f"Given{i}",
            "familyName": f"Family{i}",
            "formatted": f"Given{i} Family{i}",
        },
        "displayName": f"Given{i} Family{i}",
        "emails": [{"value": name, "type": "work", "primary": True}],
        "active": True,
    }


def check_loopback(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    sys.exit(f"seed.py: refusing non-loopback URL {url!r}")


class Client:
    """One keep-alive connection; reconnects once if the server closed it."""

    def __init__(self, url, token):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.base = parts.path.rstrip("/")
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/scim+json",
            "Accept": "application/scim+json",
        }
        self.conn = None

    def post(self, path, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.conn.request("POST", self.base + path, data, self.headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                return resp.status, payload
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def create_users(args):
    """Creates users [lo, hi); returns their ids in order."""
    url, token, lo, hi, deadline, keep_ids = args
    client = Client(url, token)
    ids = []
    for i in range(lo, hi):
        if i % 1000 == 0 and time.time() > deadline:
            raise TimeoutError(f"deadline passed at user {i}")
        status, payload = client.post("/Users", user_body(i))
        if status != 201:
            raise RuntimeError(f"POST /Users for user {i}: {status} {payload[:300]!r}")
        if keep_ids:
            ids.append(json.loads(payload)["id"])
    return ids


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8080/scim/v2")
    p.add_argument("--token", default=os.environ.get("SCIM_TOKEN", ""))
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--first", type=int, default=0, help="index of the first user to create")
    p.add_argument("--groups", type=int, default=100)
    p.add_argument("--members", type=int, default=20, help="initial members per group")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--out-dir")
    p.add_argument("--deadline", type=float, default=600, help="give up after this many seconds")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args()
    check_loopback(a.url)
    started = time.time()
    deadline = started + a.deadline
    keep_ids = a.out_dir is not None or a.groups > 0

    n, w = a.users, max(1, a.workers)
    bounds = [a.first + n * k // w for k in range(w + 1)]
    jobs = [(a.url, a.token, bounds[k], bounds[k + 1], deadline, keep_ids) for k in range(w)]
    user_ids = []
    try:
        with ProcessPoolExecutor(max_workers=w) as pool:
            for chunk in pool.map(create_users, jobs):
                user_ids.extend(chunk)
    except TimeoutError as e:
        print(f"seed.py: {e}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:  # noqa: BLE001 - report any failure of a worker and stop
        print(f"seed.py: {e}", file=sys.stderr)
        sys.exit(1)
    t_users = time.time() - started

    group_ids = []
    if a.groups and user_ids:
        client = Client(a.url, a.token)
        m = min(a.members, len(user_ids))
        for g in range(a.groups):
            members = [
                {"value": user_ids[(g * m + j) % len(user_ids)]} for j in range(m)
            ]
            body = {"schemas": [GROUP_URN], "displayName": f"Group {g}", "members": members}
            status, payload = client.post("/Groups", body)
            if status != 201:
                sys.exit(f"seed.py: POST /Groups for group {g}: {status} {payload[:300]!r}")
            group_ids.append(json.loads(payload)["id"])
    t_all = time.time() - started

    if a.out_dir:
        os.makedirs(a.out_dir, exist_ok=True)
        with open(os.path.join(a.out_dir, "users.tsv"), "w") as f:
            for k, uid in enumerate(user_ids):
                f.write(f"{uid}\tuser{a.first + k}@example.com\n")
        with open(os.path.join(a.out_dir, "groups.tsv"), "w") as f:
            for g, gid in enumerate(group_ids):
                f.write(f"{gid}\tGroup {g}\n")
    if not a.quiet:
        rate = n / t_users if t_users > 0 else 0
        print(
            f"seeded {n} users in {t_users:.1f} s ({rate:.0f}/s) and {len(group_ids)} groups; "
            f"total {t_all:.1f} s"
        )


if __name__ == "__main__":
    main()
