"""Turn an ns3-unifiedbus SQLite results file into Markdown tables and PNG plots.

    ./ubsim report [results/ubsim.db] [--out results/report] [--x PARAM] [--metric NAME ...]
    python -m unifiedbus.report DB --out DIR          (in the project's environment)

Writes <out>/report.md, one PNG per plot and, beside each PNG, the plotted figures as CSV
(series, x, mean, s.d., seeds), so that a plot can be redrawn or checked without the database.

How runs are combined, in every section:
- A run's parameters are what the program recorded (the params table) and, for runs of a sweep,
  the options the sweep gave it. Runs of one program that differ only in their seed are repeats
  of one experiment: their figures are shown as the mean, with error bars of one sample standard
  deviation over the seeds (tables: "mean ± s.d. (n)").
- A run with the same program, parameters and seed as a newer run is superseded by it (a re-run
  after a rebuild, say); the runs table says so and the figures use the newer one.
- Curves of different presets, systems or parameter values are overlaid on one plot, labelled
  by what tells them apart; what they share goes in the title.

Sections: the runs (with the parameters that tell them apart), every sweep of the file (each
run-level metric against each swept parameter, with error bars over seeds; --x and --metric
choose others, e.g. --metric=latency_p99 --x=selection), collectives (busbw against size per
operation, and against domain size), superpod-vs-nvlink, p2p and memory latency and bandwidth
against size, latency against load, MoE against EP size, and port utilisation.
"""
import argparse
import csv
import json
import math
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from collections import defaultdict

# Parameters that say where a run wrote or how much it printed, not what it simulated.
IGNORED_PARAMS = {"db", "label", "sweep", "quiet", "verbose", "RngRun", "RngSeed"}
COLLECTIVE_METRICS = {"busbw_gbps": "GB/s", "algbw_gbps": "GB/s", "time_us": "us"}
# The newest results schema this report reads (UbResults::SCHEMA_VERSION, ub-results.h).
SCHEMA_VERSION = 6


class ReportError(Exception):
    """Bad input; the message names it and the fix."""


def human_bytes(b):
    b = int(b)
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= scale and b % scale == 0:
            return f"{b // scale} {unit}"
    return f"{b} B"


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _param_text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def stats(values):
    """(mean, sample standard deviation or 0, n)."""
    n = len(values)
    mean = math.fsum(values) / n
    if n == 1 or min(values) == max(values):
        return (values[0] if n == 1 else mean), 0.0, n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, sd, n


def fmt_stat(s, digits=4):
    mean, sd, n = s
    if n == 1:
        return f"{mean:.{digits}g}"
    return f"{mean:.{digits}g} ± {sd:.2g} ({n})"


class Run:
    def __init__(self, row):
        (self.id, self.program, self.started, self.ns3, self.module, self.rng_seed,
         self.rng_run, self.wall, self.status, self.checks) = row
        self.params = {}
        self.sweep = None
        self.superseded_by = None

    @property
    def seed(self):
        return (self.rng_seed, self.rng_run)

    def identity(self):
        return (self.program, tuple(sorted((k, v) for k, v in self.params.items()
                                           if k not in IGNORED_PARAMS)))


