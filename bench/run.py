#!/usr/bin/env python3
"""tokenward benchmarks: build and lint throughput, side by side with the tools people use today.

    python3 bench/run.py [--rules 1000] [--skip-sigma] [--skip-oracle]
    python3 bench/run.py --real-only   # only the real-content lint and Kusto.Language (bench/results-real.md)
    python3 bench/run.py --soak     # property and fuzz tests at thousands of cases
    python3 bench/run.py --cost     # the evaluator over a synthetic tenant day (docs/cost.md)

Builds a synthetic content repository of N rules (variants of the bundled ones), compiles it to both
targets, lints the generated KQL and SPL corpora on one core, converts N equivalent Sigma rules with
pySigma's `sigma convert` (Splunk and Kusto backends, installed into a cache venv), and parses the same KQL
corpus with Microsoft's Kusto.Language (../shared/oracles/kql/kql-check --syntax-only). Prints a Markdown
table (also written to bench/results.md) with the machine and date. Timings are wall-clock medians of 3
runs; peak memory is the child's max RSS.

It also lints the real-content corpus (tests/corpus/real: production Splunk searches and Sentinel
queries) on one core, 10 runs, and parses the same KQL files with Kusto.Language. On a shared machine the
wall clock includes waiting for the core, so the table gives the CPU time (user + system) as well; the
target is 20 MB/s for each language.
"""

import argparse
import datetime
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("TOKENWARD_BENCH_DIR", "/tmp/tokenward-bench"))
BIN = ROOT / "target/release/tokenward"
ONE_CORE = ["taskset", "-c", "0"] if shutil.which("taskset") else []


def run(cmd, cwd=None, env=None):
    """Runs cmd, returns (seconds, max RSS in MiB, completed process with .cpu = (user, system) seconds).
    Output goes to files, so a chatty child never blocks on a full pipe."""
    import tempfile
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.out, proc.err = out.read(), err.read()
        proc.cpu = (usage.ru_utime, usage.ru_stime)
    return elapsed, usage.ru_maxrss / 1024, proc


