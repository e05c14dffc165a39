#!/usr/bin/env python3
"""A Python function on every port's CreditStall trace: stalls per port under incast.

    ./ubsim python contrib/unifiedbus/examples/python/credit_stalls.py [--senders=8] [--bytes=262144]

Eight endpoints on one switch Write to endpoint 0 at once with small receive buffers, so the
switch's port toward endpoint 0 runs out of credits. A Python sink on each device's CreditStall
trace (VL, stalled) counts the stalls that begin on each port; the device's own stall-time
counter is printed beside it.
"""
import argparse

import unifiedbus as ub


def run(ns3, senders, nbytes, buffer_cells):
    n = ns3.NodeContainer()
    n.Create(senders + 2)  # endpoints 0 .. senders, then the switch
    sw = senders + 1
    h = ns3.UbHelper()
    h.SetDeviceAttribute("VlBufferCells", ns3.StringValue(str(buffer_cells)))
    for e in range(senders + 1):
        h.Install(n.Get(e), n.Get(sw))
    ns3.UbRoutingHelper.PopulateShortestPaths(n)
    ctl = ns3.UbControllerHelper()
    for e in range(senders + 1):
        ctl.Install(n.Get(e))
    stalls = {}
    ports = []
    for key, dev in ub.ub_devices(n):
        stalls[key] = 0
        ports.append((key, dev))

        def sink(vl, stalled, key=key):
            if stalled:
                stalls[key] += 1

        ub.connect(dev, "CreditStall", "void(uint8_t, bool)", sink)
    for e in range(1, senders + 1):
        c = n.Get(e).GetObject[ns3.UbController]()
        ub.schedule(ns3.MicroSeconds(1), lambda c=c: c.Write(0, nbytes, ns3.UbOrder.NO))
    ns3.Simulator.Run()
    rows = [(key, stalls[key], ub.ps(dev.GetCreditStallTime(0)) / 1e6) for key, dev in ports]
    ub.reset()
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--senders", type=int, default=8)
    p.add_argument("--bytes", type=int, default=262144, help="bytes each sender writes")
    p.add_argument("--bufferCells", type=int, default=64, help="receive buffer cells per VL")
    a = p.parse_args()
    if a.senders < 1:
        raise SystemExit("credit_stalls: --senders must be at least 1")
    ns3 = ub.load()
    rows = run(ns3, a.senders, a.bytes, a.bufferCells)
    print(f"{'node':>5} {'port':>5} {'stalls':>7} {'stalled us (VL 0)':>18}")
    for (node, port), count, us in rows:
        if count:
            print(f"{node:>5} {port:>5} {count:>7} {us:>18.3f}")
    print(f"ports that stalled: {sum(1 for r in rows if r[1])} of {len(rows)}")


if __name__ == "__main__":
    main()
