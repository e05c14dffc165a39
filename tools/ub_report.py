#!/usr/bin/env python3
"""ub_report: turn an ns3-unifiedbus SQLite results file into Markdown tables and PNG plots.

    ./ubsim report [results/ubsim.db] [--out results/report]

Writes <out>/report.md and one PNG per plot (busbw against size per collective, busbw against
domain size, latency and bandwidth against size of the p2p and memory-latency runs, the
superpod-vs-nvlink side-by-side table, latency against load, MoE against EP size), and a table
of port utilisation and credit stalls per simulation.
Every plot says its units, presets and seeds. Runs in the project's Python environment
(./ubsim report; ./ubsim setup --python makes it, with matplotlib).
"""
import argparse
import os
import sqlite3
import sys
from collections import defaultdict


def die(msg):
    print(f"ub_report: {msg}", file=sys.stderr)
    sys.exit(2)


def human_bytes(b):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= scale and b % scale == 0:
            return f"{b // scale} {unit}"
    return f"{b} B"


def save_plot(plt, fig, ax, path, xlabel, ylabel, title, xlog=True):
    """Label, grid and legend one axis, write the figure as a PNG and close it."""
    if xlog:
        ax.set_xscale("log", base=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description="ns3-unifiedbus results -> Markdown + PNG")
    ap.add_argument("db", nargs="?", default="results/ubsim.db")
    ap.add_argument("--out", default="results/report")
    args = ap.parse_args()
    if not os.path.exists(args.db):
        die(f"no results file '{args.db}'; run an experiment first (./ubsim run ub-collectives)")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        die("matplotlib is missing; run the report as './ubsim report' (the project's Python "
            "environment, made by './ubsim setup --python')")
    db = sqlite3.connect(args.db)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        runs = db.execute("SELECT run_id, program, started_utc, ns3_version, module_version, "
                          "rng_seed, rng_run, wall_time_s FROM runs ORDER BY run_id").fetchall()
    except sqlite3.DatabaseError as e:
        die(f"'{args.db}' is not an ns3-unifiedbus results file ({e})")
    os.makedirs(args.out, exist_ok=True)
    md = [f"# ns3-unifiedbus results: `{args.db}`", "",
          f"Schema version {version}; {len(runs)} runs.", ""]
    seeds = {r[0]: f"seed {r[5]} run {r[6]}" for r in runs}
    md += ["## Runs", "", "| run | program | started (UTC) | ns-3 | module | seed | wall s |",
           "|---|---|---|---|---|---|---|"]
    for r in runs:
        md.append(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]}/{r[6]} | {r[7]:.1f} |")
    md.append("")
    plots = 0

    # Collectives: one table per (system, op, algo, ranks, chunks); one plot per op.
    has_coll = db.execute("SELECT count(*) FROM sqlite_master WHERE name='collectives'").fetchone()[0]
    rows = []
    if has_coll:
        rows = db.execute("SELECT run_id, system, op, algo, ranks, bytes, chunks, time_us, "
                          "algbw_gbps, busbw_gbps FROM collectives ORDER BY op, system, algo, "
                          "ranks, chunks, bytes").fetchall()
    if rows:
        md += ["## Collectives (NCCL conventions: algbw = size / time, busbw = algbw x bus factor)",
               ""]
        groups = defaultdict(list)
        for r in rows:
            groups[(r[2], r[1], r[3], r[4], r[6])].append(r)
        by_op = defaultdict(list)
        for key, g in groups.items():
            op, system, algo, ranks, chunks = key
            runs_of = sorted({x[0] for x in g})
            md += [f"### {op}, {system}, {algo}, {ranks} ranks, {chunks} chunk(s) "
                   f"(runs {', '.join(map(str, runs_of))}; {seeds.get(runs_of[0], '')})", "",
                   "| size | time us | algbw GB/s | busbw GB/s |", "|---|---|---|---|"]
            for x in g:
                md.append(f"| {human_bytes(x[5])} | {x[7]:.3f} | {x[8]:.2f} | {x[9]:.2f} |")
            md.append("")
            by_op[op].append((key, g))
        for op, series in by_op.items():
            fig, ax = plt.subplots(figsize=(7, 4.5))
            for key, g in series:
                _, system, algo, ranks, chunks = key
                ax.plot([x[5] for x in g], [x[9] for x in g], marker="o",
                        label=f"{system}, {algo}, {ranks} ranks, {chunks} ch")
            name = f"busbw-{op.lower()}.png"
            save_plot(plt, fig, ax, os.path.join(args.out, name), "size (bytes)", "busbw (GB/s)",
                      f"{op}: bus bandwidth against size")
            plots += 1
            md += [f"![{op} busbw]({name})", ""]

    # Scaling curves: busbw against ranks for every (op, algo, size) measured at several domain
    # sizes (collective-scaling builds each domain as its own system: each point is labelled
    # with its system; the newest row wins where a domain size repeats).
    if rows:
        scaling = defaultdict(dict)
        for r in rows:
            scaling[(r[2], r[3], r[5])][r[4]] = (r[9], r[1])
        scaling = {k: v for k, v in scaling.items() if len(v) >= 2}
        by_op = defaultdict(list)
        for key, pts in scaling.items():
            by_op[key[0]].append((key, pts))
        for op, series in sorted(by_op.items()):
            fig, ax = plt.subplots(figsize=(7, 4.5))
            md += [f"## {op}: busbw against domain size", "",
                   "| algo | size | ranks (system): busbw GB/s |", "|---|---|---|"]
            for key, pts in sorted(series):
                _, algo, size = key
                ranks = sorted(pts)
                ys = [pts[n][0] for n in ranks]
                ax.plot(ranks, ys, marker="o", label=f"{algo}, {human_bytes(size)}")
                for n, y in zip(ranks, ys):
                    ax.annotate(pts[n][1], (n, y), fontsize=6, xytext=(3, 3),
                                textcoords="offset points")
                md.append(f"| {algo} | {human_bytes(size)} | " +
                          ", ".join(f"{n} ({pts[n][1]}): {pts[n][0]:.1f}" for n in ranks) + " |")
            name = f"scaling-{op.lower()}.png"
            save_plot(plt, fig, ax, os.path.join(args.out, name), "ranks (domain size)",
                      "busbw (GB/s)", f"{op}: bus bandwidth against domain size")
            plots += 1
            md += ["", f"![{op} scaling]({name})", ""]

    # superpod-vs-nvlink: metrics by system, side by side.
    svn = db.execute("SELECT m.run_id, m.scope, m.name, m.value, m.unit FROM metrics m JOIN runs r "
                     "ON r.run_id = m.run_id WHERE r.program = 'superpod-vs-nvlink' "
                     "ORDER BY m.run_id").fetchall()
    if svn:
        last = max(x[0] for x in svn)
        cur = [x for x in svn if x[0] == last]
        systems = [s for s in dict.fromkeys(x[1] for x in cur) if s != "claims"]
        names = list(dict.fromkeys(x[2] for x in cur if x[1] != "claims"))
        val = {(x[1], x[2]): (x[3], x[4]) for x in cur}
        md += [f"## superpod-vs-nvlink (run {last}; {seeds.get(last, '')})", "",
               "| metric | " + " | ".join(systems) + " |",
               "|---|" + "---|" * len(systems)]
        for n in names:
            unit = next((val[(s, n)][1] for s in systems if (s, n) in val), "")
            md.append(f"| {n} ({unit}) | " +
                      " | ".join(f"{val[(s, n)][0]:.3g}" if (s, n) in val else "" for s in systems)
                      + " |")
        claims = [x for x in cur if x[1] == "claims"]
        if claims:
            md += ["", "Against Huawei's claims for Atlas 950 vs NVL144 (56.8x cards, 62x "
                   "interconnect bandwidth):", ""]
            md += [f"- {x[2]}: {x[3]:.2f}{x[4]}" for x in claims]
        md.append("")
        bars = [n for n in names if "busbw" in n or n == "p2p_write_bw"]
        if bars:
            fig, ax = plt.subplots(figsize=(8, 4.5))
            width = 0.8 / len(systems)
            for i, s in enumerate(systems):
                ax.bar([j + i * width for j in range(len(bars))],
                       [val.get((s, n), (0, ""))[0] for n in bars], width, label=s)
            ax.set_xticks([j + 0.4 - width / 2 for j in range(len(bars))])
            ax.set_xticklabels(bars, rotation=15, fontsize=8)
            ax.set_ylabel("GB/s")
            ax.set_title(f"superpod-vs-nvlink (run {last})")
            ax.legend(fontsize=7)
            ax.grid(True, axis="y", alpha=0.3)
            fig.tight_layout()
            fig.savefig(os.path.join(args.out, "superpod-vs-nvlink.png"), dpi=120)
            plt.close(fig)
            plots += 1
            md += ["![superpod-vs-nvlink](superpod-vs-nvlink.png)", ""]

    # ub-memory-latency and p2p-sweep: latency and bandwidth against size.
    for program in ("ub-memory-latency", "p2p-sweep"):
        mem = db.execute("SELECT m.run_id, m.scope, m.name, m.value FROM metrics m JOIN runs r ON "
                         "r.run_id = m.run_id WHERE r.program = ? ORDER BY m.run_id",
                         (program,)).fetchall()
        if not mem:
            continue
        last = max(x[0] for x in mem)
        preset = db.execute("SELECT value FROM params WHERE run_id = ? AND name = 'preset'",
                            (last,)).fetchone()
        preset = preset[0] if preset else "?"
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
        for ax, metric, unit in ((axes[0], "latency", "us"), (axes[1], "bandwidth", "GB/s")):
            series = defaultdict(list)
            for run, scope, name, value in mem:
                if run != last or name != metric or scope.count(":") != 2:
                    continue
                where, op, size = scope.split(":")
                series[f"{op} {where}"].append((int(size), value))
            for label, pts in sorted(series.items()):
                pts.sort()
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel("size (bytes)")
            ax.set_ylabel(f"{metric} ({unit})")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8)
        fig.suptitle(f"{program}: {preset} (run {last}; {seeds.get(last, '')})")
        fig.tight_layout()
        name = f"{program}.png"
        fig.savefig(os.path.join(args.out, name), dpi=120)
        plt.close(fig)
        plots += 1
        md += [f"## {program} (run {last}, preset {preset})", "", f"![{program}]({name})", ""]

    # ub-load-latency: latency against offered load, one line per pattern.
    ll = db.execute("SELECT m.run_id, m.scope, m.name, m.value FROM metrics m JOIN runs r ON "
                    "r.run_id = m.run_id WHERE r.program = 'ub-load-latency' ORDER BY m.run_id"
                    ).fetchall()
    if ll:
        curves = defaultdict(lambda: defaultdict(dict))
        for run, scope, name, value in ll:
            pattern, load = scope.split(":")
            preset = db.execute("SELECT value FROM params WHERE run_id = ? AND name = 'preset'",
                                (run,)).fetchone()
            key = f"{preset[0] if preset else '?'}, {pattern} (run {run})"
            curves[key][float(load)][name] = value
        fig, ax = plt.subplots(figsize=(7, 4.5))
        md += ["## ub-load-latency", "", "| curve | load | accepted | mean us | p99 us |",
               "|---|---|---|---|---|"]
        for key, pts in curves.items():
            loads = sorted(pts)
            ax.plot(loads, [pts[x].get("latency_mean", 0) for x in loads], marker="o",
                    label=f"{key} mean")
            ax.plot(loads, [pts[x].get("latency_p99", 0) for x in loads], marker="x",
                    linestyle="--", label=f"{key} p99")
            for x in loads:
                md.append(f"| {key} | {x:.2f} | {pts[x].get('accepted', 0):.3f} | "
                          f"{pts[x].get('latency_mean', 0):.3f} | {pts[x].get('latency_p99', 0):.3f} |")
        save_plot(plt, fig, ax, os.path.join(args.out, "load-latency.png"),
                  "offered load (fraction of each endpoint's links, or of one channel)",
                  "latency (us)", "latency against load", xlog=False)
        plots += 1
        md += ["", "![latency against load](load-latency.png)", ""]

    # moe-dispatch: dispatch and combine latency and per-rank bandwidth against EP size.
    moe = db.execute("SELECT m.run_id, m.scope, m.name, m.value FROM metrics m JOIN runs r ON "
                     "r.run_id = m.run_id WHERE r.program = 'moe-dispatch' ORDER BY m.run_id"
                     ).fetchall()
    if moe:
        curves = defaultdict(lambda: defaultdict(dict))
        for run, scope, name, value in moe:
            if scope.count(":") != 1:
                continue
            phase, ep = scope.split(":")
            preset = db.execute("SELECT value FROM params WHERE run_id = ? AND name = 'preset'",
                                (run,)).fetchone()
            curves[f"{preset[0] if preset else '?'} {phase} (run {run}; {seeds.get(run, '')})"][
                int(ep)][name] = value
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
        md += ["## moe-dispatch", "", "| curve | EP ranks | mean latency us | max latency us | "
               "mean rank GB/s |", "|---|---|---|---|---|"]
        for key, pts in curves.items():
            eps = sorted(pts)
            axes[0].plot(eps, [pts[e].get("max_latency", 0) for e in eps], marker="o", label=key)
            axes[1].plot(eps, [pts[e].get("mean_rank_bw", 0) for e in eps], marker="o", label=key)
            for e in eps:
                md.append(f"| {key} | {e} | {pts[e].get('mean_latency', 0):.2f} | "
                          f"{pts[e].get('max_latency', 0):.2f} | "
                          f"{pts[e].get('mean_rank_bw', 0):.1f} |")
        for ax, label in ((axes[0], "slowest rank's latency (us)"),
                          (axes[1], "mean per-rank bandwidth (GB/s)")):
            ax.set_xscale("log", base=2)
            ax.set_xlabel("expert-parallel ranks")
            ax.set_ylabel(label)
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=7)
        fig.suptitle("MoE dispatch and combine against EP size")
        fig.tight_layout()
        fig.savefig(os.path.join(args.out, "moe.png"), dpi=120)
        plt.close(fig)
        plots += 1
        md += ["", "![MoE against EP size](moe.png)", ""]

    # Port utilisation and credit stalls, per simulation (scope) of the last runs.
    has_scope = any(c[1] == "scope" for c in db.execute("PRAGMA table_info(ports)").fetchall())
    if has_scope:
        ports = db.execute("SELECT run_id, scope, count(*), avg(utilization), max(utilization), "
                           "sum(credit_stall_s), sum(drops) FROM ports GROUP BY run_id, scope "
                           "ORDER BY run_id DESC, scope LIMIT 40").fetchall()
        if ports:
            md += ["## Ports (links that carried traffic, per simulation; newest runs first)", "",
                   "| run | scope | ports | mean utilization | max utilization | "
                   "credit stall us (sum) | drops |", "|---|---|---|---|---|---|---|"]
            for p in ports:
                md.append(f"| {p[0]} | {p[1] or '-'} | {p[2]} | {p[3]:.3f} | {p[4]:.3f} | "
                          f"{p[5] * 1e6:.2f} | {p[6]} |")
            md.append("")

    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"report: {os.path.join(args.out, 'report.md')} ({plots} plots, {len(rows)} collective "
          f"rows, {len(runs)} runs)")


if __name__ == "__main__":
    main()
