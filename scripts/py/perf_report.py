"""Tabulate 'perf bench timer' runs of scripts/guest/perf-bench on several kernels.

    perf_report.py KERNEL=TAPLOG...

A KERNEL may come more than once (one log per boot). Each run starts with a line
'perf-bench: SUITE OPTIONS...'; its summary lines are perf's:
    Averaged 123 creates/sec (+- 1.20%), total secs = 2
    timer_gettime()                405.2 ns/call (+- 0.12%)
    Not supported: why
Per run and value, the table gives each kernel's mean over its boots, perf's +- (of the
first boot: perf's standard error of the mean over workers or --repeat runs, relative to the
mean), the range over boots when there are several, and the ratio of the second kernel's
mean to the first's, in a column named after them (B/A).
"""
import re
import sys

RUN = re.compile(r"^(?:# )?perf-bench: (?!FAILED)(?!no memory)(.*)$")
AVERAGED = re.compile(r"^(?:# )?Averaged ([\d.]+) (\S+) \(\+- ([\d.]+)%\)")
VALUE = re.compile(r"^(?:# )?(\S.*?):?\s+([\d.]+) (\S+) \(\+- ([\d.]+)%\)\s*$")
UNSUPPORTED = re.compile(r"^(?:# )?Not supported: (.*)$")


def parse(path):
    """{(run, value): (number, relative standard error) or reason string} of one log"""
    out = {}
    run = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = RUN.match(line)
            if m:
                run = m.group(1)
                continue
            if run is None:
                continue
            m = AVERAGED.match(line)
            if m:
                out[(run, m.group(2))] = (float(m.group(1)), float(m.group(3)))
                continue
            m = VALUE.match(line)
            if m and "[" not in m.group(1):
                out[(run, f"{m.group(1)} {m.group(3)}")] = (float(m.group(2)),
                                                            float(m.group(4)))
                continue
            m = UNSUPPORTED.match(line)
            if m:
                out[(run, "not supported")] = m.group(1)
    return out


def main(args):
    per_kernel = {}
    for arg in args:
        kernel, _, path = arg.partition("=")
        per_kernel.setdefault(kernel, []).append(parse(path))
    keys = {}
    for boots in per_kernel.values():
        for boot in boots:
            for k in boot:
                keys[k] = True
    kernels = list(per_kernel)
    head = ["run", "value"] + kernels + ([f"{kernels[1]}/{kernels[0]}"] if len(kernels) == 2 else [])
    rows = [head]
    for key in keys:
        cells = [key[0], key[1]]
        means = []
        for k in kernels:
            vals = [b[key] for b in per_kernel[k] if key in b]
            if not vals:
                cells.append("-")
                means.append(None)
            elif isinstance(vals[0], str):
                cells.append(vals[0])
                means.append(None)
            else:
                nums = [v[0] for v in vals]
                mean = sum(nums) / len(nums)
                cell = f"{mean:.1f} (+- {vals[0][1]:.2f}%)"
                if len(nums) > 1:
                    cell += f" {min(nums):.1f}..{max(nums):.1f} n={len(nums)}"
                cells.append(cell)
                means.append(mean)
        if len(kernels) == 2:
            a, b = means
            cells.append(f"{b / a:.2f}" if a and b is not None else "-")
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


if __name__ == "__main__":
    main(sys.argv[1:])
