#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""fuzz-coverage.py KMOD_DIR LOG...: what share of lkport's code a fuzz run reached.

KMOD_DIR is the module's build tree for the KCOV kernel (build/kmod/KREL:
lkport.ko and the objects it was linked from); each LOG a console log of a
lkport_fuzz run on that kernel, whose "kcov-pcs SECTION OFFSET..." lines
list every module PC KCOV reported. The denominator is the module's
instrumented call sites: each call to __sanitizer_cov_trace_pc in the
.ko's text (one per basic block the compiler instrumented), whose return
address is what KCOV records. Init and exit code, which no ioctl reaches,
is left out of both. Prints the total, then per directory and per file.
"""
import collections
import os
import re
import subprocess
import sys

SKIP_SECTIONS = re.compile(r"^\.(init|exit)\.|^\.text\.(exit|startup)$")


def call_sites(ko):
    """({site: function}, {return address: callee}) for every trace_pc call.

    A site is (section, return offset) of a call to __sanitizer_cov_trace_pc.
    Where the compiler made that call a tail call (jmp), KCOV records the
    return address in the caller instead: such a site is ("tail", function),
    and a return address after a call to that function stands for it."""
    out = subprocess.run(["objdump", "-dr", "--no-show-raw-insn", ko], check=True,
                         capture_output=True, text=True).stdout
    sites, calls, section, func, insn = {}, {}, None, None, ""
    for line in out.splitlines():
        m = re.match(r"^Disassembly of section (\S+):", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:", line)
        if m:
            func = m.group(1)
            continue
        m = re.match(r"^\s+([0-9a-f]+): R_X86_64_(?:PLT32|PC32)\s+([^+\s-]+)", line)
        if m:
            if not section or SKIP_SECTIONS.search(section):
                continue
            ret = (section, int(m.group(1), 16) + 4)
            is_jmp = re.search(r"\sjmp\s", insn) is not None
            if m.group(2) == "__sanitizer_cov_trace_pc":
                sites[("tail", func) if is_jmp else ret] = func
            elif not is_jmp:
                calls[ret] = m.group(2)
            continue
        if re.match(r"^\s+[0-9a-f]+:\t", line):
            insn = line
    return sites, calls


def function_files(kmod):
    """{function: source file} from the symbols each object defines."""
    files = {}
    for root, _, names in os.walk(kmod):
        for n in sorted(names):
            if not n.endswith(".o") or n.endswith(".mod.o") or n == "lkport.o":
                continue
            path = os.path.join(root, n)
            rel = os.path.relpath(path, kmod)
            out = subprocess.run(["nm", "--defined-only", path], capture_output=True,
                                 text=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in "tTwW":
                    files.setdefault(parts[2], rel[:-2])
    return files


def hits(logs):
    got = set()
    for log in logs:
        with open(log, "rb") as f:
            for raw in f:
                line = raw.decode("latin-1")
                m = re.search(r"kcov-pcs (\S+)((?: [0-9a-f]+)+)\s*$", line)
                if m:
                    for off in m.group(2).split():
                        got.add((m.group(1), int(off, 16)))
    return got


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    kmod, logs = sys.argv[1], sys.argv[2:]
    sites, calls = call_sites(os.path.join(kmod, "lkport.ko"))
    files = function_files(kmod)
    got = set()
    for pc in hits(logs):
        tail = ("tail", calls.get(pc))
        got.add(pc if pc in sites or tail not in sites else tail)
    if not got:
        print("coverage: no kcov-pcs lines in %s (not a KCOV kernel?)" % " ".join(logs))
        return 1
    reached = got & set(sites)
    stray = len(got - set(sites))
    per_file = collections.defaultdict(lambda: [0, 0])
    for key, func in sites.items():
        f = files.get(func, "?")
        per_file[f][1] += 1
        if key in reached:
            per_file[f][0] += 1
    per_dir = collections.defaultdict(lambda: [0, 0])
    for f, (h, s) in per_file.items():
        d = os.path.dirname(f) or "?"
        per_dir[d][0] += h
        per_dir[d][1] += s

    def pct(h, s):
        return 100.0 * h / s if s else 0.0

    print("coverage of module/: %d of %d instrumented call sites (%.1f%%) reached"
          % (len(reached), len(sites), pct(len(reached), len(sites))))
    if stray:
        print("  (%d reported PCs are no module call site: return addresses of calls into"
              " the kernel's own instrumented code, e.g. kfree, which KCOV also reports)" % stray)
    for d in sorted(per_dir):
        h, s = per_dir[d]
        print("  %-14s %5d / %5d  %5.1f%%" % (d, h, s, pct(h, s)))
    for f in sorted(per_file):
        h, s = per_file[f]
        print("    %-24s %5d / %5d  %5.1f%%" % (f, h, s, pct(h, s)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