def median_run(cmd, cwd=None, env=None, repeat=3, ok=(0,), cpu=None):
    """Median wall time and peak RSS of `repeat` runs; `cpu`, a list, receives the median (user, system)."""
    times, rss, user, system = [], [], [], []
    for _ in range(repeat):
        t, m, p = run(cmd, cwd=cwd, env=env)
        if p.returncode not in ok:
            sys.exit(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{p.err.decode()[-2000:]}")
        times.append(t)
        rss.append(m)
        user.append(p.cpu[0])
        system.append(p.cpu[1])
    if cpu is not None:
        cpu.extend([statistics.median(user), statistics.median(system)])
    return statistics.median(times), max(rss)


CORRELATION = """id: {id}
title: Synthetic session replay {n}
description: Synthetic variant {n} of the bundled AiTM rule, for benchmarks.
severity: {severity}
status: test
attack: [T1550.004, T1539]
controls: [SC-23, SI-4]
lists:
  local_{n}:
    kind: asn
    values: [{asns}]
correlation:
  window: {window}m
  issuance:
    when: is_interactive and result == "0" and auth_step_results in mfa_success_results
  later:
    when: not is_interactive and result == "0"
signals:
  user_agent: true
  asn: true
  device: {device}
  min_disagreements: 2
  asn_categories: [hosting_asns, local_{n}]
suppressions:
  - name: corporate-egress
    when: later.ip in_cidr corp_egress_cidrs
  - name: sase-egress
    when: later.asn in sase_asns
  - name: mobile-on-carrier
    when: later.app_id in first_party_mobile_apps and later.asn in carrier_asns
"""

SINGLE = """id: {id}
title: Synthetic claim reuse {n}
description: Synthetic variant {n} of the bundled single-event rule, for benchmarks.
severity: {severity}
status: test
attack: [T1550.004]
match:
  when: >
    result == "0" and auth_requirement == "singleFactorAuthentication"
    and auth_step_results in previously_satisfied_results
    and app_id in ["{app}", "04b07795-8ddb-461a-bbee-02f9e1bf7b46"]
    and user_agent contains "{ua}"
suppressions:
  - name: corporate-egress
    when: ip in_cidr corp_egress_cidrs
"""

SIGMA = """title: Synthetic claim reuse {n}
id: {uuid}
status: test
description: Synthetic variant {n}, equivalent to the tokenward single-event rule.
logsource:
  product: azure
  service: signinlogs
detection:
  selection:
    ResultType: 0
    AuthenticationRequirement: singleFactorAuthentication
    AuthenticationDetails|contains: 'claim in the token'
    AppId:
      - '{app}'
      - '04b07795-8ddb-461a-bbee-02f9e1bf7b46'
    UserAgent|contains: '{ua}'
  filter:
    IPAddress|cidr: '192.0.2.0/24'
  condition: selection and not filter
level: {severity}
"""


def generate(n_rules):
    repo = WORK / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    rules = repo / "rules"
    shutil.copytree(ROOT / "rules/lists", rules / "lists")
    sigma = repo / "sigma"
    sigma.mkdir(parents=True)
    rnd = random.Random(42)
    for n in range(n_rules):
        sev = rnd.choice(["low", "medium", "high"])
        if n % 2 == 0:
            text = CORRELATION.format(
                id=f"synthetic-replay-{n}", n=n, severity=sev, window=rnd.choice([30, 45, 60, 90, 120]),
                device=rnd.choice(["true", "false"]),
                asns=", ".join(str(a) for a in rnd.sample(range(1000, 400000), rnd.randint(5, 40))),
            )
        else:
            app = f"{rnd.getrandbits(32):08x}-0000-4000-8000-{rnd.getrandbits(48):012x}"
            ua = rnd.choice(["python-requests", "curl/", "Go-http-client", "axios/"])
            text = SINGLE.format(id=f"synthetic-claim-{n}", n=n, severity=sev, app=app, ua=ua)
        (rules / f"synthetic-{n:04}.yaml").write_text(text)
        # pySigma gets as many rules as tokenward, each the single-event logic (Sigma has no session
        # correlation to express the other half).
        app = f"{rnd.getrandbits(32):08x}-0000-4000-8000-{rnd.getrandbits(48):012x}"
        ua = rnd.choice(["python-requests", "curl/", "Go-http-client", "axios/"])
        (sigma / f"synthetic-{n:04}.yml").write_text(
            SIGMA.format(n=n, uuid=uuid.uuid5(uuid.NAMESPACE_URL, f"tokenward-bench-{n}"), app=app, ua=ua,
                         severity=sev))
    return repo


def bytes_of(files):
    return sum(f.stat().st_size for f in files)


def sigma_venv():
    venv = Path.home() / ".cache/tokenward-sigma"
    exe = venv / "bin/sigma"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin/pip"), "install", "--quiet", "--disable-pip-version-check",
                        "sigma-cli", "pySigma-backend-splunk", "pySigma-backend-kusto"], check=True)
    return exe


