#!/usr/bin/env python3
"""Scale-out check: two server processes on one database lose no write and break no uniqueness.

Usage: python3 .ci/scaleout.py BINARY DATABASE_URL

BINARY is e.g. target/release/scim-example-axum; DATABASE_URL is postgres://... (or sqlite:///PATH,
which two processes can share too). Starts two servers on free ports of 127.0.0.1 against the same
database and drives them concurrently:

  1. 1,000 users (created through both servers) added to one group by 8 threads, 4 per server,
     one PATCH each: the group then has exactly those 1,000 members, as read from either server.
  2. 50 pairs of creates of one userName, the two of a pair released together (a barrier) at
     different servers: exactly one 201 and one 409 (scimType uniqueness) per pair, and the
     userName exists once.
  3. 2 threads x 50 PATCHes, each adding a distinct email to one user, alternating servers:
     the user then has all 100 emails, as read from either server.

Any other non-2xx (a 503 included) or transport error is a failure, shown with its body (at most
5 examples). Prints one line per check, the total time and how many transient store conflicts the
servers retried (counted in their logs), then `scale-out: all checks passed` (exit 0); otherwise a
message and exit 1 (2 for bad usage). Both servers are always killed; every wait is bounded, and a
watchdog ends the run after DEADLINE_S seconds. Python 3 standard library only.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

BASE = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

N_USERS = 1000  # check 1: members added to one group
THREADS_PER_SERVER = 4
N_PAIRS = 50  # check 2
N_PATCHES_PER_THREAD = 50  # check 3 (2 threads)

REQUEST_TIMEOUT_S = 30  # one HTTP request
STARTUP_TIMEOUT_S = 30  # one server until it answers
PHASE_TIMEOUT_S = 60  # one group of threads
DEADLINE_S = 110  # the whole run (watchdog)
MAX_EXAMPLES = 5


class CheckFailed(Exception):
    def __init__(self, message, show_logs=True):
        super().__init__(message)
        self.show_logs = show_logs


# ---------------------------------------------------------------------------------------------
# Failures: collected from all threads, shown with up to MAX_EXAMPLES examples.


class Failures:
    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.examples = []

    def add(self, what):
        with self.lock:
            self.count += 1
            if len(self.examples) < MAX_EXAMPLES:
                self.examples.append(what)

    def raise_if_any(self, check):
        with self.lock:
            if self.count:
                lines = [f"{check}: {self.count} unexpected response(s) or error(s); examples:"]
                lines += [f"  - {e}" for e in self.examples]
                raise CheckFailed("\n".join(lines))


# ---------------------------------------------------------------------------------------------
# HTTP client: one keep-alive connection per thread and server, no retries (a retried POST could
# turn into a false 409, so every transport error is a failure).


class Client:
    def __init__(self, server, token):
        self.server = server
        self.token = token
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=REQUEST_TIMEOUT_S)
        return self.conn

    def connect(self):
        self._connection().connect()

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None):
        """Returns (status, text, parsed JSON or None). Raises OSError/HTTPException on transport errors."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/scim+json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/scim+json"
        conn = self._connection()
        try:
            conn.request(method, BASE + path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
        except BaseException:
            self.close()
            raise
        if resp.will_close:
            self.close()
        text = raw.decode("utf-8", "replace")
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError:
            parsed = None
        return resp.status, text, parsed


def describe(server, method, path, status, text):
    body = " ".join(text.split())
    if len(body) > 400:
        body = body[:400] + "..."
    return f"{server.name} {method} {BASE}{path} -> {status}: {body or '(empty body)'}"


def call(client, failures, method, path, body=None, ok=(200, 201, 204)):
    """One request; anything but `ok` (or a transport error) is recorded. Returns (status, json) or None."""
    try:
        status, text, parsed = client.request(method, path, body)
    except (OSError, http.client.HTTPException) as e:
        failures.add(f"{client.server.name} {method} {BASE}{path} -> transport error: {type(e).__name__}: {e}")
        return None
    if status not in ok:
        failures.add(describe(client.server, method, path, status, text))
        return None
    return status, parsed


def run_threads(name, targets, failures):
    """Runs each callable in its own thread; waits at most PHASE_TIMEOUT_S for all of them."""
    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:  # a bug or an unexpected shape: report, do not hang
                failures.add(f"{name}: thread raised {type(e).__name__}: {e}")
        return run

    threads = [threading.Thread(target=wrap(fn), daemon=True, name=f"{name}-{i}") for i, fn in enumerate(targets)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + PHASE_TIMEOUT_S
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    alive = [t.name for t in threads if t.is_alive()]
    if alive:
        raise CheckFailed(f"{name}: {len(alive)} thread(s) still running after {PHASE_TIMEOUT_S} s: {', '.join(alive)}")


# ---------------------------------------------------------------------------------------------
# Servers


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, binary, database, token, logdir):
        self.name = name
        self.binary = binary
        self.database = database
        self.token = token
        self.log_path = os.path.join(logdir, f"{name}.log")
        self.proc = None
        self.port = None

    def start(self):
        """Starts the process and waits until it answers; retries with another port if the port was taken."""
        for attempt in range(3):
            self.port = free_port()
            env = dict(os.environ, SCIM_TOKEN=self.token)
            env.setdefault("RUST_LOG", "warn")
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    [self.binary, "--listen", f"127.0.0.1:{self.port}", "--database", self.database],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
                )
            if self._wait_ready():
                return
            tail = self.log_tail()
            self.stop()
            if "Address already in use" in tail and attempt < 2:
                continue
            raise CheckFailed(f"server {self.name} did not start on 127.0.0.1:{self.port} within "
                              f"{STARTUP_TIMEOUT_S} s; its output:\n{tail}", show_logs=False)

    def _wait_ready(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                try:
                    conn.request("GET", BASE + "/ServiceProviderConfig",
                                 headers={"Authorization": f"Bearer {self.token}"})
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status == 200:
                        return True
                finally:
                    conn.close()
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        return False

    def stop(self):
        p = self.proc
        if p is None or p.poll() is not None:
            return
        try:
            p.send_signal(signal.SIGINT)  # graceful shutdown (the examples wait for ctrl-c)
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                print(f"scale-out: warning: server {self.name} (pid {p.pid}) did not die", file=sys.stderr)
        except OSError:
            pass

    def alive_or_fail(self):
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            raise CheckFailed(f"server {self.name} exited (code {code}); its output:\n{self.log_tail()}",
                              show_logs=False)

    def count_in_log(self, needle):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace").count(needle)
        except OSError:
            return 0

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read()[-16000:].decode("utf-8", "replace")
        except OSError:
            return "    (no output)"
        tail = text.replace(self.token, "<token>").splitlines()[-lines:]
        return "\n".join("    | " + line for line in tail) if tail else "    (no output)"


# ---------------------------------------------------------------------------------------------
# Checks


def user_body(user_name):
    return {"schemas": [USER_SCHEMA], "userName": user_name}


def check_members(servers, token, run):
    failures = Failures()
    t0 = time.monotonic()

    # 1,000 users, created through both servers (8 threads).
    ids = [None] * N_USERS
    n_threads = THREADS_PER_SERVER * len(servers)

    def creator(k):
        def run_it():
            client = Client(servers[k % len(servers)], token)
            try:
                for i in range(k, N_USERS, n_threads):
                    r = call(client, failures, "POST", "/Users", user_body(f"m-{run}-{i:04d}"), ok=(201,))
                    if r and isinstance(r[1], dict) and r[1].get("id"):
                        ids[i] = r[1]["id"]
                    elif r:
                        failures.add(f"{client.server.name} POST {BASE}/Users -> 201 without an id: {r[1]!r:.300}")
            finally:
                client.close()
        return run_it

    run_threads("create users", [creator(k) for k in range(n_threads)], failures)
    failures.raise_if_any("check 1 (create users)")
    t_users = time.monotonic() - t0

    client = Client(servers[0], token)
    r = call(client, failures, "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": f"g-{run}"}, ok=(201,))
    client.close()
    failures.raise_if_any("check 1 (create group)")
    group_id = r[1].get("id") if isinstance(r[1], dict) else None
    if not group_id:
        raise CheckFailed(f"check 1: POST /Groups -> 201 without an id: {r[1]!r:.300}")

    # One PATCH per member, 4 threads per server.
    t1 = time.monotonic()
    per_server = [0] * len(servers)

    def adder(k):
        def run_it():
            client = Client(servers[k % len(servers)], token)
            try:
                for i in range(k, N_USERS, n_threads):
                    body = {"schemas": [PATCH_SCHEMA],
                            "Operations": [{"op": "add", "path": "members", "value": [{"value": ids[i]}]}]}
                    if call(client, failures, "PATCH", f"/Groups/{group_id}", body, ok=(200, 204)):
                        with lock:
                            per_server[k % len(servers)] += 1
            finally:
                client.close()
        return run_it

    lock = threading.Lock()
    run_threads("add members", [adder(k) for k in range(n_threads)], failures)
    failures.raise_if_any("check 1 (add members)")
    t_patch = time.monotonic() - t1

    # Read the group back from every server.
    want = set(ids)
    for server in servers:
        client = Client(server, token)
        r = call(client, failures, "GET", f"/Groups/{group_id}", ok=(200,))
        client.close()
        failures.raise_if_any(f"check 1 (GET group from {server.name})")
        members = (r[1] or {}).get("members") or []
        values = [m.get("value") for m in members if isinstance(m, dict)]
        got = set(values)
        if len(values) != N_USERS or got != want:
            missing = sorted(want - got)
            extra = sorted(v for v in got - want)
            raise CheckFailed(
                f"check 1: group read from {server.name} has {len(values)} member entries "
                f"({len(got)} distinct), expected {N_USERS}; {len(missing)} missing (e.g. {missing[:3]}), "
                f"{len(extra)} unexpected (e.g. {extra[:3]}), "
                f"{len(values) - len(got)} duplicate entries")
    split = " + ".join(f"{n} via {s.name}" for n, s in zip(per_server, servers))
    print(f"check 1 members: {N_USERS} users created in {t_users:.1f} s; {N_USERS} member PATCHes "
          f"({split}, {n_threads} threads) in {t_patch:.1f} s; group has {N_USERS} distinct members "
          f"read from each of {len(servers)} servers; total {time.monotonic() - t0:.1f} s", flush=True)


