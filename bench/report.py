#!/usr/bin/env python3
"""Turns jwtservice_bench's Google Benchmark JSON into the results table, the ratios checked
against issue 6's targets (PASS/MISS), a gnuplot data file and a PNG plot.

    python3 bench/report.py build/bench/results.json \
        [--md bench/results.md] [--png bench/results.png] [--work build/bench] \
        [--readme bench/README.md] [--no-plot]

Medians of the repetitions are used (the `median` aggregates; a run without repetitions falls
back to its single measurement). Every ratio comes from the one JSON file, so from one run.

Single-thread ratios use CPU time per operation: on a shared machine the wall clock also counts
the time other processes held the core, the thread's CPU time does not. The 2-thread target is
about throughput, so it uses the wall clock (operations per second over 1 and 2 threads); it is
shown next to the load-independent CPU estimate 2 x cpu/op(1 thread) / cpu/op(2 threads),
which equals the wall-clock ratio on an idle 2-core machine unless the threads block each other.
Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# The floor is the fastest of these HMAC key-reuse variants: the ones a library built with
# OPENSSL_NO_DEPRECATED (as jwtservice is) can use. The deprecated SHA256_CTX variant is shown
# as the absolute lower bound.
FLOOR_VARIANTS = ("dup", "reinit", "evp_md")
DEPRECATED_VARIANT = "sha256_ctx_deprecated"

TARGETS = {
    "validate_vs_floor": 1.5,  # jwtservice validate <= 1.5 x floor validate
    "cppjwt_vs_validate": 5.0,  # cpp-jwt validate >= 5 x jwtservice validate
    "create_vs_floor": 2.0,  # jwtservice create <= 2 x floor sign
    "memstore_extra_ns": 100.0,  # validate with the in-memory store costs <= 100 ns more
    "two_thread_scaling": 1.8,  # 2 threads >= 1.8 x the throughput of 1
    "scaling_vs_floor": 0.9,  # default configuration, 2 threads: scaling >= 0.9 x the floor's
    "redis_commands_per_valid": 1.0,  # Redis store + Redis limiter on one server: commands per valid token
    "memstore_bytes_per_revocation": 100.0,  # in-memory store, RSS per revocation at 10^6 entries
}


# Row order of the table (names not listed follow, alphabetically).
TABLE_ORDER = {n: i for i, n in enumerate(
    ["jwtservice/validate", "jwtservice/validate_bad_signature", "jwtservice/validate_garbage",
     "jwtservice/validate_memstore", "jwtservice/validate_sqlite", "jwtservice/validate_ratelimit_on",
     "jwtservice/create", "jwtservice/create_ratelimit_on", "jwtservice/consume_memstore",
     "jwtservice/consume_sqlite"]
    + [f"floor/{op}/hmac:{v}" for op in ("validate", "sign") for v in (*FLOOR_VARIANTS, DEPRECATED_VARIANT)]
    + ["cpp-jwt/validate", "cpp-jwt/create", "libjwt/validate", "libjwt/create"])}


@dataclass
class Row:
    name: str  # e.g. "jwtservice/validate"
    threads: int
    real_ns: float
    cpu_ns: float
    cv: float | None  # coefficient of variation of real time over the repetitions
    reps: int
    counters: dict
    min_real_ns: float | None = None
    min_cpu_ns: float | None = None

    @property
    def ops_per_s(self) -> float:
        return 1e9 / self.real_ns if self.real_ns > 0 else 0.0


def base_name(run_name: str) -> str:
    """'jwtservice/consume_memstore/iterations:20000/real_time/threads:2' -> 'jwtservice/consume_memstore'."""
    parts = [p for p in run_name.split("/") if not re.fullmatch(r"(real_time|threads:\d+|iterations:\d+|repeats:\d+|manual_time)", p)]
    return "/".join(parts)


def load(path: str) -> tuple[dict, dict[tuple[str, int], Row]]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    medians: dict[tuple[str, int], dict] = {}
    cvs: dict[tuple[str, int], float] = {}
    mins: dict[tuple[str, int], dict] = {}
    singles: dict[tuple[str, int], list[dict]] = {}
    order: list[tuple[str, int]] = []  # the binary's registration order
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            print(f"report.py: {b.get('name')} failed: {b.get('error_message')}", file=sys.stderr)
            continue
        key = (base_name(b.get("run_name", b["name"])), int(b.get("threads", 1)))
        if key not in order:
            order.append(key)
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[key] = b
            elif b.get("aggregate_name") == "cv":
                cvs[key] = float(b.get("real_time", 0.0))
            elif b.get("aggregate_name") == "min":
                mins[key] = b
        else:
            singles.setdefault(key, []).append(b)
    rows: dict[tuple[str, int], Row] = {}
    for key in [k for k in order if k in medians or k in singles]:
        if key in medians:
            b, reps = medians[key], int(medians[key].get("repetitions", 0)) or len(singles.get(key, [])) or 1
            real, cpu = b["real_time"], b["cpu_time"]
        else:
            runs = sorted(singles[key], key=lambda r: r["real_time"])
            b, reps = runs[len(runs) // 2], len(runs)
            real = b["real_time"]
            cpu = sorted(r["cpu_time"] for r in runs)[len(runs) // 2]
        unit = TO_NS[b.get("time_unit", "ns")]
        skip = {"name", "run_name", "run_type", "aggregate_name", "aggregate_unit", "repetitions", "repetition_index",
                "threads", "iterations", "real_time", "cpu_time", "time_unit", "family_index",
                "per_family_instance_index", "error_occurred", "error_message"}
        counters = {k: float(v) for k, v in b.items() if k not in skip and isinstance(v, (int, float))}
        row = Row(key[0], key[1], real * unit, cpu * unit, cvs.get(key), reps, counters)
        if key in mins:
            m = mins[key]
            row.counters.update({f"{k}_min": float(v) for k, v in m.items() if k not in skip and isinstance(v, (int, float))})
            row.min_real_ns = m["real_time"] * TO_NS[m.get("time_unit", "ns")]
            row.min_cpu_ns = m["cpu_time"] * TO_NS[m.get("time_unit", "ns")]
        rows[key] = row
    return data.get("context", {}), rows


def fmt_ns(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:,.2f} ms"
    if ns >= 1e4:
        return f"{ns / 1e3:,.1f} µs"
    return f"{ns:,.0f} ns"


def pick_floor(rows: dict[tuple[str, int], Row], op: str, threads: int = 1) -> Row | None:
    cands = [rows[(f"floor/{op}/hmac:{v}", threads)] for v in FLOOR_VARIANTS if (f"floor/{op}/hmac:{v}", threads) in rows]
    return min(cands, key=lambda r: r.cpu_ns) if cands else None


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**PASS**" if ok else "**MISS**")


def build_report(context: dict, rows: dict[tuple[str, int], Row]) -> tuple[str, list[tuple], bool]:
    get = lambda name, t=1: rows.get((name, t))  # noqa: E731
    out: list[str] = []
    ctx = []
    for k in ("date", "host_name", "num_cpus", "mhz_per_cpu", "load_avg",
              "jwtservice_version", "git", "token_bytes", "have_cppjwt", "have_libjwt"):
        if k in context:
            v = context[k]
            if k == "load_avg" and isinstance(v, list):
                v = ", ".join(f"{x:.2f}" for x in v)
            ctx.append(f"{k}={v}")
    reps = max((r.reps for r in rows.values()), default=1)
    out.append(f"Run: {'; '.join(ctx)}; medians of {reps} repetitions.\n")

    # ---- ratios against the targets ----
    jv, jc = get("jwtservice/validate"), get("jwtservice/create")
    fv, fs = pick_floor(rows, "validate"), pick_floor(rows, "sign")
    dv, ds = get(f"floor/validate/hmac:{DEPRECATED_VARIANT}"), get(f"floor/sign/hmac:{DEPRECATED_VARIANT}")
    cv, cc = get("cpp-jwt/validate"), get("cpp-jwt/create")
    lv, lc = get("libjwt/validate"), get("libjwt/create")
    jm = get("jwtservice/validate_memstore")

    def ratio(a: Row | None, b: Row | None) -> float | None:
        return a.cpu_ns / b.cpu_ns if a and b and b.cpu_ns > 0 else None

    def ratio_min(a: Row | None, b: Row | None) -> float | None:
        return a.min_cpu_ns / b.min_cpu_ns if a and b and a.min_cpu_ns and b.min_cpu_ns else None

    def scaling(name: str, use_min: bool = False) -> tuple[float | None, float | None]:
        one, two = get(name, 1), get(name, 2)
        if not one or not two:
            return None, None
        if use_min:
            if not (one.min_real_ns and two.min_real_ns and one.min_cpu_ns and two.min_cpu_ns):
                return None, None
            return one.min_real_ns / two.min_real_ns, 2 * one.min_cpu_ns / two.min_cpu_ns
        return one.real_ns / two.real_ns, 2 * one.cpu_ns / two.cpu_ns

    # The paired benchmarks (bench_paired.cpp): medians per call of every contender, measured in
    # one loop. Their counters are "<contender>_ns", e.g. "jwtservice_ns", "floor:evp_md_ns".
    pv, pc = get("paired/validate"), get("paired/create")

    def paired_ns(p: Row | None, contender: str) -> float | None:
        return p.counters.get(f"{contender}_ns") if p else None

    def paired_floor(p: Row | None) -> tuple[str, float | None]:
        cands = [(v, paired_ns(p, f"floor:{v}")) for v in FLOOR_VARIANTS]
        cands = [(v, x) for v, x in cands if x]
        return min(cands, key=lambda c: c[1]) if cands else ("?", None)

    def pratio(a: float | None, b: float | None) -> float | None:
        return a / b if a and b else None

    pfv_name, pfv = paired_floor(pv)
    pfs_name, pfs = paired_floor(pc)

    # (label, paired, separate median, separate min, format, target text, verdict)
    checks: list[tuple[str, str, str, str, str, bool | None]] = []
    all_pass = True

    def fmt(f: str, v: float | None) -> str:
        return "—" if v is None else f.format(v)

    def check(label: str, paired: float | None, median: float | None, minimum: float | None, f: str,
              target: str, passes) -> None:
        nonlocal all_pass
        decisive = paired if paired is not None else median  # the paired value when there is one
        ok = None if decisive is None else passes(decisive)
        if ok is not True:
            all_pass = False
        checks.append((label, fmt(f, paired), fmt(f, median), fmt(f, minimum), target, ok))

    variant = lambda row: row.name.rsplit(":", 1)[-1] if row else "?"  # noqa: E731
    t = TARGETS
    check(f"validate: jwtservice / floor (floor HMAC: paired {pfv_name}, separate {variant(fv)})",
          pratio(paired_ns(pv, "jwtservice"), pfv), ratio(jv, fv), ratio_min(jv, fv), "{:.2f}×",
          f"≤ {t['validate_vs_floor']}×", lambda x: x <= t["validate_vs_floor"])
    check("validate: cpp-jwt / jwtservice (speed-up)", pratio(paired_ns(pv, "cpp-jwt"), paired_ns(pv, "jwtservice")),
          ratio(cv, jv), ratio_min(cv, jv), "{:.2f}×", f"≥ {t['cppjwt_vs_validate']}×",
          lambda x: x >= t["cppjwt_vs_validate"])
    check(f"create: jwtservice / floor sign (floor HMAC: paired {pfs_name}, separate {variant(fs)})",
          pratio(paired_ns(pc, "jwtservice"), pfs), ratio(jc, fs), ratio_min(jc, fs), "{:.2f}×",
          f"≤ {t['create_vs_floor']}×", lambda x: x <= t["create_vs_floor"])

    # The in-memory store: its own paired benchmark (with and without the store alternating in
    # one loop, median of the per-call differences); the separate benchmarks' difference is shown
    # but this target is below their noise.
    mp = get("jwtservice/validate_memstore_paired")
    lookup = get("parts/memstore_is_revoked")
    diff = jm.cpu_ns - jv.cpu_ns if jm and jv else None
    diff_min = jm.min_cpu_ns - jv.min_cpu_ns if jm and jv and jm.min_cpu_ns and jv.min_cpu_ns else None
    label = "validate: in-memory store − no store"
    if lookup:
        label += f" (the store's is_revoked alone: {lookup.cpu_ns:.0f} ns)"
    check(label, mp.counters.get("extra_ns") if mp else None, diff, diff_min, "{:+.0f} ns",
          f"≤ {t['memstore_extra_ns']:.0f} ns", lambda x: x <= t["memstore_extra_ns"])

    # 2 threads: only separate benchmarks can measure it. The "paired" column holds the
    # load-independent CPU estimate, for information; the verdict is the wall clock's.
    scaling_notes = []
    for name, floor in (("jwtservice/validate", fv), ("jwtservice/create", fs)):
        wall, cpu = scaling(name)
        wall_min, _ = scaling(name, use_min=True)
        fwall = scaling(floor.name)[0] if floor else None
        op = name.split("/")[1]
        label = f"{op}: throughput 2 threads / 1 thread, wall clock"
        if fwall:
            label += f" (the floor's in this run: {fwall:.2f}×)"
        checks.append((label, "—", fmt("{:.2f}×", wall), fmt("{:.2f}×", wall_min),
                       f"≥ {t['two_thread_scaling']}×",
                       None if wall is None else wall >= t["two_thread_scaling"]))
        if wall is None or wall < t["two_thread_scaling"]:
            all_pass = False
        if cpu:
            scaling_notes.append(f"{op} {cpu:.2f}×")

    # The thread-scaling table (scaling/*): each contender's throughput at N threads over its own
    # at 1 thread, divided by the shared-nothing floor's in this run.
    scaling_table: list[str] = []
    for op in ("validate", "create"):
        floor_name = f"scaling/{op}/floor"

        def speedup(name: str, n: int, cpu: bool = False, use_min: bool = False) -> float | None:
            one, many = get(name, 1), get(name, n)
            if not one or not many or many.real_ns <= 0 or many.cpu_ns <= 0:
                return None
            if use_min:
                return one.min_real_ns / many.min_real_ns if one.min_real_ns and many.min_real_ns else None
            return n * one.cpu_ns / many.cpu_ns if cpu else one.real_ns / many.real_ns

        for contender in ("floor", "default", "bare"):
            name = f"scaling/{op}/{contender}"
            if not get(name):
                continue
            cells = [fmt("{:,.0f}", get(name, n).ops_per_s if get(name, n) else None) for n in (1, 2, 4)]
            for n in (2, 4):
                own, fl = speedup(name, n), speedup(floor_name, n)
                cells.append(fmt("{:.2f}×", own))
                cells.append(fmt("{:.2f}", own / fl if own and fl else None))
            own_cpu, fl_cpu = speedup(name, 2, cpu=True), speedup(floor_name, 2, cpu=True)
            cells.append(fmt("{:.2f}", own_cpu / fl_cpu if own_cpu and fl_cpu else None))
            scaling_table.append(f"| {op} {contender} | " + " | ".join(cells) + " |")
        own, fl = speedup(f"scaling/{op}/default", 2), speedup(floor_name, 2)
        if own and fl:
            own_min, fl_min = (speedup(f"scaling/{op}/default", 2, use_min=True),
                               speedup(floor_name, 2, use_min=True))
            check(f"{op}, default configuration: 2-thread scaling (wall clock) / the floor's (limits on, "
                  "in-memory store, 256 distinct tokens; see Thread scaling for the CPU estimate)", None, own / fl,
                  own_min / fl_min if own_min and fl_min else None, "{:.2f}",
                  f"≥ {t['scaling_vs_floor']}", lambda x: x >= t["scaling_vs_floor"])

    # Memory and Redis: counters of their own benchmarks (one value per repetition; the median).
    mem = get("memstore/bytes_per_revocation")
    if mem:
        check(f"in-memory store: RSS per revocation at {mem.counters.get('revocations', 0):,.0f} revocations "
              "(36-character jtis, measured in a forked child after malloc_trim)", None, mem.counters.get("bytes_per_revocation"),
              None, "{:.1f} B", f"≤ {t['memstore_bytes_per_revocation']:.0f} B",
              lambda x: x <= t["memstore_bytes_per_revocation"])
    rf, rs = get("redis/validate/fused"), get("redis/validate/separate")
    redis_notes = []
    if rf:
        check("Redis store + Redis limiter on one server: commands per valid token (counted by the server's "
              "MONITOR)", None, rf.counters.get("commands_per_call"), None, "{:.2f}",
              f"≤ {t['redis_commands_per_valid']:.1f}", lambda x: x <= t["redis_commands_per_valid"])
        if rs:
            redis_notes.append(f"validations per second: separate commands "
                               f"{rs.ops_per_s:,.0f} ({rs.counters.get('commands_per_call', 0):.2f} commands each), "
                               f"fused {rf.ops_per_s:,.0f} ({rf.counters.get('commands_per_call', 0):.2f}): "
                               f"{rf.ops_per_s / rs.ops_per_s:.2f}×")
    rt = get("redis/validate/fused_tls")
    if rf and rt:
        redis_notes.append(f"the same fused validation over TLS (`rediss://`): {rt.ops_per_s:,.0f}/s, "
                           f"{fmt_ns(rt.real_ns)} against {fmt_ns(rf.real_ns)} per call "
                           f"(TLS costs {rt.real_ns / rf.real_ns:.2f}×, {fmt_ns(rt.real_ns - rf.real_ns)} more)")
    rp, rw = get("redis/revoke/plain"), get("redis/revoke/wait_1_replica")
    if rp and rw:
        redis_notes.append(f"revoke with `MIN_REPLICAS=1` (a replica on the same machine): {fmt_ns(rw.real_ns)} "
                           f"against {fmt_ns(rp.real_ns)} without (`WAIT` costs {fmt_ns(rw.real_ns - rp.real_ns)}, "
                           f"{rw.real_ns / rp.real_ns:.2f}×)")

    out.append("### Targets\n")
    out.append("**paired**: every contender of the operation in one loop, each call timed, medians per call "
               "(`paired/*`); the verdict uses it when present. **separate**: the ratio of the separate "
               "benchmarks' median (and min) CPU times per operation, which a shared machine's load moves "
               "by ±20%.\n")
    out.append("| check | paired | separate: median | separate: min | target | |")
    out.append("|---|---:|---:|---:|---:|---|")
    for label, paired, median, minimum, target, ok in checks:
        out.append(f"| {label} | {paired} | {median} | {minimum} | {target} | {verdict(ok)} |")
    out.append("")
    if scaling_notes:
        out.append("2 threads need 2 idle cores; on a shared machine the wall clock cannot show it. "
                   "Load-independent estimate, 2 × CPU per op (1 thread) / CPU per op (2 threads), "
                   "which matches the wall clock on an idle machine unless the threads block each other: "
                   + ", ".join(scaling_notes) + ".\n")

    if redis_notes:
        out.append("Redis (redis-servers of the benchmark's own on 127.0.0.1, wall clock, 1 thread): "
                   + "; ".join(redis_notes) + ".\n")

    if scaling_table:
        out.append("### Thread scaling\n")
        out.append("One `Service` shared by N threads; **default**: both limits on (never reached), the in-memory "
                   "store holding 10,000 revocations, 256 distinct tokens; **bare**: no limits, no store; "
                   "**floor**: a pre-keyed HMAC context per thread, nothing shared. *N×* is throughput at N "
                   "threads over 1 thread (wall clock); */ floor* divides it by the floor's in this run. On a "
                   "2-core machine 4 threads oversubscribe the cores, and load from other processes moves the "
                   "wall clock: the CPU column (N × CPU per op at 1 thread / at N, divided by the floor's) is "
                   "the load-independent estimate of the same ratio at 2 threads.\n")
        out.append("| contender | ops/s 1T | ops/s 2T | ops/s 4T | 2T/1T | 2T / floor | 4T/1T | 4T / floor "
                   "| 2T / floor (CPU) |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        out.extend(scaling_table)
        out.append("")

    # Per-call medians of the paired benchmarks.
    for title, p in (("validate", pv), ("create", pc), ("lifecycle (validate)", get("paired/lifecycle"))):
        if not p:
            continue
        names = [k[:-3] for k in p.counters if k.endswith("_ns") and not k.endswith("_min")
                 and k != "clock_overhead_ns"]
        base = paired_ns(p, "jwtservice")
        out.append(f"Paired {title}, median per call (clock overhead "
                   f"{p.counters.get('clock_overhead_ns', 0):.0f} ns subtracted):\n")
        out.append("| contender | ns per call | / jwtservice |")
        out.append("|---|---:|---:|")
        for nme in sorted(names, key=lambda x: p.counters[f"{x}_ns"]):
            v = p.counters[f"{nme}_ns"]
            out.append(f"| {nme} | {v:,.0f} | {v / base:.2f}× |" if base else f"| {nme} | {v:,.0f} | |")
        out.append("")

    info = []
    for label, a, b in (("validate: libjwt / jwtservice (speed-up)", lv, jv),
                        ("create: cpp-jwt / jwtservice (speed-up)", cc, jc),
                        ("create: libjwt / jwtservice (speed-up)", lc, jc),
                        ("validate: jwtservice / floor with deprecated SHA256_CTX HMAC", jv, dv),
                        ("create: jwtservice / floor sign with deprecated SHA256_CTX HMAC", jc, ds)):
        r = ratio(a, b)
        if r is not None:
            info.append(f"| {label} | {r:.2f}× |")
    if info:
        out.append("Other ratios of the separate benchmarks (median CPU time, 1 thread):\n")
        out.append("| ratio | value |")
        out.append("|---|---:|")
        out.extend(info)
        out.append("")

    # ---- the table of medians ----
    out.append("### Medians\n")
    out.append("| benchmark | threads | wall / op | CPU / op | ops/s (all threads) | 2T/1T ops/s | cv |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    group = {"jwtservice": 0, "floor": 1, "cpp-jwt": 2, "libjwt": 3, "parts": 4, "scaling": 5, "redis": 6,
             "memstore": 7}
    for key in sorted(rows, key=lambda k: (group.get(k[0].split("/")[0], 9), TABLE_ORDER.get(k[0], 99), k[0], k[1])):
        row = rows[key]
        sc = ""
        if row.threads == 2 and (row.name, 1) in rows:
            sc = f"{row.ops_per_s / rows[(row.name, 1)].ops_per_s:.2f}×"
        cvs = f"{row.cv * 100:.0f}%" if row.cv is not None else ""
        out.append(f"| {row.name} | {row.threads} | {fmt_ns(row.real_ns)} | {fmt_ns(row.cpu_ns)} | "
                   f"{row.ops_per_s:,.0f} | {sc} | {cvs} |")
    out.append("")

    # ---- plot data: the paired medians per call when present, else the separate CPU medians ----
    plot = []
    for op, p, j, f, c, l in (("validate", pv, jv, fv, cv, lv), ("create", pc, jc, fs, cc, lc)):
        if p:
            vals = [paired_ns(p, "jwtservice"), paired_floor(p)[1], paired_ns(p, "cpp-jwt"), paired_ns(p, "libjwt")]
            plot.append((op, *[v / 1e3 if v else float("nan") for v in vals]))
        else:
            plot.append((op, *[x.cpu_ns / 1e3 if x else float("nan") for x in (j, f, c, l)]))
    return "\n".join(out), plot, all_pass


def scenario_rows(rows: dict[tuple[str, int], Row]) -> list[tuple[str, float, float]]:
    res = []
    for name in ("validate", "validate_bad_signature", "validate_garbage", "validate_memstore", "validate_sqlite",
                 "validate_ratelimit_on", "create", "create_ratelimit_on", "consume_memstore", "consume_sqlite"):
        one, two = rows.get((f"jwtservice/{name}", 1)), rows.get((f"jwtservice/{name}", 2))
        if one and two:
            res.append((name, one.ops_per_s / 1e3, two.ops_per_s / 1e3))
    return res


GNUPLOT = r"""
set terminal {term} size 1400,600 font ",10" noenhanced
set output "{png}"
set multiplot layout 1,2 title "jwtservice benchmarks ({title})"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left
set logscale y
set yrange [0.2:*]
set ylabel "time per operation (µs, log scale)"
set title "1 thread, paired: jwtservice, the floor and the peers (median per call)"
plot {plot1}
set yrange [*:*]
set ylabel "thousand operations per second (wall clock, log scale)"
set title "jwtservice: throughput with 1 and 2 threads"
set xtics rotate by -35
plot {plot2}
unset multiplot
"""


def plot(work: str, png: str, peers: list[tuple], scen: list[tuple], title: str) -> None:
    os.makedirs(work, exist_ok=True)
    dat1, dat2, gp = (os.path.join(work, n) for n in ("results_peers.dat", "results_threads.dat", "results.gp"))
    names = ("jwtservice", "floor", "cpp-jwt", "libjwt")
    with open(dat1, "w", encoding="utf-8") as f:
        f.write("# op " + " ".join(names) + "  (CPU µs per op, 1 thread)\n")
        for op, *vals in peers:
            f.write(op + " " + " ".join("NaN" if v != v else f"{v:.4f}" for v in vals) + "\n")
    with open(dat2, "w", encoding="utf-8") as f:
        f.write("# scenario kops_1thread kops_2threads  (wall clock)\n")
        for name, a, b in scen:
            f.write(f"{name} {a:.3f} {b:.3f}\n")
    # Only the contenders that have numbers (a peer may not have been built).
    cols = [i for i in range(len(names)) if any(v == v for _, *vals in peers for v in [vals[i]])]
    d1, d2 = os.path.abspath(dat1), os.path.abspath(dat2)
    plot1 = ", ".join(f'"{d1}" using {i + 2}{":xtic(1)" if n == 0 else ""} title "{names[i]}"'
                      for n, i in enumerate(cols))
    plot2 = f'"{d2}" using 2:xtic(1) title "1 thread", "{d2}" using 3 title "2 threads"'
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("report.py: gnuplot not found (Debian: gnuplot-nox); no plot written", file=sys.stderr)
        return
    probe = subprocess.run([gnuplot, "-e", "set terminal"], capture_output=True, text=True)
    term = "pngcairo" if "pngcairo" in probe.stdout + probe.stderr else "png"
    with open(gp, "w", encoding="utf-8") as f:
        f.write(GNUPLOT.format(term=term, png=os.path.abspath(png), plot1=plot1, plot2=plot2,
                               title=title.replace('"', "'")))
    if subprocess.run([gnuplot, gp]).returncode != 0:
        print(f"report.py: gnuplot failed on {gp}; no plot written", file=sys.stderr)
        return
    print(f"report.py: wrote {png}", file=sys.stderr)


def update_readme(readme: str, md: str) -> None:
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    try:
        with open(readme, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return
    if begin not in text or end not in text:
        return
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(readme, "w", encoding="utf-8") as f:
        f.write(f"{head}{begin}\n{md}\n{end}{tail}")
    print(f"report.py: updated the results in {readme}", file=sys.stderr)


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", help="Google Benchmark JSON output of jwtservice_bench")
    ap.add_argument("--md", default=os.path.join(here, "results.md"))
    ap.add_argument("--png", default=os.path.join(here, "results.png"))
    ap.add_argument("--work", default=os.path.join(here, "..", "build", "bench"), help="where the .dat/.gp files go")
    ap.add_argument("--readme", default=os.path.join(here, "README.md"),
                    help="README whose <!-- results:begin/end --> block is replaced ('' to skip)")
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args()

    context, rows = load(args.json)
    if not rows:
        print("report.py: no benchmark results in " + args.json, file=sys.stderr)
        return 1
    md, peers, all_pass = build_report(context, rows)
    with open(args.md, "w", encoding="utf-8") as f:
        f.write("# jwtservice benchmark results\n\nGenerated by `make bench` (bench/report.py) from "
                "build/bench/results.json.\n\n" + md + "\n")
    print(f"report.py: wrote {args.md}", file=sys.stderr)
    if args.readme:
        update_readme(args.readme, md)
    if not args.no_plot:
        title = f"{context.get('host_name', '')}, {context.get('num_cpus', '?')} CPUs, {context.get('date', '')}"
        plot(args.work, args.png, peers, scenario_rows(rows), title)
    print(md, flush=True)
    print("report.py: all targets met" if all_pass else "report.py: some targets missed (see MISS above)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