def cost():
    """The evaluator over synthetic tenant days (examples/tenant_day.rs): a whole day of a 10,000-user
    tenant, and one scheduled run (13:00 UTC, the AiTM rule's lookback) of 10,000- and 100,000-user tenants.
    Writes bench/cost.md."""
    subprocess.run(["cargo", "build", "--release", "--example", "tenant_day"], cwd=ROOT, check=True)
    exe = ROOT / "target/release/examples/tenant_day"
    cases = [
        ("10,000 users, a whole day", ["--sessions", "30000", "--users", "10000"]),
        ("10,000 users, one run at 13:00", ["--sessions", "30000", "--users", "10000", "--run-at", "13"]),
        ("100,000 users, one run at 13:00", ["--sessions", "300000", "--users", "100000", "--run-at", "13"]),
    ]
    rows = []
    for name, extra in cases:
        t, rss, p = run([str(exe), "--cost"] + extra, cwd=ROOT)
        if p.returncode != 0:
            sys.exit(p.err.decode()[-2000:])
        out = p.out.decode()
        read = next(l for l in out.splitlines() if l.startswith("cost:"))
        aitm = next(l for l in out.splitlines() if l.startswith("| aitm-session-replay"))
        cells = [c.strip() for c in aitm.strip("|").split("|")]
        numbers = [int(x.replace(",", "")) for x in read.replace("cost:", "").split() if x.replace(",", "").isdigit()]
        rows.append((name, f"{numbers[0]:,}", f"{numbers[1]:,}", f"{numbers[2]:,}", cells[4], f"{t:.1f} s",
                     f"{rss:,.0f} MiB", cells[1]))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    header = (f"Measured {datetime.date.today().isoformat()} on {cpu}, {os.cpu_count()} cores; "
              "`python3 bench/run.py --cost` (examples/tenant_day.rs, seed 1, 30 refreshes per session on average).\n\n")
    table = ("| tenant | rows read | sessions with an issuance | rows in them (packed) | AiTM plan evaluated in "
             "| whole run (generate, read, all rules) | peak memory | AiTM alerting sessions |\n"
             "|---|---|---|---|---|---|---|---|\n"
             + "".join("| " + " | ".join(r) + " |\n" for r in rows))
    (ROOT / "bench/cost.md").write_text("# Cost benchmark\n\n" + header + table)
    print(header + table)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--skip-sigma", action="store_true")
    ap.add_argument("--skip-oracle", action="store_true")
    ap.add_argument("--real-only", action="store_true",
                    help="only lint the real-content corpus (and run Kusto.Language on its KQL)")
    ap.add_argument("--cost", action="store_true",
                    help="run the plan over synthetic tenant days (10,000 and 100,000 users) and write bench/cost.md")
    ap.add_argument("--soak", action="store_true",
                    help="only run the property and fuzz tests at soak size (thousands of cases)")
    args = ap.parse_args()
    if args.cost:
        return cost()
    if args.soak:
        env = dict(os.environ, TOKENWARD_SOAK_CASES="3000", TOKENWARD_FUZZ_CASES="5000")
        subprocess.run(["cargo", "test", "--release", "--test", "injection", "--test", "fuzz_rules",
                        "--test", "syntax_fuzz"], cwd=ROOT, env=env, check=True)
        return
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    real_corpus_rows(rows, args)
    if args.real_only:
        write_table(rows, "--real-only", "results-real.md")
        return
    repo = generate(args.rules)

    out = repo / "dist"
    cpu = []
    t, rss = median_run(ONE_CORE + [str(BIN), "build", "rules", "--out", str(out)], cwd=repo, cpu=cpu)
    written = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    rows.append(("build: {} rules → KQL + SPL + ARM + YAML + Splunk app, one core".format(args.rules),
                 f"{t:.2f} s", f"{args.rules / t:,.0f} rules/s",
                 f"{rss:.0f} MiB peak; CPU {cpu[0]:.2f} s user + {cpu[1]:.2f} s system "
                 f"(creating {written / 1e6:.0f} MB of files)"))

    kql = sorted((out / "sentinel").glob("*.kql"))
    spl = sorted((out / "splunk").glob("*.spl"))
    for name, files in (("KQL", kql), ("SPL", spl)):
        corpus = WORK / f"corpus-{name.lower()}"
        if corpus.exists():
            shutil.rmtree(corpus)
        corpus.mkdir()
        for f in files:
            shutil.copy(f, corpus / f.name)
        size = bytes_of(files)
        t, rss = median_run(ONE_CORE + [str(BIN), "lint", str(corpus)], ok=(0, 1))
        rows.append((f"lint: {len(files)} generated {name} queries ({size / 1e6:.2f} MB), one core",
                     f"{t:.2f} s", f"{size / 1e6 / t:.1f} MB/s", f"{rss:.0f} MiB peak"))

    oracle = ROOT.parent / "shared/oracles/kql/kql-check"
    if not args.skip_oracle and oracle.exists():
        size = bytes_of(kql)
        run(["bash", str(oracle), "--syntax-only", str(kql[0])])  # install and warm up once
        t, rss = median_run(ONE_CORE + ["bash", str(oracle), "--syntax-only"] + [str(f) for f in kql], ok=(0, 1))
        ours = next(r for r in rows if r[0].startswith("lint") and "KQL" in r[0])
        ratio = float(ours[2].split()[0]) / (size / 1e6 / t)
        rows.append((f"Kusto.Language (node) syntax-only parse of the same {len(kql)} KQL queries",
                     f"{t:.2f} s", f"{size / 1e6 / t:.2f} MB/s", f"tokenward lint is {ratio:.0f}× faster"))

    if not args.skip_sigma:
        exe = sigma_venv()
        n = len(list((repo / "sigma").glob("*.yml")))
        for target in ("splunk", "kusto"):
            t, rss = median_run(ONE_CORE + [str(exe), "convert", "-t", target, "--without-pipeline",
                                            "-s", str(repo / "sigma")])
            ours = next(r for r in rows if r[0].startswith("build"))
            ratio = float(ours[1].split()[0]) / t
            rows.append((f"pySigma `sigma convert -t {target}` of {n} equivalent rules, one core",
                         f"{t:.2f} s", f"{n / t:,.0f} rules/s",
                         (f"tokenward build is {1 / ratio:.1f}× faster" if ratio < 1
                          else f"tokenward build takes {ratio:.1f}× as long")
                         + ", while emitting both targets, ARM, YAML, the app, and a lint of its own output,"
                           " against one query per rule"))

    write_table(rows, f"--rules {args.rules}", "results.md")


