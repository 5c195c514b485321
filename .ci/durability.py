#!/usr/bin/env python3
"""Crash durability of the SQLite store: `python3 .ci/durability.py BINARY`.

BINARY is the axum example server (target/release/scim-example-axum). The script starts it on a
fresh SQLite file, writes from 4 client threads (each: create a user, then PATCH its displayName
PATCHES_PER_USER times with a counter in the value), and SIGKILLs the server while the clients are
still writing (after LOAD_SECONDS or MAX_WRITES requests sent, whichever comes first). Then:

- `PRAGMA integrity_check` on a copy of the crashed files (db, -wal, -shm) must say `ok`; the copy
  keeps the originals untouched, so the restarted server does its own WAL recovery;
- the server is restarted on the same file, and every create answered 201 must be there (GET by id:
  200 with the same userName), and for every user with a PATCH answered 200, displayName must be the
  last acknowledged value, or the value of a later PATCH of that user whose answer never came (in
  flight at the kill). Requests for one user are sequential within one thread, so nothing else is
  possible;
- after the restarted server is stopped, `PRAGMA integrity_check` on the original file must be `ok`.

Exit 0 on success, 1 with the missing/mismatched ids (up to 10) otherwise. Standard library only;
every wait is bounded, and the whole run takes a few seconds (hard limit well under 60 s).
"""

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

THREADS = 4
PATCHES_PER_USER = 2
LOAD_SECONDS = 3.0
MAX_WRITES = 2000
START_TIMEOUT = 10.0
HTTP_TIMEOUT = 5.0
CLIENT_DEADLINE = 15.0  # a client thread stops on its own after this, whatever happens
VERIFY_THREADS = 4
BASE = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


class Server:
    def __init__(self, binary, db_path, token, log_path):
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "ab")
        env = dict(os.environ, SCIM_TOKEN=token, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
        self.proc = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{self.port}", "--database", f"sqlite://{db_path}"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure(
                    f"server exited with {self.proc.returncode} before accepting connections; "
                    f"log:\n{tail(self.log_path)}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise Failure(f"server did not accept connections within {START_TIMEOUT:.0f} s; log:\n{tail(self.log_path)}")

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.log.close()


class Client:
    """One persistent HTTP/1.1 connection; reconnects after an error."""

    def __init__(self, port, token):
        self.port = port
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/scim+json",
            "Accept": "application/scim+json",
        }
        self.conn = None

    def request(self, method, path, body=None):
        """Returns (status, parsed JSON or None). Raises OSError/HTTPException on transport errors."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        data = None if body is None else json.dumps(body).encode()
        try:
            self.conn.request(method, BASE + path, body=data, headers=self.headers)
            resp = self.conn.getresponse()
            raw = resp.read()
        except Exception:
            self.close()
            raise
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = None
        return resp.status, doc

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Ledger:
    """What the clients were told. All access under one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0  # write requests sent (for the MAX_WRITES stop)
        self.creates = {}  # id -> userName, create answered 201
        self.acked = {}  # id -> last displayName answered 200
        self.pending = {}  # id -> [values of PATCHes sent after the last ack, outcome unknown]
        self.unknown_creates = 0  # creates with no answer (in flight at the kill, or transport error)
        self.unexpected = []  # (method, status, detail) answers that are neither success nor expected
        self.patches_acked = 0

    def note_sent(self):
        with self.lock:
            self.sent += 1


