#!/usr/bin/env python3
"""A topology built in Python, routed and checked for deadlock, then run.

    ./ubsim python contrib/unifiedbus/examples/python/custom_topology.py [--rows=3] [--cols=3]

A 2D full mesh of NPUs that forward for each other (every NPU linked to every other NPU of its
row and of its column, as in UB-Mesh), routed on shortest paths, which take both orders (row
first or column first): with every hop on one VL the channel-dependency graph has a cycle (the
check names it); with the final hop on VL 1 (FINAL_HOP_VL1) the cycle is gone, and the mesh is
built into ns-3 and carries a Write corner to corner.
"""
import argparse

import unifiedbus as ub


def full_mesh_2d(ns3, rows, cols):
    t = ns3.UbTopology()
    for r in range(rows):
        for c in range(cols):
            t.AddNode(f"npu{r * cols + c}", ns3.UbTopology.NPU, True)
    for r in range(rows):
        for c in range(cols):
            for c2 in range(c + 1, cols):
                t.AddLink(r * cols + c, r * cols + c2)
    for c in range(cols):
        for r in range(rows):
            for r2 in range(r + 1, rows):
                t.AddLink(r * cols + c, r2 * cols + c)
    return t


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=3)
    p.add_argument("--cols", type=int, default=3)
    a = p.parse_args()
    if a.rows < 2 or a.cols < 2:
        raise SystemExit("custom_topology: --rows and --cols must be at least 2")
    ns3 = ub.load()
    t = full_mesh_2d(ns3, a.rows, a.cols)
    R = ns3.UbTopologyRouting
    for policy in (R.VL_FROM_SL, R.FINAL_HOP_VL1):
        routes = R.ShortestPaths(t, policy)
        rep = R.CheckDeadlock(t, routes)
        name = "one VL" if policy == R.VL_FROM_SL else "final hop on VL 1"
        verdict = "deadlock-free" if rep.deadlockFree else "cycle: " + " -> ".join(str(c) for c in rep.cycle)
        print(f"{name:>18}: {rep.vlsUsed} VL(s), {rep.dependencies} dependencies, {verdict}")
    th = ns3.UbTopologyHelper()
    th.SetVlPolicy(R.FINAL_HOP_VL1)
    th.Build(t)
    src = th.GetNode("npu0").GetObject[ns3.UbController]()
    far = a.rows * a.cols - 1
    dst = th.GetNode(f"npu{far}").GetObject[ns3.UbController]().GetCna()
    out = []
    done = ub.callback("void(const ns3::UbTransactionRecord&)",
                       lambda r: out.append(ub.ps(r.completed) - ub.ps(r.issued)))
    ub.schedule(ns3.MicroSeconds(1), lambda: src.Write(dst, 65536, ns3.UbOrder.NO, done))
    ns3.Simulator.Run()
    ub.reset()
    print(f"64-KiB Write npu0 -> npu{far} (2 hops): {out[0] / 1e6:.3f} us")


if __name__ == "__main__":
    main()
