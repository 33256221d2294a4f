"""Equations written in a scenario file: a small, whitelisted expression language.

``y = "a * b * c"`` or ``cost = "where(y > 1e6, y * 0.9, y) * usd_per_unit / 1e6"`` is parsed once,
with Python's own parser (``ast``, mode ``eval``), into a tree that holds only:

- numbers (``12``, ``2.5e-3``), read as float64 so ``10 ** 10 ** 10`` overflows to inf instead of
  building a huge integer;
- names of inputs and of outputs defined earlier in the file;
- ``+ - * / **``, unary ``-``/``+``, parentheses, one comparison (``< <= > >= == !=``, giving 1 or 0);
- calls of ``FUNCTIONS`` by name, with positional arguments.

Everything else (attribute access, subscripts, strings, lists, lambdas, comprehensions, keywords,
other calls, names starting with ``_``) is refused when the scenario loads, with the output's name
and the offending token; nothing of the text is ever executed. The compiled tree evaluates on numpy
arrays (reusing its own temporaries in place) and on PyTensor tensors (for ``calibrate``), so an
equation scenario gets every analysis a bundled model gets.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from typing import Any, Callable, Mapping

MAX_LENGTH = 4000  # characters of one formula
MAX_NODES = 1000  # nodes of its tree
MAX_DEPTH = 200  # nesting: a sum of 200 terms is 200 levels deep

# name -> (smallest, largest number of arguments); None: any number >= the smallest
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "log": (1, 1),
    "log10": (1, 1),
    "log2": (1, 1),
    "exp": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "ceil": (1, 1),
    "floor": (1, 1),
    "min": (2, None),
    "max": (2, None),
    "where": (3, 3),
    "clip": (3, 3),
}
_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_COMPARE = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne"}
_SYMBOL = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "div": "/",
    "pow": "**",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
    "eq": "==",
    "ne": "!=",
}


class FormulaError(ValueError):
    """A formula that cannot be accepted; the message names the offending token."""


def _token(node: ast.AST) -> str:
    """How an error shows the refused part: its source text, shortened."""
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every node ast.parse makes
        text = type(node).__name__
    return repr(text if len(text) <= 40 else text[:37] + "...")


_REFUSED = {  # node type -> what a reader calls it
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.JoinedStr: "a string",
    ast.BoolOp: "and/or (use min, max or where)",
    ast.IfExp: "if/else (use where(condition, a, b))",
    ast.Starred: "a starred argument",
    ast.NamedExpr: "an assignment",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


@dataclass(frozen=True)
class Formula:
    """One parsed formula: its text, the names it reads and the compiled evaluator."""

    text: str
    names: tuple[str, ...]  # inputs and earlier outputs it reads, in order of first use
    _eval: Callable[[Mapping[str, Any], Any], tuple[Any, bool]]

    def __call__(self, values: Mapping[str, Any]) -> Any:
        """Evaluate on numpy arrays/floats or on PyTensor tensors (chosen from the values given)."""
        backend = _pytensor_backend() if any(_is_tensor(values[n]) for n in self.names) else NUMPY
        value, _ = self._eval(values, backend)
        return backend.result(value)


def parse(text: str) -> Formula:
    """Parse and check one formula; raise FormulaError naming the offending token."""
    if not isinstance(text, str):
        raise FormulaError(f'must be a string (a formula such as "a * b"), got {type(text).__name__}')
    if not text.strip():
        raise FormulaError('is empty; write a formula such as "a * b"')
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"is {len(text):,} characters long; a formula may have at most {MAX_LENGTH:,}")
    if any(ord(ch) < 32 and ch not in "\t\n\r" or ch == "\x7f" for ch in text):
        raise FormulaError("holds a control character")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at character {exc.offset}" if exc.offset else ""
        raise FormulaError(f"is not a formula ({exc.msg}{where}): {text.strip()[:60]!r}") from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("is nested too deeply to parse") from None
    names: list[str] = []
    count = [0]
    compiled = _compile(tree.body, names, count, 0)
    return Formula(text.strip(), tuple(names), compiled)


def _compile(node: ast.AST, names: list[str], count: list[int], depth: int):
    count[0] += 1
    if count[0] > MAX_NODES:
        raise FormulaError(f"has more than {MAX_NODES} terms")
    if depth > MAX_DEPTH:
        raise FormulaError(f"is nested more than {MAX_DEPTH} levels deep")
    sub = depth + 1
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            what = "a string" if isinstance(value, (str, bytes)) else f"a {type(value).__name__}"
            raise FormulaError(f"refused: {what} {_token(node)} (a formula holds numbers, names and operators)")
        number = float(value) if isinstance(value, float) or abs(value) < 2**53 else float("inf")
        const = _const(number)
        return lambda env, B: (const, False)
    if isinstance(node, ast.Name):
        name = node.id
        if name.startswith("_"):
            raise FormulaError(f"names cannot start with '_': {_token(node)}")
        if name in FUNCTIONS:
            raise FormulaError(f"{name} is a function: call it, e.g. {name}(x)")
        if name not in names:
            names.append(name)
        return lambda env, B: (env[name], False)
    if isinstance(node, ast.BinOp):
        op = _BINARY.get(type(node.op))
        if op is None:
            raise FormulaError(f"operator {_operator(node.op)} is not allowed (use + - * / **): {_token(node)}")
        left, right = _compile(node.left, names, count, sub), _compile(node.right, names, count, sub)
        return lambda env, B: B.binary(op, left(env, B), right(env, B))
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            operand = _compile(node.operand, names, count, sub)
            return lambda env, B: B.negate(operand(env, B))
        if isinstance(node.op, ast.UAdd):
            return _compile(node.operand, names, count, sub)
        raise FormulaError(f"operator {_operator(node.op)} is not allowed: {_token(node)}")
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1:
            raise FormulaError(f"chained comparisons are not allowed (write two where()s): {_token(node)}")
        op = _COMPARE.get(type(node.ops[0]))
        if op is None:
            raise FormulaError(f"comparison {_operator(node.ops[0])} is not allowed: {_token(node)}")
        left = _compile(node.left, names, count, sub)
        right = _compile(node.comparators[0], names, count, sub)
        return lambda env, B: B.compare(op, left(env, B)[0], right(env, B)[0])
    if isinstance(node, ast.Call):
        return _compile_call(node, names, count, sub)
    what = _REFUSED.get(type(node), type(node).__name__)
    raise FormulaError(
        f"refused: {what} {_token(node)} (a formula holds numbers, names, + - * / **, "
        f"comparisons and the functions {', '.join(FUNCTIONS)})"
    )


def _compile_call(node: ast.Call, names: list[str], count: list[int], depth: int):
    if not isinstance(node.func, ast.Name):
        raise FormulaError(f"only the functions {', '.join(FUNCTIONS)} can be called, by name: {_token(node.func)}")
    fname = node.func.id
    if fname not in FUNCTIONS:
        raise FormulaError(f"unknown function {fname!r}: {_token(node)}; allowed: {', '.join(FUNCTIONS)}")
    if node.keywords:
        raise FormulaError(f"{fname}() takes positional arguments only: {_token(node)}")
    if any(isinstance(a, ast.Starred) for a in node.args):
        raise FormulaError(f"starred arguments are not allowed: {_token(node)}")
    low, high = FUNCTIONS[fname]
    n = len(node.args)
    if n < low or (high is not None and n > high):
        want = f"{low}" if low == high else f"at least {low}" if high is None else f"{low} to {high}"
        raise FormulaError(f"{fname}() takes {want} argument{'s' if want != '1' else ''}, got {n}: {_token(node)}")
    args = [_compile(a, names, count, depth) for a in node.args]
    return lambda env, B: B.call(fname, [a(env, B) for a in args])


def _operator(op: ast.AST) -> str:
    return {
        ast.Mod: "%",
        ast.FloorDiv: "//",
        ast.MatMult: "@",
        ast.BitAnd: "&",
        ast.BitOr: "|",
        ast.BitXor: "^ (write ** for a power)",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.Not: "not",
        ast.Invert: "~",
        ast.In: "in",
        ast.NotIn: "not in",
        ast.Is: "is",
        ast.IsNot: "is not",
    }.get(type(op), type(op).__name__)


def _const(number: float):
    import numpy as np

    return np.float64(number)


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("pytensor")


class _Numpy:
    """numpy evaluation; a value is (array or float, whether this evaluation owns it), so an
    intermediate result is overwritten in place instead of allocating a new array per operator."""

    def __init__(self):
        import numpy as np

        self.np = np
        self.ufunc = {
            "add": np.add,
            "sub": np.subtract,
            "mul": np.multiply,
            "div": np.divide,
            "pow": np.power,
            "lt": np.less,
            "le": np.less_equal,
            "gt": np.greater,
            "ge": np.greater_equal,
            "eq": np.equal,
            "ne": np.not_equal,
        }
        self.functions = {
            "log": np.log,
            "log10": np.log10,
            "log2": np.log2,
            "exp": np.exp,
            "sqrt": np.sqrt,
            "abs": np.abs,
            "ceil": np.ceil,
            "floor": np.floor,
        }

    def _out(self, *values):
        """An operand this evaluation owns whose buffer can hold the result, or None."""
        np = self.np
        shape = np.broadcast_shapes(*(np.shape(v) for v, _ in values))
        for v, own in values:
            if own and isinstance(v, np.ndarray) and v.dtype == np.float64 and v.shape == shape:
                return v
        return None

    def binary(self, op, a, b):
        out = self._out(a, b)
        if out is not None:
            return self.ufunc[op](a[0], b[0], out=out), True
        value = self.ufunc[op](a[0], b[0])
        return value, isinstance(value, self.np.ndarray)

    def negate(self, a):
        out = self._out(a)
        if out is not None:
            return self.np.negative(a[0], out=out), True
        value = self.np.negative(a[0])
        return value, isinstance(value, self.np.ndarray)

    def compare(self, op, a, b):
        value = self.ufunc[op](a, b).astype(self.np.float64)
        return value, isinstance(value, self.np.ndarray)

    def call(self, name, args):
        np = self.np
        if name in self.functions:
            out = self._out(args[0])
            if out is not None:
                return self.functions[name](args[0][0], out=out), True
            value = self.functions[name](args[0][0])
        elif name in ("min", "max"):
            reduce = np.minimum if name == "min" else np.maximum
            out = self._out(*args)
            value = args[0][0]
            for other, _ in args[1:]:
                value = reduce(value, other, out=out) if out is not None else reduce(value, other)
            if out is not None:
                return value, True
        elif name == "where":
            value = np.where(args[0][0] != 0, args[1][0], args[2][0])
        else:  # clip
            out = self._out(*args)
            if out is not None:
                return np.clip(args[0][0], args[1][0], args[2][0], out=out), True
            value = np.clip(args[0][0], args[1][0], args[2][0])
        return value, isinstance(value, np.ndarray)

    def result(self, value):
        return value


class _PyTensor:
    """The same operations on PyTensor tensors (``calibrate``'s PyMC model)."""

    def __init__(self):
        import pytensor.tensor as pt

        self.pt = pt
        self.compares = {"lt": pt.lt, "le": pt.le, "gt": pt.gt, "ge": pt.ge, "eq": pt.eq, "ne": pt.neq}

    def binary(self, op, a, b):
        x, y = a[0], b[0]
        value = {
            "add": lambda: x + y,
            "sub": lambda: x - y,
            "mul": lambda: x * y,
            "div": lambda: x / y,
            "pow": lambda: x**y,
        }[op]()
        return value, False

    def negate(self, a):
        return -a[0], False

    def compare(self, op, a, b):
        return self.pt.cast(self.compares[op](a, b), "float64"), False

    def call(self, name, args):
        pt = self.pt
        v = [a[0] for a in args]
        if name == "min" or name == "max":
            reduce = pt.minimum if name == "min" else pt.maximum
            value = v[0]
            for other in v[1:]:
                value = reduce(value, other)
        elif name == "where":
            value = pt.switch(pt.neq(v[0], 0), v[1], v[2])
        elif name == "clip":
            value = pt.clip(*v)
        else:
            value = getattr(pt, name)(v[0])
        return value, False

    def result(self, value):
        return value


NUMPY = _Numpy()


@functools.cache
def _pytensor_backend() -> _PyTensor:
    """Built on first use: PyTensor is imported only when a formula meets a tensor (calibrate)."""
    return _PyTensor()
