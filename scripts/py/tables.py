"""The harness's two tables: scripts/kernels (trees and variants) and scripts/tests.

Both are whitespace-separated records, one a line, '#' comments; their header comments
define the formats. Every command reads them through this module, so that a variant or a
test is added in one line of a table, not in the code.

The tests table names the series' tests as '@series'; expand() turns it into the test list
(build/tests/tests.list), one record per build of a program:
    test NAME SOURCE:PROGRAM BUILD OWN WHERE
which parse_tests() reads too. Selection (which tests a boot runs, with which arguments)
works on that list.
"""
from dataclasses import dataclass, field
from pathlib import Path

# The builds of a program: the name suffix of each.
SUFFIX = {"64": "", "32": "_32", "t64": "_t64"}
SERIES = "@series"


class TableError(Exception):
    """A table that cannot be read, or a selection that names what is not there."""


@dataclass(frozen=True)
class Tree:
    name: str
    dir: str
    source: str
    options: str


@dataclass(frozen=True)
class Kernel:
    variant: str
    tree: str
    fragments: tuple
    baseline: str | None


@dataclass(frozen=True)
class Test:
    """One build of one program: a line of the test list."""
    name: str
    source: str
    program: str
    build: str
    own: bool
    where: tuple

    def line(self):
        return "\t".join(["test", self.name, f"{self.source}:{self.program}", self.build,
                          "own" if self.own else "-", ",".join(self.where)])


@dataclass(frozen=True)
class Series:
    """The table's '@series' line: the tests the series adds, not known yet."""
    source: str
    builds: tuple
    own: bool
    where: tuple


@dataclass(frozen=True)
class Args:
    name: str
    variant: str
    args: tuple

    def line(self):
        return "\t".join(["args", self.name, self.variant, *self.args])


@dataclass
class Kernels:
    trees: dict
    kernels: dict
    bases: dict = field(default_factory=dict)  # base -> suffix of its names, in table order

    def on_base(self, name, base):
        """@name's tree, variant or build directory on @base: @name with its suffix."""
        if base not in self.bases:
            raise TableError(f"unknown base {base} (scripts/kernels: {' '.join(self.bases)})")
        return name + self.bases[base]


    def kernel(self, variant):
        if variant not in self.kernels:
            raise TableError(f"unknown variant {variant} (scripts/kernels)")
        return self.kernels[variant]

    def baseline(self, variant):
        """The variant @variant is judged against, or None (also for an unknown variant)."""
        k = self.kernels.get(variant)
        return k.baseline if k else None

    def has_series(self, variant):
        """Whether @variant's tree has the series: all but Debian's sources. An unknown
        variant is taken to have it, the stricter choice."""
        k = self.kernels.get(variant)
        return k is None or not self.trees[k.tree].source.startswith("deb:")


@dataclass(frozen=True)
class Suite:
    """A KUnit suite built into the kernels of @variants."""
    name: str
    variants: tuple

    def line(self):
        return "\t".join(["kunit", self.name, ",".join(self.variants)])


@dataclass
class TestList:
    entries: list   # Test, and in the unexpanded table Series
    args: list
    suites: list = field(default_factory=list)

    def tests(self):
        """The tests of an expanded list."""
        if any(isinstance(e, Series) for e in self.entries):
            raise TableError(f"{SERIES} is not expanded: not a test list (verdict expand)")
        return self.entries

    def own(self):
        return {t.name for t in self.tests() if t.own}

    def kunit_asked(self):
        """{variant: [suite]}: the KUnit suites each variant's boots must have run."""
        asked = {}
        for s in self.suites:
            for v in s.variants:
                asked.setdefault(v, []).append(s.name)
        return asked

    def args_for(self, name, variant):
        """The arguments of @name on @variant: its variant's args line, else its '*' one."""
        found = {a.variant: a.args for a in self.args if a.name == name}
        return list(found.get(variant, found.get("*", ())))


def records(text, path):
    """(where, fields) of each record of a table's @text; @path names it in errors."""
    for n, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            yield f"{path}:{n}", fields


def fields_of(where, fields, count, at_least=False):
    if len(fields) < count if at_least else len(fields) != count:
        raise TableError(f"{where}: {'at least ' if at_least else ''}{count} fields "
                         f"expected: {' '.join(fields)}")
    return fields[1:]


