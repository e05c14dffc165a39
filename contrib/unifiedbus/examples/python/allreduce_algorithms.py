#!/usr/bin/env python3
"""AllReduce across algorithms on a UB-Mesh SuperPoD, from Python; busbw against size, plotted.

    ./ubsim python contrib/unifiedbus/examples/python/allreduce_algorithms.py [--ranks=64]
        [--algos=ring,hd,tree,multiring] [--sizes=65536,1048576,16777216] [--plot=FILE.png]

Each point runs UbExperiment::RunCollective (the same call ub-collectives makes) on the
ubmesh-ub2 preset's first ranks. Prints a table and writes a PNG of busbw against size with one
line per algorithm.
"""
import argparse

import unifiedbus as ub

ALGOS = {"ring": "RING", "hd": "HALVING_DOUBLING", "tree": "DOUBLE_TREE",
         "multiring": "MULTI_RING"}


def sweep(ns3, preset, ranks, algos, sizes):
    rows = []
    for name in algos:
        algo = getattr(ns3.UbCollectiveAlgo, ALGOS[name])
        for nbytes in sizes:
            r = ns3.UbExperiment.RunCollective(preset, 0, ranks, ns3.UbCollectiveOp.ALL_REDUCE,
                                               algo, nbytes)
            rows.append({"algo": name, "bytes": nbytes, "time_us": r.Seconds() * 1e6,
                         "busbw": r.BusBw()})
    return rows


def plot(rows, algos, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in algos:
        pts = [(r["bytes"], r["busbw"]) for r in rows if r["algo"] == name]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("AllReduce size (bytes)")
    ax.set_ylabel("busbw (GB/s)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", default="ubmesh-ub2")
    p.add_argument("--ranks", type=int, default=64)
    p.add_argument("--algos", default="ring,hd,tree,multiring",
                   help=f"comma-separated, of {', '.join(ALGOS)}")
    p.add_argument("--sizes", default="65536,1048576,16777216", help="bytes, comma-separated")
    p.add_argument("--plot", default="results/allreduce-algorithms.png")
    a = p.parse_args()
    algos = a.algos.split(",")
    unknown = [x for x in algos if x not in ALGOS]
    if unknown:
        raise SystemExit(f"allreduce_algorithms: unknown --algos {','.join(unknown)}; "
                         f"use {', '.join(ALGOS)}")
    try:
        sizes = [int(s) for s in a.sizes.split(",")]
    except ValueError:
        raise SystemExit(f"allreduce_algorithms: --sizes={a.sizes} is not a list of integers")
    ns3 = ub.load()
    rows = sweep(ns3, a.preset, a.ranks, algos, sizes)
    print(f"{'algo':>10} {'bytes':>10} {'time us':>10} {'busbw GB/s':>11}")
    for r in rows:
        print(f"{r['algo']:>10} {r['bytes']:>10} {r['time_us']:>10.2f} {r['busbw']:>11.2f}")
    import os
    os.makedirs(os.path.dirname(a.plot) or ".", exist_ok=True)
    plot(rows, algos, a.plot, f"AllReduce, {a.ranks} ranks of {a.preset}")
    print(f"plot: {a.plot}")


if __name__ == "__main__":
    main()
