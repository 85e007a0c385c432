#!/usr/bin/env python3
"""bench/ingest_gen.py — inputs of the ingest benchmark (bench/ingest.sh).

  ingest_gen.py deliveries --fixture F --out FILE --n N [--repos R] [--jobs-per-run J]
                           [--secret S] [--prefix P] [--run-base B]
      N signed workflow_job deliveries, one per line: delivery-id TAB signature TAB body.
      Made from the real payload F (tests/fixtures/github/workflow_job.completed.success.json):
      delivery i is job 9e9+B+i of run 5e9+B+(i mod N/J) in repository bench-org/repo-(run mod R)
      (B: --run-base, so that the inputs of several rounds never touch the same runs), so
      every request inserts a new job, every J-th starts a new run, and requests that are in flight
      together never touch the same run (their order is spread over N/J runs).  The body is the
      fixture's JSON re-serialised compactly (GitHub sends compact JSON), ~8.8 KB; the signature is
      sha256=HMAC-SHA256(secret, body).  wrk's Lua has no crypto, so signing happens here.

  ingest_gen.py ownsql --src DIR --fixture F --out SCRIPT --out-setup SETUP --bodies FILE
                       [--clients C]
      The own-SQL baseline: a pgbench script running, for one delivery, the statements shiplog runs
      for a workflow_job delivery of a known repository (webhooks/ingest.c and gh_runs.c run them;
      they are in db/deliveries.c, db/runs.c, db/events.c), their SQL text taken from the C
      sources of DIR through the preprocessor (so it follows the code), parameters replaced by
      pgbench expressions with the same values shiplog would send.  SETUP creates its 100
      repositories with shiplog's own upsert (run once before).  No NOTIFY: shiplog sends one per
      many commits, from its listener thread, not per delivery.  FILE gets 1000 sample bodies
      (COPY format) for bench_bodies.
"""
import argparse
import hashlib
import hmac
import json
import re
import subprocess
import sys


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def make_delivery(fixture, i, runs, repos, base=0):
    d = json.loads(json.dumps(fixture))
    g = i % runs
    r = g % repos
    wj = d["workflow_job"]
    job_id = 9_000_000_000 + base + i
    run_id = 5_000_000_000 + base + g
    wj["id"] = job_id
    wj["run_id"] = run_id
    wj["name"] = f"job-{i // runs}"
    wj["head_sha"] = hashlib.sha1(str(g).encode()).hexdigest()
    wj["html_url"] = f"https://github.com/bench-org/repo-{r}/actions/runs/{run_id}/job/{job_id}"
    wj["run_url"] = f"https://api.github.com/repos/bench-org/repo-{r}/actions/runs/{run_id}"
    wj["url"] = f"https://api.github.com/repos/bench-org/repo-{r}/actions/jobs/{job_id}"
    repo = d["repository"]
    repo["id"] = 100_000 + r
    repo["name"] = f"repo-{r}"
    repo["full_name"] = f"bench-org/repo-{r}"
    repo["html_url"] = f"https://github.com/bench-org/repo-{r}"
    return compact(d).encode()