def parse_kernels(text, path="scripts/kernels"):
    trees, kernels, bases = {}, {}, {}
    for where, f in records(text, path):
        if f[0] == "base":
            name, suffix = fields_of(where, f, 3)
            if name in bases:
                raise TableError(f"{where}: base {name} twice")
            bases[name] = "" if suffix == "-" else suffix
        elif f[0] == "tree":
            name, dir_, source, options = fields_of(where, f, 5)
            trees[name] = Tree(name, dir_, source, options)
        elif f[0] == "kernel":
            variant, tree, fragments, baseline = fields_of(where, f, 5)
            if tree not in trees:
                raise TableError(f"{where}: unknown tree {tree}")
            kernels[variant] = Kernel(variant, tree, tuple(fragments.split(",")),
                                      None if baseline == "-" else baseline)
        else:
            raise TableError(f"{where}: unknown record {f[0]}")
    for k in kernels.values():
        if k.baseline and k.baseline not in kernels:
            raise TableError(f"{path}: {k.variant}: unknown baseline {k.baseline}")
    if list(bases.values()).count("") != 1:
        raise TableError(f"{path}: exactly one base must have no suffix")
    for base, suffix in bases.items():
        for role in ("base", "series"):
            if role + suffix not in trees:
                raise TableError(f"{path}: base {base} has no tree {role + suffix}")
    return Kernels(trees, kernels, bases)


def parse_test(where, f):
    """A test record, of the table (SOURCE, BUILDS) or of the list (SOURCE:PROGRAM, BUILD)."""
    name, source, builds, own, places = fields_of(where, f, 6)
    if own not in ("own", "-"):
        raise TableError(f"{where}: OWN is 'own' or '-', not {own}")
    builds, places = tuple(builds.split(",")), tuple(places.split(","))
    if not set(builds) <= SUFFIX.keys():
        raise TableError(f"{where}: unknown build in {','.join(builds)}")
    if name == SERIES:
        return Series(source, builds, own == "own", places)
    if ":" in source:
        source, _, program = source.partition(":")
        if len(builds) != 1:
            raise TableError(f"{where}: one build a test list line")
        return Test(name, source, program, builds[0], own == "own", places)
    return [Test(name + SUFFIX[b], source, name, b, own == "own", places) for b in builds]


def parse_tests(text, path="scripts/tests"):
    """The tests table or the test list (see the module's docstring)."""
    entries, args, suites = [], [], []
    for where, f in records(text, path):
        if f[0] == "test":
            entry = parse_test(where, f)
            entries.extend(entry if isinstance(entry, list) else [entry])
        elif f[0] == "args":
            name, variant, *rest = fields_of(where, f, 4, at_least=True)
            args.append(Args(name, variant, tuple(rest)))
        elif f[0] == "kunit":
            name, variants = fields_of(where, f, 3)
            suites.append(Suite(name, tuple(variants.split(","))))
        else:
            raise TableError(f"{where}: unknown record {f[0]}")
    return TestList(entries, args, suites)


def read_kernels(path):
    return parse_kernels(Path(path).read_text(), str(path))


def read_tests(path):
    if not Path(path).exists():
        raise TableError(f"no test list {path}: run scripts/initramfs")
    return parse_tests(Path(path).read_text(), str(path))


def expand(table, series, kselftests, gen_files):
    """The test list of @table: '@series' as the @series tests, each kselftest of
    @kselftests it names nowhere with WHERE 'all' (but not TEST_GEN_FILES, @gen_files,
    which are no tests: benchmarks and helpers)."""
    named = {e.program for e in table.entries if isinstance(e, Test)}
    for e in table.entries:
        if isinstance(e, Test) and e.source == "kselftest" and \
                e.program not in {*kselftests, *series, *gen_files}:
            raise TableError(f"{e.program}: a kselftest the timers Makefile does not have")
    out = []
    for e in table.entries:
        if isinstance(e, Series):
            out.extend(Test(p + SUFFIX[b], e.source, p, b, e.own, e.where)
                       for p in series if p not in named for b in e.builds)
        else:
            out.append(e)
    out.extend(Test(p, "kselftest", p, "64", False, ("all",)) for p in kselftests
               if p not in named and p not in series and p not in gen_files)
    return TestList(out, table.args, table.suites)


def select(tests, job, variant, everything=False):
    """The tests a boot of @variant in @job runs when none is named: WHERE names JOB or
    JOB/VARIANT; with @everything (run -a) also JOB/anything and 'all'."""
    def wanted(place):
        j, _, v = place.partition("/")
        return (j == job and (not v or v == variant or everything)) or \
            (everything and place == "all")
    return [t for t in tests if any(wanted(p) for p in t.where)]


def only(tests, names):
    """The tests @names, in that order."""
    by_name = {t.name: t for t in tests}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise TableError(f"unknown test {', '.join(unknown)} (not in the test list)")
    return [by_name[n] for n in names]
