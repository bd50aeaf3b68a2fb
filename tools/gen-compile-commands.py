#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes compile_commands.json for clangd, clang-tidy and friends.

    gen-compile-commands.py --root ROOT --kbuild BUILD_DIR --kdir KDIR
        [--host-compile "CXX FLAGS..." --host-objdir DIR SRC...] [-o OUT]

Module objects: every .<obj>.o.cmd that Kbuild wrote under BUILD_DIR (the
tree of symlinks `make modules-vm` builds in, build/kmod/<krel>), C glue
and C++ core alike. Kbuild runs the compiler in KDIR, so that is the entry's
directory. Paths into BUILD_DIR are mapped back to ROOT so that the tools
open the real sources; only the commands' outputs stay in BUILD_DIR.

The module is built by gcc, and clang rejects some of gcc's code generation
options and warns about warning options it does not know (an error under
the C++ core's -Werror): options of the form -f*, -m*, -W* that clang does
not accept are dropped (each is tried once against CLANG, default clang).

Host test objects: SRC... compiled as "CXX FLAGS... -c -o OBJ SRC", OBJ
under DIR as host.mk places them. A file built both ways (the core's .cpp)
gets both entries, the kernel's first.
"""
import argparse
import glob
import json
import os
import re
import shlex
import subprocess
import sys

CMD_RE = re.compile(r'^(?:saved)?cmd_(\S+)\s*:=\s*(.*)$')


def kbuild_entries(root, kbuild, kdir):
    kbuild = os.path.abspath(kbuild).rstrip('/') + '/'
    root = os.path.abspath(root).rstrip('/') + '/'
    entries = []
    for cmdfile in sorted(glob.glob(os.path.join(kbuild, '**', '.*.o.cmd'), recursive=True)):
        command = None
        with open(cmdfile, encoding='utf-8', errors='replace') as f:
            for line in f:
                m = CMD_RE.match(line.rstrip('\n'))
                if m:
                    command = m.group(2)
                    break
        if not command:
            continue
        # The compile comes first; objtool and check-cxx-object.sh follow.
        command = command.split(' ; ')[0]
        try:
            args = shlex.split(command)
        except ValueError as e:
            print(f'{cmdfile}: cannot parse: {e}', file=sys.stderr)
            continue
        srcs = [a for a in args if a.endswith(('.c', '.cpp')) and not a.startswith('-')]
        if len(srcs) != 1 or not srcs[0].startswith(kbuild):
            continue   # the .mod.c, and anything not of lkport's own tree
        src = root + srcs[0][len(kbuild):]
        if not os.path.exists(src):
            continue
        out = []
        for a in args:
            if a == srcs[0]:
                a = src
            elif a.startswith('-I' + kbuild):
                a = '-I' + root + a[len('-I' + kbuild):]
            out.append(a)
        entries.append({'directory': kdir, 'file': src, 'arguments': out})
    return entries


def host_entries(compile_cmd, objdir, root, srcs):
    base = shlex.split(compile_cmd)
    root = os.path.abspath(root).rstrip('/') + '/'
    entries = []
    for src in srcs:
        src = os.path.abspath(src)
        rel = src[len(root):] if src.startswith(root) else os.path.basename(src)
        obj = os.path.join(objdir, os.path.splitext(rel)[0] + '.o')
        entries.append({'directory': root.rstrip('/'), 'file': src,
                        'arguments': base + ['-c', '-o', obj, src]})
    return entries


class ClangFilter:
    """Drops the options that clang refuses or does not know."""

    def __init__(self, clang):
        self.clang = clang
        self.cache = {}

    def accepts(self, lang, opt):
        key = (lang, opt)
        if key not in self.cache:
            cmd = [self.clang, '-Werror', '-fsyntax-only', '-x', lang, opt, '-']
            try:
                r = subprocess.run(cmd, input=b'', stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, check=False)
                self.cache[key] = r.returncode == 0
            except OSError:
                self.cache[key] = True
        return self.cache[key]

    def __call__(self, entry):
        lang = 'c++' if entry['file'].endswith('.cpp') else 'c'
        args = entry['arguments']
        out = [args[0]]
        for a in args[1:]:
            if re.match(r'^-(f|m|W(?!p,|l,|a,))', a) and not self.accepts(lang, a):
                continue
            out.append(a)
        entry['arguments'] = out
        return entry


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--root', required=True)
    ap.add_argument('--kbuild', required=True, help='Kbuild output (build/kmod/<krel>)')
    ap.add_argument('--kdir', required=True, help='kernel build dir Kbuild ran in')
    ap.add_argument('--host-compile', help='host compiler and flags')
    ap.add_argument('--host-objdir')
    ap.add_argument('--clang', default='clang')
    ap.add_argument('--no-filter', action='store_true', help='keep gcc-only options')
    ap.add_argument('-o', '--output', default='compile_commands.json')
    ap.add_argument('host_srcs', nargs='*')
    a = ap.parse_args()

    entries = kbuild_entries(a.root, a.kbuild, a.kdir)
    if not entries:
        print(f'gen-compile-commands: no .o.cmd files under {a.kbuild}: build the module first',
              file=sys.stderr)
        return 1
    if a.host_compile and a.host_srcs:
        entries += host_entries(a.host_compile, a.host_objdir or a.root, a.root, a.host_srcs)
    if not a.no_filter:
        filt = ClangFilter(a.clang)
        entries = [filt(e) for e in entries]
    tmp = a.output + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(entries, f, indent=1)
        f.write('\n')
    os.replace(tmp, a.output)
    print(f'gen-compile-commands: {len(entries)} entries in {a.output}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