def check_uniqueness(servers, token, run):
    failures = Failures()
    t0 = time.monotonic()
    barriers = [threading.Barrier(2) for _ in range(N_PAIRS)]
    results = [[None, None] for _ in range(N_PAIRS)]  # (status, scimType) per pair and side

    def side(k):
        def run_it():
            client = Client(servers[k], token)
            try:
                for p in range(N_PAIRS):
                    if client.conn is None:
                        client.connect()  # connect before the barrier: the two requests leave together
                    try:
                        barriers[p].wait(timeout=REQUEST_TIMEOUT_S)
                    except threading.BrokenBarrierError:
                        failures.add(f"pair {p}: barrier broken (the other side failed or timed out)")
                        return
                    path = "/Users"
                    try:
                        status, text, parsed = client.request("POST", path, user_body(f"u-{run}-{p:02d}"))
                    except (OSError, http.client.HTTPException) as e:
                        failures.add(f"{client.server.name} POST {BASE}{path} -> transport error: {type(e).__name__}: {e}")
                        continue
                    scim_type = parsed.get("scimType") if isinstance(parsed, dict) else None
                    results[p][k] = (status, scim_type)
                    if status == 201:
                        continue
                    if status == 409 and scim_type == "uniqueness":
                        continue
                    failures.add(describe(client.server, "POST", path, status, text))
            finally:
                for b in barriers:
                    b.abort()  # releases the other side if this one stops early (no-op after use)
                client.close()
        return run_it

    run_threads("uniqueness", [side(0), side(1)], failures)
    failures.raise_if_any("check 2 (concurrent creates)")

    bad_pairs = []
    wins = [0, 0]
    for p, (a, b) in enumerate(results):
        statuses = sorted(x[0] for x in (a, b) if x)
        if statuses != [201, 409]:
            bad_pairs.append(f"pair {p} (userName u-{run}-{p:02d}): {servers[0].name} {a}, {servers[1].name} {b}")
        else:
            wins[0 if a[0] == 201 else 1] += 1
    n201 = sum(1 for pr in results for x in pr if x and x[0] == 201)
    n409 = sum(1 for pr in results for x in pr if x and x[0] == 409)
    if bad_pairs:
        raise CheckFailed(f"check 2: {n201} x 201 and {n409} x 409, expected {N_PAIRS} of each; "
                          f"{len(bad_pairs)} bad pair(s), e.g.:\n" + "\n".join("  - " + s for s in bad_pairs[:MAX_EXAMPLES]))

    # Each userName exists exactly once (read through the other server than the first one).
    client = Client(servers[1], token)
    try:
        for p in range(N_PAIRS):
            flt = urllib.parse.quote(f'userName eq "u-{run}-{p:02d}"')
            r = call(client, failures, "GET", f"/Users?filter={flt}", ok=(200,))
            if r:
                total = (r[1] or {}).get("totalResults")
                if total != 1:
                    failures.add(f"userName u-{run}-{p:02d}: filter finds totalResults={total!r}, expected 1")
    finally:
        client.close()
    failures.raise_if_any("check 2 (userName exists once)")
    print(f"check 2 uniqueness: {N_PAIRS} concurrent pairs -> {n201} x 201, {n409} x 409 (scimType uniqueness); "
          f"winners {wins[0]} via {servers[0].name}, {wins[1]} via {servers[1].name}; each userName exists once; "
          f"{time.monotonic() - t0:.1f} s", flush=True)


