#!/usr/bin/env python3
"""Print the figures of ub-bench runs of two builds side by side (./ubsim bench --against).

    bench-compare.py <ref label> <new label> ref-1.txt new-1.txt ref-2.txt new-2.txt ...

Files alternate ref, new (the runs were interleaved so that both builds see the same machine).
For each scenario: the median packet-hops per second of each build with its range, the ratio of
the medians, and events per packet-hop (the same in every run of a build); then the idle-port
bytes. Columns are found by the scenario names, so builds whose bench has fewer rows compare on
the rows they share.
"""
import re
import statistics
import sys

ROW = re.compile(r"^(\S.*?)\s{2,}(\d+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s*$")
IDLE = re.compile(r"^idle UB switch node, (\d+) ports: (\d+) B measured \((\d+) B per port\), (\d+) B")


def parse(path):
    rows, idle = {}, {}
    with open(path) as f:
        for line in f:
            m = ROW.match(line.rstrip("\n"))
            if m and m.group(1) != "scenario":
                rows[m.group(1).strip()] = (float(m.group(2)), float(m.group(3)))
            m = IDLE.match(line)
            if m:
                idle[int(m.group(1))] = (int(m.group(3)), int(m.group(4)) // int(m.group(1)))
    return rows, idle


def main():
    if len(sys.argv) < 5 or (len(sys.argv) - 3) % 2:
        sys.exit("usage: bench-compare.py <ref label> <new label> ref-1 new-1 [ref-2 new-2 ...]")
    ref_label, new_label = sys.argv[1], sys.argv[2]
    files = sys.argv[3:]
    ref = [parse(p) for p in files[0::2]]
    new = [parse(p) for p in files[1::2]]
    names = [n for n in new[0][0] if all(n in r[0] for r in ref)]
    only_new = [n for n in new[0][0] if n not in names]
    w = max(len(n) for n in names + only_new)
    print(f"{len(ref)} runs each, interleaved; packet-hops per wall-clock second, median [min - max]")
    print(f"{'scenario':<{w}}  {ref_label:>29}  {new_label:>29}  {'new/ref':>7}  {'events/hop ref -> new':>22}")

    def cell(vals):
        return f"{statistics.median(vals):>11,.0f} [{min(vals):>7,.0f} - {max(vals):>7,.0f}]"

    for n in names + only_new:
        nv = [r[0][n][0] for r in new]
        ne = new[0][0][n][1]
        if n in names:
            rv = [r[0][n][0] for r in ref]
            re_ = ref[0][0][n][1]
            ratio = statistics.median(nv) / statistics.median(rv)
            print(f"{n:<{w}}  {cell(rv):>29}  {cell(nv):>29}  {ratio:>7.3f}  {re_:>9.2f} -> {ne:<9.2f}")
        else:
            print(f"{n:<{w}}  {'(not in ' + ref_label + ')':>29}  {cell(nv):>29}  {'':>7}  {'':>9}    {ne:<9.2f}")
    for ports in sorted(new[0][1]):
        if ports in ref[0][1]:
            print(f"idle port ({ports}-port switch): {ref[0][1][ports][0]} B measured, "
                  f"{ref[0][1][ports][1]} B estimated at {ref_label}; {new[0][1][ports][0]} B, "
                  f"{new[0][1][ports][1]} B here")


if __name__ == "__main__":
    main()