class Results:
    """The runs of a results file, their parameters, and which of them count."""

    def __init__(self, db):
        self.db = db
        self.tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master "
                                                "WHERE type = 'table'")}
        if "runs" not in self.tables:
            raise sqlite3.DatabaseError("no runs table")
        # Files before schema 6 have no status (their runs counted as ok) nor checks.
        cols = {r[1] for r in db.execute("PRAGMA table_info(runs)")}
        status = "status" if "status" in cols else "'ok'"
        checks = "checks" if "checks" in cols else "''"
        self.runs = {r[0]: Run(r) for r in db.execute(
            "SELECT run_id, program, started_utc, ns3_version, module_version, rng_seed, "
            f"rng_run, wall_time_s, {status}, {checks} FROM runs ORDER BY run_id")}
        if "params" in self.tables:
            for run_id, name, value in db.execute("SELECT run_id, name, value FROM params"):
                if run_id in self.runs:
                    self.runs[run_id].params[name] = value
        self.sweeps = defaultdict(list)  # sweep name -> [(run, swept params)]
        if "sweep_runs" in self.tables:
            for name, params, run_id in db.execute(
                    "SELECT sweep, params_json, run_id FROM sweep_runs WHERE status = 'done' "
                    "AND run_id IS NOT NULL ORDER BY run_id"):
                run = self.runs.get(run_id)
                if run is None:
                    continue
                swept = {k: _param_text(v) for k, v in json.loads(params).items()}
                for k, v in swept.items():  # what the program recorded wins (its own spelling)
                    run.params.setdefault(k, v)
                run.sweep = name
                self.sweeps[name].append((run, swept))
        newest = {}
        for run in sorted(self.runs.values(), key=lambda r: r.id, reverse=True):
            if run.status != "ok":
                continue  # a failed run replaces nothing
            key = (run.identity(), run.seed)
            if key in newest:
                run.superseded_by = newest[key]
            else:
                newest[key] = run.id
        # A failed run (the watchdog stopped it, its work did not complete, an invariant
        # failed) is listed but never drawn.
        self.kept = {r.id for r in self.runs.values()
                     if r.superseded_by is None and r.status == "ok"}
        self.failed = sum(1 for r in self.runs.values() if r.status != "ok")
        self.varying = {}
        for program in {r.program for r in self.runs.values()}:
            self.varying[program] = self.varying_params(
                [r for r in self.runs.values() if r.program == program and r.id in self.kept])

    @staticmethod
    def varying_params(runs):
        """The parameters that differ between the runs. The command line ("args") only when
        the recorded parameters leave two runs with different command lines looking alike."""
        names = sorted({k for r in runs for k in r.params if k not in IGNORED_PARAMS})
        varying = [k for k in names if len({r.params.get(k, "") for r in runs}) > 1]
        shown = [k for k in varying if k != "args"]
        if "args" in varying:
            lines = defaultdict(set)
            for r in runs:
                lines[tuple(r.params.get(k, "") for k in shown)].add(r.params.get("args", ""))
            if any(len(v) > 1 for v in lines.values()):
                shown.append("args")
        return shown

    def coords(self, run):
        return {k: run.params.get(k, "") for k in self.varying[run.program]}

    def seed_text(self, run_ids):
        seeds = sorted({self.runs[i].seed for i in run_ids})
        if len(seeds) == 1:
            return f"seed {seeds[0][0]} run {seeds[0][1]}"
        return f"{len(seeds)} seeds (RngRun {', '.join(str(s[1]) for s in seeds)})"


class Obs:
    """One figure of one run: its coordinates (parameters, table keys), metric, unit, value."""
    __slots__ = ("run", "coords", "metric", "unit", "value")

    def __init__(self, run, coords, metric, unit, value):
        self.run, self.coords, self.metric, self.unit, self.value = run, coords, metric, unit, value


def _drop_redundant(obs, first=()):
    """Coordinates that vary among the observations, without one that is a relabelling of
    another (a preset and the system it builds): the earlier one (those in first, then by name)
    is kept."""
    names = list(dict.fromkeys(list(first) + sorted({k for o in obs for k in o.coords})))
    names = [k for k in names if len({o.coords.get(k, "") for o in obs}) > 1]
    kept = []
    for k in names:
        redundant = False
        for j in kept:
            pairs = {(o.coords.get(j, ""), o.coords.get(k, "")) for o in obs}
            if len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs}):
                redundant = True
                break
        if not redundant:
            kept.append(k)
    return kept


def _constant(obs, exclude=()):
    """Coordinates with one value among the observations, as 'name=value' text."""
    names = sorted({k for o in obs for k in o.coords} - set(exclude))
    const = []
    for k in names:
        vals = {o.coords.get(k, "") for o in obs}
        if len(vals) == 1:
            v = next(iter(vals))
            if v != "":
                const.append(f"{k}={v}")
    return const



def series_label(keys, values):
    return ", ".join(f"{k}={v}" for k, v in zip(keys, values)) or "all runs"


def aggregate(obs, x, series_keys, by_values=False):
    """{series label: [(x, (mean, sd, n), run ids)]}, x sorted numerically when numeric;
    by_values: keyed by the tuple of the series' coordinate values instead of a label."""
    acc = defaultdict(lambda: defaultdict(list))
    for o in obs:
        values = tuple(o.coords.get(k, "") for k in series_keys)
        acc[values if by_values else series_label(series_keys, values)][
            o.coords.get(x, "")].append(o)
    out = {}
    for label, pts in acc.items():
        xs = list(pts)  # categories: in the order the runs met them (a sweep's grid order)
        if all(_num(v) is not None for v in xs):
            xs.sort(key=_num)
        out[label] = [(v, stats([o.value for o in pts[v]]), sorted({o.run for o in pts[v]}))
                      for v in xs]
    return out


