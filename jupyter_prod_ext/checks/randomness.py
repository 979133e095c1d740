"""Portability, randomness: random numbers drawn with no seed make results differ from run to run.

Calls are resolved through the notebook's imports (``np`` -> ``numpy``), so
``np.random.rand`` and ``from random import choice`` are both seen. Only cells
whose text mentions something random-looking are walked (this runs on every
keystroke).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..analysis import Call, import_binds, statement_templates
from ..notebook import CodeUnit, unit_fact
from .base import Context, Finding
from .registry import check

#: the capitalised words of a cell that may draw random numbers (estimators), after those of :func:`mentions_random`
_HINT_CAPITALISED = ("Forest", "KMeans", "Boost", "Tree", "MLP", "SGD", "TSNE", "Bagging", "Isolation", "ShuffleSplit")


def mentions_random(text: str) -> bool:
    """Whether ``text`` holds a word of a cell that may draw random numbers (``random`` holds ``rand``).

    An ``in`` per word, the capitalised ones only where one of their first letters occurs (a one-character
    ``in`` is a ``memchr``; most cells have no capital ``K``, ``B``...), written out (no generator): a third of
    the instructions of one regex alternation of the same words, which tried its alternatives at every ``r``,
    ``s``, ``t``, ``m`` of every cell (``tests/test_checks_portability.py`` holds that regex and compares).
    """
    if "rand" in text or "seed" in text or "shuffle" in text or "make_" in text or "train_test_split" in text:
        return True
    capital = "B" in text or "F" in text or "I" in text or "K" in text or "M" in text or "S" in text or "T" in text
    return capital and any(w in text for w in _HINT_CAPITALISED)


#: the generators a framework's "seed everything" call seeds together: Python's, NumPy's and PyTorch's
_EVERY_FAMILY = frozenset({"random", "numpy", "torch"})
#: the seed-everything calls, by the package they come from (resolved through the imports) and their name:
#: ``pyro.set_rng_seed``, lightning's ``seed_everything``, ``transformers``/``accelerate``' ``set_seed`` (and
#: ``keras.utils.set_random_seed``)
_EVERY_FAMILY_SEEDS = frozenset(
    {("pyro", "set_rng_seed"), ("pytorch_lightning", "seed_everything"), ("lightning", "seed_everything"),
     ("lightning_fabric", "seed_everything"), ("lightning_lite", "seed_everything"), ("transformers", "set_seed"),
     ("accelerate", "set_seed")}
)  # fmt: skip
#: calls that seed one generator only (TensorFlow's ``set_seed``/``set_random_seed``: :func:`_seeded_by`)
_OWN_SEEDS = {"random.seed": frozenset({"random"}), "numpy.random.seed": frozenset({"numpy"})}


def _seeded_by(name: str) -> frozenset[str]:
    """The RNG families the call ``name`` (resolved through the imports) seeds; none for a call that seeds nothing.

    A seed-everything name counts only from the framework that has it: ``tf.compat.v1.set_random_seed``
    seeds TensorFlow alone, and a notebook's own ``set_seed()`` seeds what its body calls (those calls are
    the cell's too), not every generator.
    """
    own = _OWN_SEEDS.get(name)
    if own is not None:
        return own
    package, last = name.partition(".")[0], name.rpartition(".")[2]
    if last in ("manual_seed", "manual_seed_all"):  # torch.manual_seed, torch.cuda.manual_seed_all
        return frozenset({"torch"})
    if (package, last) in _EVERY_FAMILY_SEEDS or name.endswith("keras.utils.set_random_seed"):  # tf.keras' too
        return _EVERY_FAMILY
    if package == "tensorflow" and last in ("set_seed", "set_random_seed"):  # tf.compat.v1.set_random_seed
        return frozenset({"tensorflow"})
    return frozenset()


_PY_RANDOM = frozenset(
    "random randint randrange choice choices sample shuffle uniform gauss normalvariate triangular betavariate "
    "expovariate gammavariate lognormvariate vonmisesvariate paretovariate weibullvariate getrandbits randbytes".split()
)
_NP_NOT_DRAWS = frozenset(
    "seed default_rng Generator RandomState SeedSequence BitGenerator PCG64 PCG64DXSM MT19937 Philox SFC64 "
    "get_state set_state".split()
)
_TORCH_RANDOM = frozenset(
    "rand randn randint randperm rand_like randn_like randint_like normal bernoulli multinomial poisson".split()
)
_SKLEARN = frozenset(
    """train_test_split RandomForestClassifier RandomForestRegressor ExtraTreesClassifier ExtraTreesRegressor
    GradientBoostingClassifier GradientBoostingRegressor HistGradientBoostingClassifier
    HistGradientBoostingRegressor DecisionTreeClassifier DecisionTreeRegressor KMeans MiniBatchKMeans
    IsolationForest MLPClassifier MLPRegressor SGDClassifier SGDRegressor TSNE ShuffleSplit
    StratifiedShuffleSplit BaggingClassifier BaggingRegressor AdaBoostClassifier AdaBoostRegressor
    make_classification make_regression make_blobs make_moons make_circles""".split()
)


def _calls(unit: CodeUnit) -> list[Call]:
    """The cell's calls on dotted names in the order they run, when its text mentions something random: its
    statements' in source order, then those in the bodies of the functions (and methods) it defines, which run
    when called (``def __init__(...): self.w = torch.rand(...)``, then ``torch.manual_seed(123)`` and the
    call, below it in the cell: the draw comes after the seed)."""
    if unit.tree is None or not mentions_random(unit.python):
        return []
    # a function needs the word ``def``: most cells that draw define none, and skip walking their whole tree
    bodies = {
        line
        for node in (ast.walk(unit.tree) if "def" in unit.python else ())
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for line in range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1)
    }
    calls = [c for s in statement_templates(unit) for c in s.calls]
    calls.sort(key=lambda c: (c[0] in bodies, c[0], c[1]))
    return calls


def _no_random_calls(unit: CodeUnit) -> bool:
    return not unit_fact(unit, "calls", _calls)


def _aliases_of(unit: CodeUnit) -> list[tuple[str, str | None]]:
    """What the cell's imports make of names (their lines do not matter to this check)."""
    return [(name, module) for _, name, module in import_binds(unit)]