def load_worker(index, port, token, ledger, killed, stop_at):
    client = Client(port, token)
    n = 0
    try:
        while time.monotonic() < stop_at:
            n += 1
            user_name = f"dur-{index}-{n}"
            ledger.note_sent()
            try:
                status, doc = client.request(
                    "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": user_name, "externalId": f"e-{index}-{n}"}
                )
            except (OSError, http.client.HTTPException):
                with ledger.lock:
                    ledger.unknown_creates += 1
                if killed.is_set():
                    return
                continue  # an error before the kill: the create's outcome is unknown; go on with a new user
            if status != 201 or not isinstance(doc, dict) or "id" not in doc:
                with ledger.lock:
                    ledger.unexpected.append(("POST", status, str(doc)[:200]))
                continue
            uid = doc["id"]
            with ledger.lock:
                ledger.creates[uid] = user_name
            for k in range(1, PATCHES_PER_USER + 1):
                if time.monotonic() >= stop_at:
                    return
                value = f"dn-{index}-{n}-{k}"
                with ledger.lock:
                    ledger.pending.setdefault(uid, []).append(value)
                    ledger.sent += 1
                try:
                    status, doc = client.request(
                        "PATCH",
                        f"/Users/{uid}",
                        {"schemas": [PATCH_SCHEMA], "Operations": [{"op": "replace", "path": "displayName", "value": value}]},
                    )
                except (OSError, http.client.HTTPException):
                    # outcome unknown: the value stays in `pending` as an allowed stored value
                    if killed.is_set():
                        return
                    break
                with ledger.lock:
                    if status == 200:
                        ledger.acked[uid] = value
                        ledger.pending[uid] = []
                        ledger.patches_acked += 1
                    else:
                        ledger.pending[uid].remove(value)  # a definite refusal changed nothing
                        ledger.unexpected.append(("PATCH", status, str(doc)[:200]))
                if status != 200:
                    break
    finally:
        client.close()


def integrity_check(db_path, what):
    conn = sqlite3.connect(db_path, timeout=5)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()
    result = "; ".join(str(r[0]) for r in rows)
    if result != "ok":
        raise Failure(f"PRAGMA integrity_check on {what}: {result[:2000]}")


def check_copy(db_path, work):
    """integrity_check on a copy of the crashed files, so the originals stay as the kill left them."""
    copy_dir = os.path.join(work, "copy")
    os.mkdir(copy_dir)
    copy = os.path.join(copy_dir, os.path.basename(db_path))
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db_path + suffix):
            shutil.copy2(db_path + suffix, copy + suffix)
    integrity_check(copy, "the database after SIGKILL")
    wal = os.path.getsize(db_path + "-wal") if os.path.exists(db_path + "-wal") else 0
    return wal


def verify(port, token, ledger, deadline):
    """GET every acknowledged user; returns a list of problem strings."""
    items = sorted(ledger.creates.items())
    # a PATCH acknowledged for a user whose create was not acknowledged cannot happen (the id
    # comes from the 201), but guard against it anyway
    for uid in ledger.acked:
        if uid not in ledger.creates:
            items.append((uid, None))
    problems = []
    plock = threading.Lock()
    cursor = iter(items)
    clock = threading.Lock()

    def worker():
        client = Client(port, token)
        try:
            while time.monotonic() < deadline:
                with clock:
                    item = next(cursor, None)
                if item is None:
                    return
                uid, user_name = item
                problem = None
                status = doc = None
                for _ in range(3):
                    try:
                        status, doc = client.request("GET", f"/Users/{urllib.parse.quote(uid, safe='')}")
                        break
                    except (OSError, http.client.HTTPException) as e:
                        status, doc = None, repr(e)
                if status != 200 or not isinstance(doc, dict):
                    problem = f"{uid} ({user_name}): GET answered {status}: {str(doc)[:120]}"
                elif user_name is not None and doc.get("userName") != user_name:
                    problem = f"{uid}: userName {doc.get('userName')!r}, acknowledged {user_name!r}"
                elif uid in ledger.acked:
                    allowed = [ledger.acked[uid]] + ledger.pending.get(uid, [])
                    if doc.get("displayName") not in allowed:
                        problem = (
                            f"{uid} ({user_name}): displayName {doc.get('displayName')!r}, "
                            f"last acknowledged {ledger.acked[uid]!r}"
                            + (f" (or in flight: {ledger.pending[uid]!r})" if ledger.pending.get(uid) else "")
                        )
                if problem:
                    with plock:
                        problems.append(problem)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(VERIFY_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads) or next(cursor, None) is not None:
        problems.append("verification did not finish in time")
    return sorted(problems, key=lambda p: "GET answered" not in p)  # missing users first