def cmd_deliveries(a):
    fixture = json.load(open(a.fixture))
    runs = max(1, a.n // a.jobs_per_run)
    key = a.secret.encode()
    with open(a.out, "wb") as out:
        for i in range(a.n):
            body = make_delivery(fixture, i, runs, a.repos, a.run_base)
            assert b"\t" not in body and b"\n" not in body
            sig = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            out.write(f"{a.prefix}-{i}\t{sig}\t".encode() + body + b"\n")


# --- own SQL ---------------------------------------------------------------------------------
def c_statements(src, path):
    """The SQL literals of a C file (passed to db_query/db_query_bin, which expand to
    db_query_at(__func__, ...), or static const char arrays), macros expanded."""
    cmd = (f"gcc -E -P -D_GNU_SOURCE -I{src}/include -I{src}/server "
           f"$(pkg-config --cflags libpq jansson) {src}/{path}")
    text = subprocess.run(cmd, shell=True, check=True, capture_output=True, text=True).stdout
    out = []
    literal = r'((?:"(?:[^"\\]|\\.)*"\s*)+)'
    for pattern in (r'db_query(?:_bin)?(?:_at)?\s*\(\s*(?:__func__\s*,\s*)?[\w>.-]+\s*,\s*' + literal,
                    r'static const char \w+\[\]\s*=\s*' + literal):
        for m in re.finditer(pattern, text):
            lits = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
            out.append("".join(lits).encode().decode("unicode_escape"))
    return out


def find(stmts, prefix, containing=""):
    hits = [s for s in stmts if s.lstrip().startswith(prefix) and containing in s]
    if len(hits) != 1:
        sys.exit(f"ingest_gen.py: expected one statement starting with {prefix!r}"
                 f"{f' containing {containing!r}' if containing else ''}, found {len(hits)}")
    return hits[0]


def subst(sql, args):
    """Replaces $1..$n by args[0..n-1] (an SQL expression each)."""
    def rep(m):
        k = int(m.group(1))
        if k > len(args):
            sys.exit(f"ingest_gen.py: ${k} has no value in: {sql[:80]}")
        return "(" + args[k - 1] + ")"
    return re.sub(r"\$(\d+)", rep, sql)


def pgbench_literals(sql):
    """pgbench takes every ':name' for a variable, even inside a string literal (to_char's
    'HH24:MI:SS'): such a literal becomes the same constant written E'...\\x3A...'."""
    out, i, n = [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch != "'":
            out.append(ch)
            i += 1
            continue
        j = i + 1
        while j < n:
            if sql[j] == "'" and j + 1 < n and sql[j + 1] == "'":
                j += 2
                continue
            if sql[j] == "'":
                break
            j += 1
        body = sql[i + 1:j]
        if re.search(r":[A-Za-z0-9_]", body):
            is_e = i > 0 and sql[i - 1] in "eE"
            if not is_e:
                body = body.replace("\\", "\\\\")
            out.append(("" if is_e else "E") + "'" + body.replace(":", "\\x3A") + "'")
        else:
            out.append("'" + body + "'")
        i = j + 1
    return "".join(out)


def one_line(sql):
    return " ".join(pgbench_literals(sql).split())


def sql_str(s):
    """A text literal; pgbench would take ':name' inside it for a variable, so ':' is chr(58)."""
    return "'" + s.replace("'", "''").replace(":", "' || chr(58) || '") + "'"


def returning_alias(sql, first_alias):
    """pgbench's \\gset needs a name for each column: alias the RETURNING list's columns."""
    head, sep, tail = sql.rpartition("RETURNING ")
    if not sep:
        sys.exit("ingest_gen.py: no RETURNING in " + sql[:80])
    # split the RETURNING list at top-level commas
    cols, depth, cur = [], 0, ""
    for ch in tail:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            cols.append(cur)
            cur = ""
        else:
            cur += ch
    cols.append(cur)
    named = [f"{c.strip()} AS {first_alias if i == 0 else f'{first_alias}_c{i}'}"
             for i, c in enumerate(cols)]
    return head + sep + ", ".join(named)


def cmd_ownsql(a):
    fixture = json.load(open(a.fixture))
    wj = fixture["workflow_job"]
    ingest = c_statements(a.src, "server/db/deliveries.c")
    merge = c_statements(a.src, "server/db/runs.c")
    events = c_statements(a.src, "server/db/events.c")

    # what shiplog sends (see gh_on_workflow_job, db_runs_merge_*, db_delivery_insert_attempt,
    # db_delivery_repository)
    did = "'own-' || :key::text"
    repo = "'bench-org/own-' || (:g % 100)::text"
    steps = compact([{"number": s.get("number"), "name": s.get("name"), "status": "completed",
                      "conclusion": s.get("conclusion"), "started_at": s.get("started_at"),
                      "completed_at": s.get("completed_at")} for s in wj.get("steps", [])])
    headers = compact({"x-github-event": "workflow_job", "x-github-delivery": "own",
                       "x-hub-signature-256": "sha256=" + "0" * 64, "user-agent": "wrk",
                       "content-type": "application/json", "content-length": "8822"})
    tie = hashlib.sha256(b"x").hexdigest()
    job_event = compact({"run_id": 1, "attempt": 1, "job_id": 1, "external_id": "1",
                         "name": "job-0", "status": "completed", "conclusion": "success"})
    run_event = compact({"run_id": 1, "attempt": 1, "status": None, "conclusion": None})

    lock = find(ingest, "SELECT pg_advisory_xact_lock")
    dup = find(ingest, "SELECT count(*) FILTER (WHERE status IN")
    ins = find(ingest, "INSERT INTO deliveries", "VALUES (")
    known = find(ingest, "SELECT id, full_name, default_branch FROM repositories")
    rep = find(ingest, "INSERT INTO repositories")
    run = find(merge, "INSERT INTO runs AS t")
    att = find(merge, "INSERT INTO run_attempts AS t")
    job = find(merge, "INSERT INTO jobs AS t")
    mirror = find(merge, "UPDATE runs r SET status")
    sel = find(merge, "SELECT status, conclusion FROM run_attempts")
    ev_all = [x for x in events if x.lstrip().startswith("INSERT INTO events")]
    if len(ev_all) != 1:
        sys.exit(f"ingest_gen.py: expected one events statement, found {len(ev_all)}")
    ev = ev_all[0]
    # The NOTIFY that wakes the live views is not per delivery: committing requests flag it and
    # the listener thread sends one for all commits since its last (server/http/sse.c).
    if "pg_notify" in ev:
        sys.exit("ingest_gen.py: the events statement notifies; this generator expects it not to")

    # The repositories exist (a delivery of a new repository is the rare case): created once,
    # by shiplog's own upsert, before the run; each delivery then reads its repository.
    repo_args = lambda g: [f"'bench-org/own-{g}'", "'main'", f"{100000 + g}",
                           f"'https://github.com/bench-org/own-{g}'"]
    with open(a.out_setup, "w") as f:
        for g in range(100):
            f.write(one_line(subst(rep, repo_args(g))) + ";\n")
    repo_expr = [repo, "'main'", "100000 + :g % 100",
                 "'https://github.com/bench-org/own-' || (:g % 100)::text"]

    # the values shiplog sends as parameters go in as parameters here too (pgbench variables,
    # set once per client): written as literals, a prepared statement would parse them (the JSON
    # of steps, labels, headers and event payloads, the timestamps) once, not per delivery
    consts = {}

    def P(value):
        name = f"c{len(consts)}"
        consts[name] = value
        return ":" + name

    L = []
    L.append("-- generated by bench/ingest_gen.py ownsql from the C sources: do not edit")
    L.append("\\set k :k + 1")
    L.append(f"\\set key :client_id + {a.clients} * :k")
    L.append(f"\\set g :client_id + {a.clients} * (:k / 4)")
    L.append("\\set j :k % 4")
    L.append("BEGIN;")
    L.append(None)  # the constants, set by the first transaction of each client (below)
    L.append(one_line(subst(lock, [P('github'), did])) + ";")
    L.append(one_line(subst(dup, [P('github'), did])) + ";")
    L.append("SAVEPOINT process;")
    L.append(one_line(subst(known, repo_expr)).replace("SELECT id,", "SELECT id AS repo_id,", 1)
             + ";")
    L.append("\\gset")
    L.append(one_line(returning_alias(subst(run, [
        ":repo_id", P('github-actions'), "(7000000000 + :g)::text", P(wj["workflow_name"]),
        "NULL", "NULL", P('main'), "NULL", P('main'),
        "encode(sha256((:g)::text::bytea), 'hex')", "NULL", "NULL", "NULL", P('1'), P('0'), "NULL",
        P(''), P(wj["created_at"]), "NULL"]), "run_id")) + ";")
    L.append("\\gset")
    L.append(one_line(returning_alias(subst(att, [
        ":run_id", P('1'), "NULL", "NULL", P('0'), "NULL", P(''), "NULL", "NULL", "NULL", "NULL"]),
        "attempt_id")) + ";")
    L.append("\\gset")
    L.append(one_line(returning_alias(subst(job, [
        ":attempt_id", "(9000000000 + :key)::text", "'job-' || :j::text", P('other'), P('true'),
        P('completed'), P('success'), P('3'), P(wj["completed_at"]), P(tie),
        P(wj["created_at"]), P(wj["started_at"]), P(wj["completed_at"]),
        P(wj["runner_name"]), P(compact(wj["labels"])), P(steps),
        "'https://github.com/bench-org/own/actions/runs/1/job/' || :key::text"]),
        "job_id")) + ";")
    L.append("\\gset")
    L.append(one_line(subst(ev, [P('job.updated'), P('job'), ":job_id::text",
                                 P("github:octocat"), P(job_event)])) + ";")
    L.append(one_line(subst(mirror, [":run_id"])) + ";")
    L.append("\\if :j = 0")  # the first job of a run creates it: run.updated
    L.append(one_line(subst(sel, [":run_id", P('1')])) + ";")
    L.append(one_line(subst(ev, [P('run.updated'), P('run'), ":run_id::text",
                                 P("github:octocat"), P(run_event)])) + ";")
    L.append("\\endif")
    L.append("RELEASE SAVEPOINT process;")
    # the delivery, once, with its outcome
    L.append(one_line(subst(ins, [
        P('github'), P('workflow_job'), P('completed'), did, "NULL", repo, "now()",
        P(headers), "(SELECT body FROM bench_bodies WHERE i = :key % 1000)", "8822",
        "'\\x" + hashlib.sha256(b"body").hexdigest() + "'::bytea", P('valid'), P('processed'),
        "NULL", "NULL", P('t')])) + ";")
    L.append("COMMIT;")
    i = L.index(None)
    L[i:i + 1] = ["\\if :k = :k0 + 1",  # the client's first transaction (-D k0=K -D k=K)
                  "SELECT " + ", ".join(f"{sql_str(v)}::text AS {k}" for k, v in consts.items())
                  + ";",
                  "\\gset",
                  "\\endif"]
    with open(a.out, "w") as f:
        f.write("\n".join(L) + "\n")

    # The queued mode's SQL for one delivery: the group INSERT of server/db/deliveries.c with
    # one-element arrays, one delivery per transaction (shiplog stores several per statement and
    # commit when requests arrive together; pgbench's clients each send their own).
    if a.out_queued:
        queue = c_statements(a.src, "server/db/deliveries.c")
        qins = find(queue, "INSERT INTO deliveries", "unnest(")
        qconsts = {}

        def Q(value):
            name = f"q{len(qconsts)}"
            qconsts[name] = value
            return f"ARRAY[(:{name})::text]"
        args = [Q('github'), Q('workflow_job'), Q('completed'), "ARRAY['ownq-' || :key::text]",
                Q('4242'), "ARRAY['bench-org/own-' || (:key % 100)::text]",
                Q(wj["completed_at"]), Q(headers),
                "ARRAY[(SELECT body FROM bench_bodies WHERE i = :key % 1000)]", Q('8822'),
                "ARRAY['\\x" + hashlib.sha256(b"body").hexdigest() + "'::bytea]", Q('valid')]
        Lq = ["-- generated by bench/ingest_gen.py ownsql from the C sources: do not edit",
              "\\set k :k + 1",
              f"\\set key :client_id + {a.clients} * :k",
              "\\if :k = :k0 + 1",
              "SELECT " + ", ".join(f"{sql_str(v)}::text AS {k}" for k, v in qconsts.items()) + ";",
              "\\gset",
              "\\endif",
              one_line(subst(qins, args)) + ";"]
        with open(a.out_queued, "w") as f:
            f.write("\n".join(Lq) + "\n")

    runs = 250
    with open(a.bodies, "w") as f:
        for i in range(1000):
            body = make_delivery(fixture, i, runs, 100)
            f.write(f"{i}\t\\\\x{body.hex()}\n")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("deliveries")
    d.add_argument("--fixture", required=True)
    d.add_argument("--out", required=True)
    d.add_argument("--n", type=int, required=True)
    d.add_argument("--repos", type=int, default=100)
    d.add_argument("--jobs-per-run", type=int, default=4)
    d.add_argument("--secret", default="bench-webhook-secret")
    d.add_argument("--prefix", default="bench")
    d.add_argument("--run-base", type=int, default=0)
    o = sub.add_parser("ownsql")
    o.add_argument("--src", required=True)
    o.add_argument("--fixture", required=True)
    o.add_argument("--out", required=True)
    o.add_argument("--bodies", required=True)
    o.add_argument("--out-setup", required=True)
    o.add_argument("--out-queued", help="also the queued mode's SQL for one delivery")
    o.add_argument("--clients", type=int, default=32)
    a = p.parse_args()
    {"deliveries": cmd_deliveries, "ownsql": cmd_ownsql}[a.cmd](a)


if __name__ == "__main__":
    main()