def real_corpus_rows(rows, args):
    """Lint of the real-content corpus per language on one core, and Kusto.Language on its KQL."""
    real = ROOT / "tests/corpus/real"
    for name, sub, ext in (("KQL", "kql", "kql"), ("SPL", "spl", "spl")):
        files = sorted((real / sub).rglob(f"*.{ext}"))
        size = bytes_of(files)
        cpu = []
        t, rss = median_run(ONE_CORE + [str(BIN), "lint", str(real / sub)], ok=(0, 1), repeat=10, cpu=cpu)
        busy = cpu[0] + cpu[1]
        rows.append((f"lint: {len(files)} real {name} files ({size / 1e6:.2f} MB, tests/corpus/real/{sub}), one core",
                     f"{t:.3f} s wall, {busy:.3f} s CPU",
                     f"{size / 1e6 / t:.1f} MB/s wall, {size / 1e6 / busy:.1f} MB/s CPU",
                     f"{rss:.0f} MiB peak; process start, file reads and the rendered report included"))
    oracle = ROOT.parent / "shared/oracles/kql/kql-check"
    if args.skip_oracle or not oracle.exists():
        return
    kql = sorted((real / "kql").rglob("*.kql"))
    size = bytes_of(kql)
    run(["bash", str(oracle), "--syntax-only", str(kql[0])])  # install and warm up once
    cpu = []
    t, rss = median_run(ONE_CORE + ["bash", str(oracle), "--syntax-only"] + [str(f) for f in kql], ok=(0, 1), cpu=cpu)
    ours = next(r for r in rows if r[0].startswith("lint") and "real KQL" in r[0])
    ratio = float(ours[2].split()[0]) / (size / 1e6 / t)
    rows.append((f"Kusto.Language (node) syntax-only parse of the same {len(kql)} real KQL files",
                 f"{t:.2f} s wall, {cpu[0] + cpu[1]:.2f} s CPU", f"{size / 1e6 / t:.2f} MB/s wall",
                 f"tokenward lint (every rule) is {ratio:.0f}× faster"))


def write_table(rows, how, name):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    header = (f"Measured {datetime.date.today().isoformat()} on {cpu}, {os.cpu_count()} cores, "
              f"{platform.system()} {platform.release()}; `python3 bench/run.py {how}`.\n\n")
    table = "| what | time | throughput | note |\n|---|---|---|---|\n" + "".join(
        f"| {a} | {b} | {c} | {d} |\n" for a, b, c, d in rows)
    (ROOT / "bench" / name).write_text("# Benchmark results\n\n" + header + table)
    print(header + table)


if __name__ == "__main__":
    main()