def count_user(port, token, user_name):
    client = Client(port, token)
    try:
        flt = urllib.parse.quote(f'userName eq "{user_name}"')
        status, doc = client.request("GET", f"/Users?filter={flt}")
        return doc.get("totalResults") if status == 200 and isinstance(doc, dict) else None
    finally:
        client.close()


def run(binary, work):
    started = time.monotonic()
    db_path = os.path.join(work, "scim.db")
    log_path = os.path.join(work, "server.log")
    token = "dur-" + secrets.token_hex(16)
    servers = []
    try:
        server = Server(binary, db_path, token, log_path)
        servers.append(server)
        server.wait_ready()

        ledger = Ledger()
        killed = threading.Event()
        stop_at = time.monotonic() + CLIENT_DEADLINE
        threads = [
            threading.Thread(target=load_worker, args=(i, server.port, token, ledger, killed, stop_at), daemon=True)
            for i in range(THREADS)
        ]
        load_start = time.monotonic()
        for t in threads:
            t.start()
        while time.monotonic() - load_start < LOAD_SECONDS and ledger.sent < MAX_WRITES:
            if server.proc.poll() is not None:
                raise Failure(f"server exited with {server.proc.returncode} during the load; log:\n{tail(log_path)}")
            time.sleep(0.005)
        load_time = time.monotonic() - load_start
        killed.set()
        server.kill(signal.SIGKILL)  # os.kill(pid, SIGKILL) while the clients are writing
        for t in threads:
            t.join(max(0.1, stop_at + HTTP_TIMEOUT - time.monotonic()))
        if any(t.is_alive() for t in threads):
            raise Failure("client threads still running after the kill")

        with ledger.lock:
            creates = len(ledger.creates)
            patches = ledger.patches_acked
            in_flight = ledger.unknown_creates + sum(1 for v in ledger.pending.values() if v)
        if creates == 0 or patches == 0:
            raise Failure(f"no writes acknowledged before the kill ({creates} creates, {patches} patches); log:\n{tail(log_path)}")

        wal_bytes = check_copy(db_path, work)

        server2 = Server(binary, db_path, token, log_path)
        servers.append(server2)
        server2.wait_ready()
        problems = verify(server2.port, token, ledger, started + 50)
        # one search through the filter path too, on some acknowledged user
        if not problems:
            some = next(iter(ledger.creates.values()))
            total = count_user(server2.port, token, some)
            if total != 1:
                problems.append(f"filter userName eq {some!r}: totalResults {total!r}, expected 1")
        server2.kill(signal.SIGTERM)
        integrity_check(db_path, "the database after the restart")

        if ledger.unexpected:
            print(f"durability: note: {len(ledger.unexpected)} unexpected answers during the load, first: {ledger.unexpected[:3]}")
        if problems:
            print(
                f"durability: FAILED: {len(problems)} of {creates} acknowledged users missing or wrong after "
                f"SIGKILL and restart ({patches} patches acknowledged); first {min(10, len(problems))}:",
                file=sys.stderr,
            )
            for p in problems[:10]:
                print(f"  {p}", file=sys.stderr)
            return 1
        print(
            f"durability: {creates} creates and {patches} patches acknowledged before SIGKILL "
            f"(after {load_time:.1f} s of load, {ledger.sent} writes sent, {in_flight} in flight at the kill, "
            f"WAL {wal_bytes} bytes); all present after restart; integrity_check ok "
            f"({time.monotonic() - started:.1f} s)"
        )
        return 0
    finally:
        for s in servers:
            try:
                s.kill()
            except Exception:
                pass


def main():
    if len(sys.argv) != 2:
        print("usage: durability.py BINARY", file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    if not os.access(binary, os.X_OK):
        print(f"durability: {binary} is not an executable file", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="scim-durability-")
    try:
        return run(binary, work)
    except Failure as e:
        print(f"durability: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
