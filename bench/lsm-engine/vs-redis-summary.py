#!/usr/bin/env python3
"""Medians of vs-redis-alternated.sh's runs: per tree, each test's ratio, the geomean
and the main-thread ticks, with each test's min-max. usage: vs-redis-summary.py OUTDIR"""
import collections, glob, math, os, re, statistics, sys

out = sys.argv[1]
trees = [line.split(" ", 1)[1].split(":")[0] for line in open(os.path.join(out, "trees.txt"))]
ratios = collections.defaultdict(lambda: collections.defaultdict(list))
order = []
for path in sorted(glob.glob(os.path.join(out, "run-*-*.txt"))):
    index = int(re.search(r"run-\d+-(\d+)\.txt$", path).group(1))
    for line in open(path):
        m = re.match(r"(\S+)\s+under-test=.*ratio=([\d.]+)", line)
        if m:
            test = m.group(1).split(" ")[0].split("(")[0]
            if test not in order: order.append(test)
            ratios[index][test].append(float(m.group(2)))
        elif line.startswith("geomean ratio"):
            ratios[index]["geomean"].append(float(line.split()[-1]))
        elif line.startswith("main-thread ticks"):
            ratios[index]["ticks"].append(float(line.split()[-1]))
cols = order + ["geomean", "ticks"]
print("tree".ljust(40) + "runs " + " ".join(c[:9].rjust(9) for c in cols))
for i, tree in enumerate(trees):
    r = ratios[i]
    med = [statistics.median(r[c]) if r[c] else math.nan for c in cols]
    print(tree[-40:].ljust(40) + str(len(r["geomean"])).rjust(4) + " " +
          " ".join((f"{m:9.0f}" if c == "ticks" else f"{m:9.2f}") for c, m in zip(cols, med)))
    print("".ljust(45) + " ".join(
        (f"{min(r[c]):.2f}-{max(r[c]):.2f}".rjust(9) if r[c] and c != "ticks" else "".rjust(9)) for c in cols))