class Plotter:
    """Writes figures and their CSV beside them; counts them."""

    def __init__(self, out, plt):
        self.out, self.plt, self.count = out, plt, 0

    def curves(self, ax, series, xlabel, ylabel, xlog=None, ylog=False):
        """Draws {label: [(x, stats, runs)]} as lines with error bars; x categorical when not
        numeric (shared order over the series)."""
        allx = [p[0] for pts in series.values() for p in pts]
        numeric = all(_num(v) is not None for v in allx)
        if numeric:
            vals = [_num(v) for v in allx]
            if xlog is None:
                xlog = min(vals) > 0 and max(vals) / min(vals) >= 16
        else:
            order = list(dict.fromkeys(allx))
            xlog = False
        for label, pts in series.items():
            xs = [_num(p[0]) if numeric else order.index(p[0]) for p in pts]
            ys = [p[1][0] for p in pts]
            err = [p[1][1] for p in pts]
            if any(e > 0 for e in err):
                ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=label)
            else:
                ax.plot(xs, ys, marker="o", label=label)
        if not numeric:
            ax.set_xticks(range(len(order)))
            ax.set_xticklabels(order, rotation=15 if len(order) > 4 else 0, fontsize=8)
        if xlog:
            ax.set_xscale("log", base=2)
        if ylog:
            ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.3)

    def save(self, fig, name, rows):
        """Writes <name>.png and <name>.csv (rows: plot, series, x, mean, sd, n, runs)."""
        fig.tight_layout()
        fig.savefig(os.path.join(self.out, name + ".png"), dpi=120)
        self.plt.close(fig)
        with open(os.path.join(self.out, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["plot", "series", "x", "mean", "sd", "n", "runs"])
            w.writerows(rows)
        self.count += 1


def csv_rows(plot, series):
    return [[plot, label, x, repr(s[0]), repr(s[1]), s[2], " ".join(map(str, runs))]
            for label, pts in series.items() for x, s, runs in pts]


def _slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


# --- sections ---------------------------------------------------------------------------------

def section_runs(res):
    md = ["## Runs", "",
          "Parameters: those that differ between runs of the same program. A superseded run has "
          "the same program, parameters and seed as a newer one, which is used instead. A "
          "failed run (stopped by the watchdog, its work not complete, or an invariant "
          "violated) is listed with the reason and left out of every figure.", "",
          "| run | program | parameters | seed/run | started (UTC) | ns-3 | module | wall s |",
          "|---|---|---|---|---|---|---|---|"]
    for r in res.runs.values():
        params = ", ".join(f"{k}={r.params.get(k, '')}" for k in res.varying[r.program])
        if r.sweep:
            params = f"{params} (sweep {r.sweep})" if params else f"sweep {r.sweep}"
        if r.superseded_by:
            params += f"; superseded by run {r.superseded_by}"
        if r.status != "ok":
            params += f"; **{r.status}**"
        md.append(f"| {r.id} | {r.program} | {params or '-'} | {r.rng_seed}/{r.rng_run} | "
                  f"{r.started} | {r.ns3} | {r.module} | {r.wall:.1f} |")
    return md + [""]


def metric_obs(res, runs, coords_of, names=None, run_level_only=False):
    """Observations from the metrics table for the given runs. A metric with one scope per run
    is a run-level figure (its scope is not a coordinate); one reported under several scopes in
    a run gets the scope as a coordinate. run_level_only: only the former."""
    if "metrics" not in res.tables or not runs:
        return []
    ids = {r.id for r in runs}
    rows = [x for x in res.db.execute("SELECT run_id, scope, name, value, unit FROM metrics "
                                      "ORDER BY run_id, rowid") if x[0] in ids]
    scopes = defaultdict(set)
    for run_id, scope, name, _, _ in rows:
        scopes[(run_id, name)].add(scope)
    multi = {name for (_, name), s in scopes.items() if len(s) > 1}
    obs = []
    for run_id, scope, name, value, unit in rows:
        if names is not None and name not in names:
            continue
        if name in multi and run_level_only:
            continue
        c = dict(coords_of(res.runs[run_id]))
        if name in multi:
            c["scope"] = scope
        obs.append(Obs(run_id, c, name, unit, value))
    return obs


def collective_obs(res, runs, coords_of, metrics=("busbw_gbps",), size=None):
    if "collectives" not in res.tables or not runs:
        return []
    ids = {r.id for r in runs}
    obs = []
    for row in res.db.execute("SELECT run_id, system, op, algo, ranks, chunks, bytes, "
                              "busbw_gbps, algbw_gbps, time_us FROM collectives ORDER BY rowid"):
        if row[0] not in ids or (size is not None and row[6] != size):
            continue
        c = dict(coords_of(res.runs[row[0]]))
        # A run that let the algorithm choose its pieces ("auto") records the count per size;
        # keep the run's own setting so that one curve stays one series.
        auto = res.runs[row[0]].params.get("chunks") == "auto"
        chunks = "auto" if auto else str(row[5])
        c.update(system=row[1], op=row[2], algo=row[3], ranks=str(row[4]), chunks=chunks,
                 bytes=str(row[6]))
        vals = {"busbw_gbps": row[7], "algbw_gbps": row[8], "time_us": row[9]}
        for m in metrics:
            obs.append(Obs(row[0], c, m, COLLECTIVE_METRICS[m], vals[m]))
    return obs


def section_sweeps(res, plotter, x_req, metric_req):
    """Each sweep (or, with --x, the runs of each program where that parameter varies): every
    chosen metric against every swept parameter, error bars over seeds."""
    groups = []
    for name, members in sorted(res.sweeps.items()):
        runs = [r for r, _ in members if r.id in res.kept]
        axes = sorted({k for _, p in members for k in p})
        axes = [k for k in axes if len({p.get(k, "") for r, p in members if r.id in res.kept}) > 1]
        swept = {r.id: p for r, p in members}
        programs = sorted({r.program for r in runs})
        groups.append((f"sweep {name}", ", ".join(programs), runs, axes,
                       lambda r, swept=swept, axes=axes: {k: swept[r.id].get(k, "") for k in axes}))
    if x_req and not groups:
        for program in sorted(res.varying):
            if x_req in res.varying[program]:
                runs = [r for r in res.runs.values() if r.program == program and r.id in res.kept]
                axes = res.varying[program]
                groups.append((f"runs of {program}", program, runs, axes,
                               lambda r, axes=axes: {k: r.params.get(k, "") for k in axes}))
        if not groups:
            raise ReportError(f"--x={x_req}: no sweep or program in the file varies it; the "
                              f"parameters that vary are: " + (", ".join(
                                  sorted({k for v in res.varying.values() for k in v})) or "none"))
    md = []
    for title, programs, runs, axes, coords_of in groups:
        if not runs:
            continue
        xs = axes
        if x_req:
            if x_req not in axes:
                if len(groups) == 1:
                    raise ReportError(f"--x={x_req}: not a swept parameter of {title}; its "
                                      f"swept parameters are: {', '.join(axes) or 'none'}")
                continue
            xs = [x_req]
        if metric_req:
            coll = [m for m in metric_req if m in COLLECTIVE_METRICS]
            obs = metric_obs(res, runs, coords_of, names=set(metric_req) - set(coll))
            obs += collective_obs(res, runs, coords_of, metrics=coll)
            missing = set(metric_req) - {o.metric for o in obs}
            if missing:
                have = sorted({o.metric for o in metric_obs(res, runs, coords_of)} |
                              (set(COLLECTIVE_METRICS) if collective_obs(res, runs, coords_of)
                               else set()))
                raise ReportError(f"--metric={sorted(missing)[0]}: {title} has no such metric; "
                                  f"it has: {', '.join(have) or 'none'}")
            note = ""
        else:
            obs = metric_obs(res, runs, coords_of, run_level_only=True)
            note = ""
            coll_runs = [r for r in runs if collective_obs(res, [r], coords_of)]
            if coll_runs:
                common = set.intersection(*[{int(o.coords["bytes"]) for o in
                                             collective_obs(res, [r], coords_of)}
                                            for r in coll_runs])
                if common:
                    size = max(common)
                    obs += collective_obs(res, runs, coords_of, size=size)
                    note = (f"Collectives at {human_bytes(size)}, the largest size every run "
                            f"measured (--metric=busbw_gbps plots every size).")
        metrics = list(dict.fromkeys(o.metric for o in obs))
        n_seeds = len({r.seed for r in runs})
        md += [f"## {title} ({programs}): {len(runs)} runs, {n_seeds} seed(s)", "",
               "Swept: " + (", ".join(f"{k} ({len({coords_of(r)[k] for r in runs})} values)"
                                      for k in axes) or "nothing (one point)") +
               ". Figures: mean ± sample s.d. over seeds (n).", ""]
        if note:
            md += [note, ""]
        if not metrics or not axes:
            md += ["No run-level metric to plot against a swept parameter (--metric names one).",
                   ""]
            continue
        # Table: one row per point of the grid (and table coordinates), one column per metric.
        keys = _drop_redundant(obs, first=axes)
        cells = defaultdict(lambda: defaultdict(list))
        units = {}
        for o in obs:
            cells[tuple(o.coords.get(k, "") for k in keys)][o.metric].append(o.value)
            units[o.metric] = o.unit
        md += ["| " + " | ".join(keys + [f"{m} ({units[m]})" if units[m] else m
                                         for m in metrics]) + " |",
               "|" + "---|" * (len(keys) + len(metrics))]
        for point in sorted(cells, key=lambda p: [(_num(v) is None, _num(v) or 0, str(v))
                                                  for v in p]):
            md.append("| " + " | ".join(list(point) + [
                fmt_stat(stats(cells[point][m])) if cells[point][m] else ""
                for m in metrics]) + " |")
        md.append("")
        for x in xs:
            fig_name = f"{_slug(re.sub(r'[.]toml$', '', title))}-vs-{_slug(x)}"
            cols = min(3, len(metrics))
            rows_n = math.ceil(len(metrics) / cols)
            fig, axs = plotter.plt.subplots(rows_n, cols, figsize=(4.6 * cols, 3.6 * rows_n),
                                            squeeze=False)
            data = []
            for i, m in enumerate(metrics):
                ax = axs[i // cols][i % cols]
                sel = [o for o in obs if o.metric == m]
                series_keys = [k for k in _drop_redundant(sel, first=axes) if k != x]
                series = aggregate(sel, x, series_keys)
                plotter.curves(ax, series, x, f"{m} ({units[m]})" if units[m] else m)
                if len(series) > 1 or series_keys:
                    ax.legend(fontsize=6)
                data += csv_rows(m, series)
            for j in range(len(metrics), rows_n * cols):
                axs[j // cols][j % cols].axis("off")
            const = _constant(obs, exclude=[x])
            fig.suptitle(f"{title}: against {x}; mean ± s.d. over {n_seeds} seed(s)" +
                         (f"\n{', '.join(const)}" if const else ""), fontsize=9)
            plotter.save(fig, fig_name, data)
            md += [f"![{title} against {x}]({fig_name}.png) ([data]({fig_name}.csv))", ""]
    return md


def section_collectives(res, plotter, rows_total):
    runs = [r for r in res.runs.values() if r.id in res.kept]
    obs = collective_obs(res, runs, res.coords, metrics=("busbw_gbps", "algbw_gbps", "time_us"))
    if not obs:
        return []
    md = ["## Collectives (NCCL conventions: algbw = size / time, busbw = algbw x bus factor)", "",
          f"{rows_total} rows; mean ± s.d. over seeds (n) where runs repeat with other seeds.", ""]
    by_op = defaultdict(list)
    for o in obs:
        by_op[o.coords["op"]].append(o)
    for op in sorted(by_op):
        sel = by_op[op]
        keys = [k for k in _drop_redundant(sel, first=["system", "algo", "ranks", "chunks"])
                if k not in ("bytes", "op")]
        runs_of = sorted({o.run for o in sel})
        const = _constant(sel, exclude=["bytes", "op"])
        md += [f"### {op} (runs {', '.join(map(str, runs_of))}; {res.seed_text(runs_of)})", "",
               ("Common to all rows: " + ", ".join(const) + ".") if const else "", "",
               "| " + " | ".join(keys + ["size", "time us", "algbw GB/s", "busbw GB/s"]) + " |",
               "|" + "---|" * (len(keys) + 4)]
        per = {m: aggregate([o for o in sel if o.metric == m], "bytes", keys, by_values=True)
               for m in ("time_us", "algbw_gbps", "busbw_gbps")}
        for values, pts in per["busbw_gbps"].items():
            for i, (x, s, _) in enumerate(pts):
                md.append("| " + " | ".join(list(values) + [
                    human_bytes(x), fmt_stat(per["time_us"][values][i][1], 6),
                    fmt_stat(per["algbw_gbps"][values][i][1]), fmt_stat(s)]) + " |")
        md.append("")
        per = {m: {series_label(keys, v): pts for v, pts in d.items()} for m, d in per.items()}
        fig, ax = plotter.plt.subplots(figsize=(7, 4.5))
        plotter.curves(ax, per["busbw_gbps"], "size (bytes)", "busbw (GB/s)", xlog=True)
        ax.legend(fontsize=7)
        ax.set_title(f"{op}: bus bandwidth against size" +
                     (f"\n{', '.join(const)}" if const else ""), fontsize=9)
        name = f"busbw-{op.lower()}"
        plotter.save(fig, name, csv_rows("busbw_gbps", per["busbw_gbps"]))
        md += [f"![{op} busbw]({name}.png) ([data]({name}.csv))", ""]

    # busbw against domain size, for each (op, algo, size) measured at several rank counts
    # (collective-scaling builds each domain as its own system: points are labelled with it).
    scal = defaultdict(list)
    for o in obs:
        if o.metric == "busbw_gbps":
            scal[o.coords["op"]].append(o)
    for op in sorted(scal):
        sel = scal[op]
        keys = ["algo", "bytes"] + [k for k in _drop_redundant(sel, first=["algo", "bytes"])
                                    if k not in ("ranks", "system", "op", "algo", "bytes")]
        series = aggregate(sel, "ranks", keys)
        series = {k: v for k, v in series.items() if len(v) >= 2}
        if not series:
            continue
        system_at = {}
        for o in sel:
            system_at[o.coords["ranks"]] = o.coords["system"]
        fig, ax = plotter.plt.subplots(figsize=(7, 4.5))
        plotter.curves(ax, series, "ranks (domain size)", "busbw (GB/s)")
        for pts in series.values():
            for x, s, _ in pts:
                ax.annotate(system_at[x], (_num(x), s[0]), fontsize=6, xytext=(3, 3),
                            textcoords="offset points")
        ax.legend(fontsize=7)
        ax.set_title(f"{op}: bus bandwidth against domain size")
        md += [f"## {op}: busbw against domain size", "",
               "| series | ranks (system): busbw GB/s |", "|---|---|"]
        for label, pts in series.items():
            md.append(f"| {label} | " + ", ".join(
                f"{x} ({system_at[x]}): {fmt_stat(s)}" for x, s, _ in pts) + " |")
        name = f"scaling-{op.lower()}"
        plotter.save(fig, name, csv_rows("busbw_gbps", series))
        md += ["", f"![{op} scaling]({name}.png) ([data]({name}.csv))", ""]
    return md


def section_superpod_vs_nvlink(res, plotter):
    runs = [r.id for r in res.runs.values()
            if r.program == "superpod-vs-nvlink" and r.id in res.kept]
    if not runs or "metrics" not in res.tables:
        return []
    last = max(runs)
    cur = res.db.execute("SELECT scope, name, value, unit FROM metrics WHERE run_id = ? "
                         "ORDER BY rowid", (last,)).fetchall()
    systems = [s for s in dict.fromkeys(x[0] for x in cur) if s != "claims"]
    names = list(dict.fromkeys(x[1] for x in cur if x[0] != "claims"))
    val = {(x[0], x[1]): (x[2], x[3]) for x in cur}
    md = [f"## superpod-vs-nvlink (run {last}, the newest; {res.seed_text([last])})", "",
          "| metric | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for n in names:
        unit = next((val[(s, n)][1] for s in systems if (s, n) in val), "")
        md.append(f"| {n} ({unit}) | " + " | ".join(
            f"{val[(s, n)][0]:.3g}" if (s, n) in val else "" for s in systems) + " |")
    claims = {x[1]: x for x in cur if x[0] == "claims"}
    claimed = {"cards_ratio_vs_nvl144": "56.8x", "aggregate_bw_ratio_vs_nvl144": "62x"}
    if any(n in claims for n in claimed):
        md += ["", "Huawei's claims for Atlas 950 against NVL144, beside the same ratio against "
               "this module's NVL144-like system:", ""]
        md += [f"- {n}: claim {c}, here {claims[n][2]:.2f}{claims[n][3]}"
               for n, c in claimed.items() if n in claims]
    measured = [x for n, x in claims.items() if n not in claimed]
    if measured:
        against = res.db.execute(
            "SELECT value FROM params WHERE run_id = ? AND name = "
            "'claims_measured_against'", (last,)).fetchone() if "params" in res.tables \
            else None
        md += ["", "Measured in this run against "
               + (f"`{against[0]}`" if against else "the NVLink system it ran")
               + " (no claim names this baseline unless it is NVL144):", ""]
        md += [f"- {x[1]}: {x[2]:.2f}{x[3]}" for x in measured]
    md.append("")
    bars = [n for n in names if "busbw" in n or n == "p2p_write_bw"]
    if bars:
        plt = plotter.plt
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
        rows = [["GB/s", s, n, repr(val[(s, n)][0]), "0", 1, str(last)]
                for s in systems for n in bars if (s, n) in val]
        plotter.save(fig, "superpod-vs-nvlink", rows)
        md += ["![superpod-vs-nvlink](superpod-vs-nvlink.png) "
               "([data](superpod-vs-nvlink.csv))", ""]
    return md


def scoped_obs(res, program, parts, names):
    """Metrics of a program whose scope is parts joined by ':' (e.g. where:op:bytes), each part
    a coordinate, with the runs' varying parameters."""
    runs = {r.id for r in res.runs.values() if r.program == program and r.id in res.kept}
    if not runs or "metrics" not in res.tables:
        return []
    obs = []
    for run_id, scope, name, value, unit in res.db.execute(
            "SELECT run_id, scope, name, value, unit FROM metrics ORDER BY run_id, rowid"):
        if run_id not in runs or name not in names or scope.count(":") != len(parts) - 1:
            continue
        c = res.coords(res.runs[run_id])
        c.update(zip(parts, scope.split(":")))
        obs.append(Obs(run_id, c, name, unit, value))
    return obs


def panels(res, plotter, title, name, obs, x, xlabel, metrics, first, ylog=False, xlog=None):
    """One figure, one panel per metric against x, every other coordinate a series."""
    fig, axs = plotter.plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4.5),
                                    squeeze=False)
    data = []
    keys = [k for k in _drop_redundant(obs, first=first) if k != x]
    for ax, (m, label) in zip(axs[0], metrics):
        series = aggregate([o for o in obs if o.metric == m], x, keys)
        plotter.curves(ax, series, xlabel, label, ylog=ylog, xlog=xlog)
        ax.legend(fontsize=6)
        data += csv_rows(m, series)
    runs = sorted({o.run for o in obs})
    const = _constant(obs, exclude=[x])
    fig.suptitle(f"{title} (runs {', '.join(map(str, runs))}; {res.seed_text(runs)})" +
                 (f"\n{', '.join(const)}" if const else ""), fontsize=9)
    plotter.save(fig, name, data)
    return [f"## {title}", "", f"Runs {', '.join(map(str, runs))}; one curve per "
            f"{', '.join(keys) or 'run'}; mean ± s.d. over seeds where runs repeat.", "",
            f"![{title}]({name}.png) ([data]({name}.csv))", ""]


def section_p2p(res, plotter):
    md = []
    for program, parts in (("ub-memory-latency", ("where", "op", "bytes")),
                           ("p2p-sweep", ("where", "op", "bytes"))):
        obs = scoped_obs(res, program, parts, {"latency", "bandwidth"})
        if obs:
            md += panels(res, plotter, f"{program}: latency and bandwidth against size", program,
                         obs, "bytes", "size (bytes)",
                         [("latency", "latency (us)"), ("bandwidth", "bandwidth (GB/s)")],
                         first=["preset", "op", "where"], ylog=True, xlog=True)
    return md


def curve_table(obs, x, first, header, metrics, rows_of):
    """A Markdown table of curves: one row per (curve, x) of the metric rows_of, one column per
    metric (mean ± s.d. over seeds); header names the x column and the metric columns."""
    keys = [k for k in _drop_redundant(obs, first=first) if k != x]
    per = {m: aggregate([o for o in obs if o.metric == m], x, keys) for m in metrics}
    md = ["| curve | " + " | ".join(header) + " |", "|---|" + "---|" * len(header)]
    for label, pts in per[rows_of].items():
        cols = {m: {xv: s for xv, s, _ in per[m].get(label, [])} for m in metrics}
        for xv, _, _ in pts:
            md.append(f"| {label} | {xv} | " + " | ".join(
                fmt_stat(cols[m][xv]) if xv in cols[m] else "" for m in metrics) + " |")
    return md + [""]


def section_load_latency(res, plotter):
    obs = scoped_obs(res, "ub-load-latency", ("pattern", "load"),
                     {"latency_mean", "latency_p99", "accepted"})
    if not obs:
        return []
    md = panels(res, plotter, "ub-load-latency: latency against offered load", "load-latency",
                obs, "load", "offered load (fraction of each endpoint's links, or of one channel)",
                [("latency_mean", "mean latency (us)"), ("latency_p99", "p99 latency (us)"),
                 ("accepted", "accepted load")], first=["preset", "pattern"], xlog=False)
    return md + curve_table(obs, "load", ["preset", "pattern"], ["load", "accepted", "mean us",
                                                                  "p99 us"],
                            ["accepted", "latency_mean", "latency_p99"], "latency_mean")


def section_moe(res, plotter):
    obs = scoped_obs(res, "moe-dispatch", ("phase", "ep"),
                     {"mean_latency", "max_latency", "mean_rank_bw"})
    if not obs:
        return []
    md = panels(res, plotter, "moe-dispatch: dispatch and combine against EP size", "moe", obs,
                "ep", "expert-parallel ranks",
                [("max_latency", "slowest rank's latency (us)"),
                 ("mean_rank_bw", "mean per-rank bandwidth (GB/s)")],
                first=["preset", "phase"], xlog=True)
    return md + curve_table(obs, "ep", ["preset", "phase"],
                            ["EP ranks", "mean latency us", "max latency us", "mean rank GB/s"],
                            ["mean_latency", "max_latency", "mean_rank_bw"], "max_latency")


def section_ports(res):
    if "ports" not in res.tables:
        return []
    has_scope = any(c[1] == "scope" for c in res.db.execute("PRAGMA table_info(ports)"))
    if not has_scope:
        return []
    ports = res.db.execute("SELECT run_id, scope, count(*), avg(utilization), max(utilization), "
                           "sum(credit_stall_s), sum(drops) FROM ports GROUP BY run_id, scope "
                           "ORDER BY run_id DESC, scope LIMIT 40").fetchall()
    if not ports:
        return []
    md = ["## Ports (links that carried traffic, per simulation; newest runs first)", "",
          "| run | scope | ports | mean utilization | max utilization | "
          "credit stall us (sum) | drops |", "|---|---|---|---|---|---|---|"]
    for p in ports:
        md.append(f"| {p[0]} | {p[1] or '-'} | {p[2]} | {p[3]:.3f} | {p[4]:.3f} | "
                  f"{p[5] * 1e6:.2f} | {p[6]} |")
    return md + [""]


def report(db_path, out, x=None, metrics=None):
    """Writes the report of db_path into out; returns (plots, collective rows, runs)."""
    if not os.path.exists(db_path):
        raise ReportError(f"no results file '{db_path}'; run an experiment first "
                          f"(./ubsim run ub-collectives)")
    if not os.path.isfile(db_path):
        raise ReportError(f"'{db_path}' is a directory, not a results file; name the .db file "
                          f"an experiment wrote (--db)")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ReportError("matplotlib is missing; run the report as './ubsim report' (the "
                          "project's Python environment, made by './ubsim setup --python')")
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise ReportError(f"'{db_path}' is not an ns3-unifiedbus results file ({e})")
    if version > SCHEMA_VERSION:
        raise ReportError(f"'{db_path}' has results schema {version}, newer than the "
                          f"{SCHEMA_VERSION} this report reads; report it with the "
                          f"ns3-unifiedbus that wrote it")
    try:
        res = Results(db)
    except sqlite3.DatabaseError as e:
        if version == 0:
            raise ReportError(f"'{db_path}' is not an ns3-unifiedbus results file ({e})")
        raise ReportError(f"'{db_path}' has a table this report cannot read ({e}); it was "
                          f"changed by hand or written by another program")
    try:
        return write_report(db_path, out, x, metrics, plt, db, version, res)
    except sqlite3.DatabaseError as e:
        raise ReportError(f"'{db_path}' has a table this report cannot read ({e}); it was "
                          f"changed by hand or written by another program")
    except OSError as e:
        raise ReportError(f"cannot write the report to '{out}': "
                          f"{e.strerror or e}; choose a folder you can write with --out")


def write_report(db_path, out, x, metrics, plt, db, version, res):
    """report()'s work once the file is open and checked."""
    rows_total = db.execute("SELECT count(*) FROM collectives").fetchone()[0] \
        if "collectives" in res.tables else 0
    # Everything is drawn in a scratch folder beside out, then moved in: a bad option or a
    # failure half-way leaves out as it was.
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp_out = tempfile.mkdtemp(prefix=".ub-report-", dir=parent)
    plotter = Plotter(tmp_out, plt)
    try:
        superseded = sum(1 for r in res.runs.values() if r.superseded_by)
        md = [f"# ns3-unifiedbus results: `{db_path}`", "",
              f"Schema version {version}; {len(res.runs)} runs" +
              (f" ({superseded} superseded by newer runs with the same parameters and seed)"
               if superseded else "") +
              (f"; {res.failed} failed, left out of the figures" if res.failed else "") +
              ".", ""]
        md += section_runs(res)
        md += section_sweeps(res, plotter, x, metrics)
        md += section_collectives(res, plotter, rows_total)
        md += section_superpod_vs_nvlink(res, plotter)
        md += section_p2p(res, plotter)
        md += section_load_latency(res, plotter)
        md += section_moe(res, plotter)
        md += section_ports(res)
        with open(os.path.join(tmp_out, "report.md"), "w") as f:
            f.write("\n".join(md) + "\n")
    except BaseException:
        shutil.rmtree(tmp_out, ignore_errors=True)
        raise
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(tmp_out)):
        os.replace(os.path.join(tmp_out, name), os.path.join(out, name))
    os.rmdir(tmp_out)
    return plotter.count, rows_total, len(res.runs)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="ubsim report",
                                 description="ns3-unifiedbus results -> Markdown, PNG and CSV")
    ap.add_argument("db", nargs="?", default="results/ubsim.db")
    ap.add_argument("--out", default="results/report",
                    help="folder to write (replaced as a whole; default results/report)")
    ap.add_argument("--x", help="swept parameter to plot against (default: each of them)")
    ap.add_argument("--metric", action="append",
                    help="metric to plot in the sweep sections (repeatable; a metrics-table "
                         "name or busbw_gbps, algbw_gbps, time_us; default: the run-level ones)")
    a = ap.parse_args(argv)
    try:
        plots, rows, runs = report(a.db, a.out, a.x, a.metric)
    except ReportError as e:
        print(f"ub_report: {e}", file=sys.stderr)
        return 2
    print(f"report: {os.path.join(a.out, 'report.md')} ({plots} plots, {rows} collective "
          f"rows, {runs} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