def check_interleaved_patches(servers, token, run):
    failures = Failures()
    t0 = time.monotonic()
    client = Client(servers[0], token)
    r = call(client, failures, "POST", "/Users", user_body(f"e-{run}"), ok=(201,))
    client.close()
    failures.raise_if_any("check 3 (create user)")
    user_id = r[1].get("id") if isinstance(r[1], dict) else None
    if not user_id:
        raise CheckFailed(f"check 3: POST /Users -> 201 without an id: {r[1]!r:.300}")

    want = {f"t{k}-{i:02d}-{run}@example.com" for k in range(2) for i in range(N_PATCHES_PER_THREAD)}

    def patcher(k):
        def run_it():
            clients = [Client(s, token) for s in servers]
            try:
                for i in range(N_PATCHES_PER_THREAD):
                    c = clients[(i + k) % 2]  # thread 0: A, B, A, ...; thread 1: B, A, B, ...
                    body = {"schemas": [PATCH_SCHEMA], "Operations": [{
                        "op": "add", "path": "emails",
                        "value": [{"value": f"t{k}-{i:02d}-{run}@example.com", "type": "work"}]}]}
                    call(c, failures, "PATCH", f"/Users/{user_id}", body, ok=(200, 204))
            finally:
                for c in clients:
                    c.close()
        return run_it

    run_threads("patch emails", [patcher(0), patcher(1)], failures)
    failures.raise_if_any("check 3 (interleaved PATCHes)")
    t_patch = time.monotonic() - t0

    for server in servers:
        client = Client(server, token)
        r = call(client, failures, "GET", f"/Users/{user_id}", ok=(200,))
        client.close()
        failures.raise_if_any(f"check 3 (GET user from {server.name})")
        emails = (r[1] or {}).get("emails") or []
        values = [e.get("value") for e in emails if isinstance(e, dict)]
        got = set(values)
        if len(values) != len(want) or got != want:
            missing = sorted(want - got)
            raise CheckFailed(
                f"check 3: user read from {server.name} has {len(values)} emails ({len(got)} distinct), "
                f"expected {len(want)}; {len(missing)} lost (e.g. {missing[:3]}), "
                f"{len(got - want)} unexpected")
    print(f"check 3 interleaved PATCHes: 2 threads x {N_PATCHES_PER_THREAD} PATCHes alternating servers in "
          f"{t_patch:.1f} s; user has all {len(want)} emails read from each of {len(servers)} servers; "
          f"total {time.monotonic() - t0:.1f} s", flush=True)


