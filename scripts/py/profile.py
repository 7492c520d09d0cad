#!/usr/bin/env python3
"""Instructions and entries per call by kernel function, from scripts/profile's block counts.

profile.py --calls N [--top N] KERNEL=SYSTEM_MAP,ROW_COUNTS,REF_COUNTS...

Each counts file has lines 'VADDR INSNS EXECUTIONS' (scripts/qemu/insncount.c). A block is
charged to the kernel text symbol at or below its start; blocks outside the kernel's text
are user space. The row's boot minus the reference boot, divided by N, per function; and
how often each function was entered per call: the executions of the block at its first byte.
"""
import argparse
import bisect
import sys


def text_symbols(path):
    """Sorted (address, name) of the text symbols of a System.map."""
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "TtWw":
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    end = [a for a, n in syms if n == "_etext"]
    return syms, (end[0] if end else syms[-1][0])


def by_function(counts_path, syms, etext):
    """Instructions by function, and entries: executions of the block at its first byte."""
    addrs = [a for a, _ in syms]
    total, entries = {}, {}
    with open(counts_path) as f:
        for line in f:
            vaddr, insns, execs = line.split()
            v = int(vaddr, 16)
            n = int(insns) * int(execs)
            i = bisect.bisect_right(addrs, v) - 1
            if i < 0 or v >= etext:
                name = "[user]" if v < (1 << 63) else "[other kernel]"
            else:
                name = syms[i][1]
                if syms[i][0] == v:
                    entries[name] = entries.get(name, 0) + int(execs)
            total[name] = total.get(name, 0) + n
    return total, entries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, required=True)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("kernels", nargs="+")
    args = ap.parse_args()

    names, per, calls = [], {}, {}
    for spec in args.kernels:
        name, files = spec.split("=", 1)
        smap, row, ref = files.split(",")
        syms, etext = text_symbols(smap)
        a, ea = by_function(row, syms, etext)
        b, eb = by_function(ref, syms, etext)
        per[name] = {f: (a.get(f, 0) - b.get(f, 0)) / args.calls for f in set(a) | set(b)}
        calls[name] = {f: (ea.get(f, 0) - eb.get(f, 0)) / args.calls for f in set(ea) | set(eb)}
        names.append(name)

    funcs = set().union(*(per[n] for n in names))
    kernel = [f for f in funcs if f != "[user]"]
    order = sorted(kernel, key=lambda f: -max(abs(per[n].get(f, 0)) for n in names))
    shown = order[: args.top]
    width = max([len(f) for f in shown] + [24])

    def row(label, vals, fmt="{:>12,.0f}"):
        cells = "".join(fmt.format(v) for v in vals)
        return f"{label:<{width}}{cells}"

    print(f"instructions per call, over {args.calls:,} calls (row boot minus reference boot)")
    print(f"{'function':<{width}}" + "".join(f"{n:>12}" for n in names)
          + ("        diff" if len(names) == 2 else ""))
    for f in shown:
        vals = [per[n].get(f, 0) for n in names]
        if len(names) == 2:
            vals.append(vals[1] - vals[0])
        print(row(f, vals))
    rest = [sum(per[n].get(f, 0) for f in order[args.top:]) for n in names]
    tot = [sum(per[n].get(f, 0) for f in kernel) for n in names]
    usr = [per[n].get("[user]", 0) for n in names]
    for label, vals in (("(other functions)", rest), ("kernel, all", tot), ("user", usr)):
        if len(names) == 2:
            vals = vals + [vals[1] - vals[0]]
        print(row(label, vals))
    # A function entered other than at its first byte (a jump into it) is not counted.
    print()
    print("entries per call of the same functions (executions of their first block)")
    for f in shown:
        vals = [calls[n].get(f, 0) for n in names]
        if any(vals):
            print(row(f, vals, "{:>12,.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
