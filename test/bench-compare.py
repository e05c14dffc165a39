#!/usr/bin/env python3
"""Print the figures of ub-bench runs of two builds side by side (./ubsim bench --against).

    bench-compare.py [--paired] <ref label> <new label> ref-1.txt new-1.txt ref-2.txt new-2.txt ...

Files alternate ref, new (the runs were interleaved so that both builds see the same machine;
with --paired, each ref/new pair ran at the same time, one core each). For each scenario: the
median packet-hops per second of each build with its range, the ratio of the medians, with
--paired also the median and range of the ratio within each pair (the steadier figure: a slow
moment of the machine slows both runs of a pair), and events per packet-hop (the same in every
run of a build); then the idle-port bytes. Columns are found by the scenario names, so builds whose bench has fewer rows compare on
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


COLLECTED = re.compile(r"Collected : ([\d ]+)$")
# callgrind's event order with --cache-sim=yes --branch-sim=yes
EVENTS = "Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim".split()


def callgrind(hops, ref_label, new_label, ref_err, new_err):
    """Per packet-hop figures from two callgrind runs' reports (their stderr)."""

    def load(path):
        with open(path) as f:
            for line in f:
                m = COLLECTED.search(line.strip())
                if m:
                    return dict(zip(EVENTS, (int(x) for x in m.group(1).split())))
        sys.exit(f"bench-compare: no 'Collected' line in {path}; did callgrind run?")

    def figures(e):
        l1 = e["I1mr"] + e["D1mr"] + e["D1mw"]
        ll = e["ILmr"] + e["DLmr"] + e["DLmw"]
        bm = e["Bcm"] + e["Bim"]
        # KCachegrind's cycle estimate: Ir + 10 Bm + 10 L1m + 100 LLm
        return {"instructions": e["Ir"], "L1 misses": l1, "mispredicted branches": bm,
                "estimated cycles": e["Ir"] + 10 * bm + 10 * l1 + 100 * ll}

    r, n = figures(load(ref_err)), figures(load(new_err))
    print(f"per UB packet-hop under callgrind (both UB scenarios, set-up included, {hops:,} hops)")
    print(f"{'':<24}{ref_label:>12}{new_label:>12}  new/ref")
    for k in r:
        ratio = n[k] / r[k] if r[k] else float("nan")
        print(f"{k:<24}{r[k] / hops:>12.1f}{n[k] / hops:>12.1f}  {ratio:.3f}")


def main():
    args = sys.argv[1:]
    if args and args[0].startswith("--callgrind="):
        if len(args) != 5:
            sys.exit("usage: bench-compare.py --callgrind=<hops> <ref label> <new label> ref.err new.err")
        callgrind(int(args[0].split("=", 1)[1]), *args[1:])
        return
    paired = bool(args) and args[0] == "--paired"
    if paired:
        args = args[1:]
    if len(args) < 4 or (len(args) - 2) % 2:
        sys.exit("usage: bench-compare.py [--paired] <ref label> <new label> ref-1 new-1 [ref-2 new-2 ...]")
    ref_label, new_label = args[0], args[1]
    files = args[2:]
    ref = [parse(p) for p in files[0::2]]
    new = [parse(p) for p in files[1::2]]
    names = [n for n in new[0][0] if all(n in r[0] for r in ref)]
    only_new = [n for n in new[0][0] if n not in names]
    w = max(len(n) for n in names + only_new)
    how = "in pairs run at the same time, one core each" if paired else "interleaved"
    print(f"{len(ref)} runs each, {how}; packet-hops per wall-clock second, median [min - max]")
    pair_head = f"  {'new/ref within pairs':>22}" if paired else ""
    print(f"{'scenario':<{w}}  {ref_label:>29}  {new_label:>29}  {'new/ref':>7}{pair_head}"
          f"  {'events/hop ref -> new':>22}")

    def cell(vals):
        return f"{statistics.median(vals):>11,.0f} [{min(vals):>7,.0f} - {max(vals):>7,.0f}]"

    for n in names + only_new:
        nv = [r[0][n][0] for r in new]
        ne = new[0][0][n][1]
        if n in names:
            rv = [r[0][n][0] for r in ref]
            re_ = ref[0][0][n][1]
            ratio = statistics.median(nv) / statistics.median(rv)
            pair = ""
            if paired:
                pr = [a / b for a, b in zip(nv, rv) if b > 0]
                pair = f"  {statistics.median(pr):>5.3f} [{min(pr):.3f} - {max(pr):.3f}]"
            print(f"{n:<{w}}  {cell(rv):>29}  {cell(nv):>29}  {ratio:>7.3f}{pair}"
                  f"  {re_:>9.2f} -> {ne:<9.2f}")
        else:
            pad = f"  {'':>22}" if paired else ""
            print(f"{n:<{w}}  {'(not in ' + ref_label + ')':>29}  {cell(nv):>29}  {'':>7}{pad}"
                  f"  {'':>9}    {ne:<9.2f}")
    for ports in sorted(new[0][1]):
        if ports in ref[0][1]:
            print(f"idle port ({ports}-port switch): {ref[0][1][ports][0]} B measured, "
                  f"{ref[0][1][ports][1]} B estimated at {ref_label}; {new[0][1][ports][0]} B, "
                  f"{new[0][1][ports][1]} B here")


if __name__ == "__main__":
    main()