def _classify(call: Call, name: str) -> str | None:
    """The RNG family an unseeded call draws from ("random", "numpy", "torch", "sklearn"), else None."""
    head, _, last = name.rpartition(".")
    if _seeded_by(name):
        return "seed"
    if head == "random" and last in _PY_RANDOM:
        return "random"
    if name in ("random.Random", "numpy.random.default_rng", "numpy.random.RandomState"):
        return "generator" if call[4] else None
    if head == "numpy.random" and last not in _NP_NOT_DRAWS:
        return "numpy"
    if head == "torch" and last in _TORCH_RANDOM:
        return "torch"
    if last in _SKLEARN and (name.startswith("sklearn.") or head == "" or head.startswith("sklearn")):
        kw = call[5]
        if "random_state" in kw or None in kw:
            return None
        if last in ("KFold", "StratifiedKFold"):
            return None
        return "sklearn"
    return None


#: the last names :func:`_classify` gives a family to (a seed, a draw, a generator, an estimator), apart from
#: NumPy's legacy draws (any name under ``numpy.random``): other calls (most) are skipped before their name is built
_MAY_DRAW = (
    frozenset({"seed", "manual_seed", "manual_seed_all", "set_seed", "set_random_seed", "Random", "default_rng", "RandomState"})
    | {last for _, last in _EVERY_FAMILY_SEEDS}
    | _PY_RANDOM
    | _TORCH_RANDOM
    | _SKLEARN
)

_ADVICE = {
    "random": ("Python's `random`", "Call random.seed(<n>) once, in the first cells."),
    "numpy": ("NumPy's legacy global generator", "Use rng = np.random.default_rng(<seed>) and draw from rng."),
    "torch": ("PyTorch's global generator", "Call torch.manual_seed(<n>) once, in the first cells."),
    "generator": ("a generator created without a seed", "Pass a seed: default_rng(42) / random.Random(42)."),
    "sklearn": ("scikit-learn without `random_state`", "Pass random_state=<n> (or seed NumPy first)."),
}


@check(
    "unseeded-randomness",
    "portability",
    "warning",
    "Random numbers are drawn with no seed set before: results change from run to run.",
    stable_when=lambda old, new: _no_random_calls(old) and _no_random_calls(new) and _aliases_of(old) == _aliases_of(new),
)
def unseeded_randomness(ctx: Context) -> Iterator[Finding]:
    units = [(u, calls) for u in ctx.units if (calls := unit_fact(u, "calls", _calls))]
    if not units:
        return
    aliases: dict[str, str] = {}  # the last import of a name wins, in notebook order
    for u in ctx.units:
        for _, name, module in import_binds(u):
            if module and not module.startswith("."):
                aliases[name] = module
    seeded: set[str] = set()
    reported: set[str] = set()
    for unit, calls in units:
        for call in calls:
            root = aliases.get(call[2], call[2])
            if (call[3][-1] if call[3] else root.rpartition(".")[2]) not in _MAY_DRAW and not root.startswith("numpy"):
                continue  # ``len(x)``, ``os.path.join(...)``: no family of _classify's has that last name
            name = ".".join([root, *call[3]])
            family = _classify(call, name)
            if family is None:
                continue
            if family == "seed":
                seeded |= _seeded_by(name)
                continue
            if family == "sklearn" and "numpy" in seeded:
                continue
            if family in ("random", "numpy", "torch"):
                if family in seeded or family in reported:
                    continue
                reported.add(family)
            what, hint = _ADVICE[family]
            yield ctx.finding(
                "unseeded-randomness",
                "warning",
                unit.cell.index,
                call[0],
                f"`{name.rsplit('.', 2)[-1] if family != 'sklearn' else name.rsplit('.', 1)[-1]}(...)` draws "
                f"from {what}: results differ on every run.",
                hint,
            )
