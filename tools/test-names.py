#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One naming pattern for every lkport test: <object>.<behaviour>, both in
lower snake_case, e.g. event.autounsignal_signal_releases_exactly_one_waiter.

    tools/test-names.py --check [ROOT]   report names off the pattern (exit 1)
    tools/test-names.py --apply [ROOT]   rename them in place, then check

Where the names live and how each is printed:
  host tests   module/core/tests/*.cpp: TEST(suite, name), TEST_F(suite,
               name); GoogleTest prints suite.name. A fixture keeps its
               C++ class name; --apply puts "using suite = Fixture;" before
               its first TEST_F, and TEST_F names the alias.
  ktest        module/ktest/test_*.c: { "name", fn } in a suite's case
               table, the name without the suite's prefix (the table is
               <prefix>_cases; the suite is .name = "..."); ktest_main.c
               prints and selects suite.name.
  selftests    selftests/*.c: kselftest_harness TEST_F(fixture, name),
               printed fixture.name (checked only: already so).

--apply turns CamelCase into snake_case word by word (COMPOUNDS keeps
terms such as AutoUnsignal and HardIrq in one word, as the module spells
them) and touches nothing but those names. The check also finds two host
tests whose GoogleTest class names collide (suite "a_b" + test "c" and
suite "a" + test "b_c" both make class a_b_c_Test), which snake_case makes
possible and the compiler may not report across files.
"""
import glob
import os
import re
import sys

SNAKE = re.compile(r'^[a-z][a-z0-9]*(_[a-z0-9]+)*$')

# Terms kept as one word, in the spelling the rest of lkport uses.
COMPOUNDS = {
    'AutoUnsignal': 'Autounsignal',
    'HardIrq': 'Hardirq',
    'IrqSave': 'Irqsave',
    'SpinLock': 'Spinlock',
    'CApi': 'Capi',
    'NoOp': 'Noop',
}
# Host test suites whose object name is not their CamelCase name spelled out.
SUITES = {
    'PortGroups': 'port_group',
}

GTEST_RE = re.compile(r'^(?P<indent>[ \t]*)(?P<macro>TEST|TEST_F)\((?P<suite>\w+),\s*(?P<name>\w+)\)', re.M)
KTEST_TABLE_RE = re.compile(r'lkt_case\s+(?P<prefix>\w+?)_cases\[\]\s*=\s*\{(?P<body>.*?)\n\};', re.S)
KTEST_SUITE_RE = re.compile(r'\.name\s*=\s*"(?P<suite>[^"]+)"')
KTEST_CASE_RE = re.compile(r'\{\s*"(?P<name>[^"]+)",\s*(?P<fn>\w+)\s*\}')
KSFT_RE = re.compile(r'^(?:TEST|TEST_F|TEST_F_TIMEOUT|TEST_SIGNAL|TEST_F_SIGNAL)\((?P<args>[^)]*)\)', re.M)


def snake(camel):
    if SNAKE.match(camel):
        return camel
    s = camel
    for k, v in COMPOUNDS.items():
        s = s.replace(k, v)
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', s)
    s = re.sub(r'([A-Z])([A-Z][a-z])', r'\1_\2', s)
    s = re.sub(r'([a-z])([0-9])', r'\1_\2', s)
    return s.lower()


def suite_name(camel):
    return SUITES.get(camel, snake(camel))


def host_files(root):
    return sorted(glob.glob(os.path.join(root, 'module/core/tests/*.cpp')))


def ktest_files(root):
    return sorted(glob.glob(os.path.join(root, 'module/ktest/test_*.c')))


def selftest_files(root):
    return sorted(glob.glob(os.path.join(root, 'selftests/*.c')))


def rel(root, path):
    return os.path.relpath(path, root)


def line_of(text, pos):
    return text.count('\n', 0, pos) + 1


# ---- host tests --------------------------------------------------------------

def apply_host(path):
    text = open(path, encoding='utf-8').read()
    fixtures = {}   # fixture class -> alias

    def repl(m):
        suite, name = m.group('suite'), m.group('name')
        new_suite = suite_name(suite)
        if m.group('macro') == 'TEST_F' and new_suite != suite:
            fixtures.setdefault(suite, new_suite)
        return f"{m.group('indent')}{m.group('macro')}({new_suite}, {snake(name)})"

    out = GTEST_RE.sub(repl, text)
    # An alias naming each renamed fixture's suite, before its first TEST_F.
    for fixture, alias in fixtures.items():
        decl = f'using {alias} = {fixture};'
        if decl in out:
            continue
        start = re.search(rf'^[ \t]*TEST_F\({alias},', out, re.M).start()
        out = out[:start] + f'{decl}  // the test suite\'s name\n\n' + out[start:]
    if out != text:
        open(path, 'w', encoding='utf-8').write(out)
        return True
    return False


def check_host(root, problems):
    classes = {}
    for path in host_files(root):
        text = open(path, encoding='utf-8').read()
        for m in GTEST_RE.finditer(text):
            suite, name = m.group('suite'), m.group('name')
            where = f'{rel(root, path)}:{line_of(text, m.start("macro"))}'
            for what, word in (('suite', suite), ('name', name)):
                if not SNAKE.match(word):
                    problems.append(f'{where}: host test {what} {word!r} is not snake_case '
                                    f'({snake(word) if what == "name" else suite_name(word)!r})')
            cls = f'{suite}_{name}_Test'
            if cls in classes:
                problems.append(f'{where}: {suite}.{name} makes class {cls}, as {classes[cls]} does')
            classes.setdefault(cls, f'{suite}.{name} ({where})')


# ---- ktest -------------------------------------------------------------------

def ktest_tables(text):
    for m in KTEST_TABLE_RE.finditer(text):
        prefix = m.group('prefix')
        after = text[m.end():]
        sm = KTEST_SUITE_RE.search(after)
        suite = sm.group('suite') if sm else prefix
        yield m, prefix, suite


def strip_prefix(name, prefix, suite):
    for p in (suite + '_', prefix + '_'):
        if name.startswith(p) and len(name) > len(p):
            return name[len(p):]
    return name


def apply_ktest(path):
    text = open(path, encoding='utf-8').read()
    out = text
    for m, prefix, suite in reversed(list(ktest_tables(text))):
        body = KTEST_CASE_RE.sub(
            lambda c: '{ "%s", %s }' % (strip_prefix(c.group('name'), prefix, suite), c.group('fn')),
            m.group('body'))
        out = out[:m.start('body')] + body + out[m.end('body'):]
    if out != text:
        open(path, 'w', encoding='utf-8').write(out)
        return True
    return False


def check_ktest(root, problems):
    for path in ktest_files(root):
        text = open(path, encoding='utf-8').read()
        for m, prefix, suite in ktest_tables(text):
            if not SNAKE.match(suite):
                problems.append(f'{rel(root, path)}: ktest suite {suite!r} is not snake_case')
            seen = set()
            for c in KTEST_CASE_RE.finditer(m.group('body')):
                name = c.group('name')
                where = f'{rel(root, path)}:{line_of(text, m.start("body") + c.start())}'
                if not SNAKE.match(name):
                    problems.append(f'{where}: ktest case {name!r} is not snake_case')
                elif strip_prefix(name, prefix, suite) != name:
                    problems.append(f'{where}: ktest case {name!r} repeats its suite '
                                    f'({suite}.{strip_prefix(name, prefix, suite)})')
                if name in seen:
                    problems.append(f'{where}: ktest case {suite}.{name} twice')
                seen.add(name)


# ---- selftests -----------------------------------------------------------------

def check_selftests(root, problems):
    for path in selftest_files(root):
        text = open(path, encoding='utf-8').read()
        for m in KSFT_RE.finditer(text):
            args = [a.strip() for a in m.group('args').split(',')]
            where = f'{rel(root, path)}:{line_of(text, m.start())}'
            for word in args[:2]:
                if re.match(r'^\w+$', word) and not SNAKE.match(word):
                    problems.append(f'{where}: selftest name {word!r} is not snake_case')


def check(root):
    problems = []
    check_host(root, problems)
    check_ktest(root, problems)
    check_selftests(root, problems)
    for p in problems:
        print(p)
    if problems:
        print(f'test-names: {len(problems)} names off the pattern <object>.<behaviour> '
              f'(snake_case); tools/test-names.py --apply renames them')
        return 1
    return 0


def main(argv):
    args = [a for a in argv if not a.startswith('-')]
    opts = [a for a in argv if a.startswith('-')]
    if opts not in (['--check'], ['--apply']) or len(args) > 1:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    root = os.path.abspath(args[0] if args else os.path.join(os.path.dirname(__file__), '..'))
    if opts == ['--apply']:
        changed = [p for p in host_files(root) if apply_host(p)]
        changed += [p for p in ktest_files(root) if apply_ktest(p)]
        for p in changed:
            print(f'test-names: renamed in {rel(root, p)}')
    return check(root)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
