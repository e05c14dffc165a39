#!/usr/bin/env python3
"""Point-to-point Write latency and bandwidth on a preset system, from Python, in-process.

    ./ubsim python contrib/unifiedbus/examples/python/p2p_write_sweep.py [--preset=ascend950-ub2]
        [--npus=128] [--sizes=64,4096,65536,1048576,16777216]

Builds the preset's system (UbTopologyHelper::BuildPreset), then for each size issues one Write
from endpoint 0 to the last endpoint on an idle fabric and prints its latency and bandwidth.
The results come back as Python objects (a list of dicts) for further use.
"""
import argparse

import unifiedbus as ub


def write_sweep(ns3, preset, npus, sizes):
    """One Write per size, each on a freshly built system; returns a list of dicts."""
    rows = []
    for nbytes in sizes:
        sys_ = ns3.UbTopologyHelper()
        sys_.BuildPreset(preset, npus)
        eps = sys_.GetEndpoints()
        a = eps.Get(0).GetObject[ns3.UbController]()
        dst = eps.Get(eps.GetN() - 1).GetObject[ns3.UbController]().GetCna()
        out = []
        done = ub.callback("void(const ns3::UbTransactionRecord&)",
                           lambda r: out.append((r.ok, ub.ps(r.completed) - ub.ps(r.issued))))
        ub.schedule(ns3.MicroSeconds(1), lambda: a.Write(dst, nbytes, ns3.UbOrder.NO, done))
        ns3.Simulator.Run()
        ub.reset()
        if len(out) != 1 or not out[0][0]:
            raise SystemExit(f"p2p_write_sweep: the Write of {nbytes} B did not complete")
        ps = out[0][1]
        rows.append({"preset": preset, "endpoints": eps.GetN(), "bytes": nbytes,
                     "latency_us": ps / 1e6, "gbytes_per_s": nbytes / (ps * 1e-12) / 1e9})
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--preset", default="ascend950-ub2")
    p.add_argument("--npus", type=int, default=128, help="endpoints to build (0: the preset's)")
    p.add_argument("--sizes", default="64,4096,65536,1048576,16777216",
                   help="Write sizes in bytes, comma-separated")
    a = p.parse_args()
    try:
        sizes = [int(s) for s in a.sizes.split(",")]
    except ValueError:
        raise SystemExit(f"p2p_write_sweep: --sizes={a.sizes} is not a list of integers")
    ns3 = ub.load()
    rows = write_sweep(ns3, a.preset, a.npus, sizes)
    print(f"{'bytes':>10} {'latency us':>11} {'GB/s':>8}   ({a.preset}, endpoint 0 -> last)")
    for r in rows:
        print(f"{r['bytes']:>10} {r['latency_us']:>11.3f} {r['gbytes_per_s']:>8.1f}")


if __name__ == "__main__":
    main()