# ---------------------------------------------------------------------------------------------


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    binary, database = argv[1], argv[2]
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print(f"scale-out: FAILED: {binary} is not an executable file", file=sys.stderr)
        return 1

    token = os.urandom(24).hex()
    run = os.urandom(4).hex()  # keeps names unique if the database is reused
    servers = []
    started = time.monotonic()

    def on_signal(signum, _frame):
        raise SystemExit(f"scale-out: FAILED: interrupted by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)

    with tempfile.TemporaryDirectory(prefix="scim-scaleout.") as logdir:
        servers = [Server(n, binary, database, token, logdir) for n in ("A", "B")]

        def watchdog():
            print(f"scale-out: FAILED: still running after {DEADLINE_S} s; killing the servers", file=sys.stderr, flush=True)
            for s in servers:
                if s.proc is not None and s.proc.poll() is None:
                    s.proc.kill()
                print(f"scale-out: server {s.name} output (last lines):\n{s.log_tail()}", file=sys.stderr, flush=True)
            os._exit(1)

        timer = threading.Timer(DEADLINE_S, watchdog)
        timer.daemon = True
        timer.start()
        try:
            # One after the other: the first one runs the migrations (advisory-locked anyway).
            for s in servers:
                s.start()
            shown = database.rsplit("@", 1)[-1]
            print(f"scale-out: servers A on :{servers[0].port} and B on :{servers[1].port}, database {shown}, "
                  f"started in {time.monotonic() - started:.1f} s", flush=True)
            for check in (check_members, check_uniqueness, check_interleaved_patches):
                check(servers, token, run)
                for s in servers:
                    s.alive_or_fail()
        except CheckFailed as e:
            print(f"scale-out: FAILED: {e}", file=sys.stderr, flush=True)
            if e.show_logs:
                for s in servers:
                    print(f"scale-out: server {s.name} output (last lines):\n{s.log_tail()}", file=sys.stderr)
            return 1
        finally:
            timer.cancel()
            for s in servers:
                s.stop()
        # Informational: how often a store call hit a serialization failure or deadlock and was rerun.
        retries = ", ".join(f"{s.name} {s.count_in_log('retrying a transient store conflict')}" for s in servers)
    print(f"scale-out: total {time.monotonic() - started:.1f} s; transient store conflicts retried by the "
          f"servers (log lines): {retries}", flush=True)
    print("scale-out: all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
