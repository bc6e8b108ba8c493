"""Every ledger action that can land on a matter's timeline (第三条 whole-process record) has a
translated label in ``lawtrail.web.timeline``.

The actions are read from the code itself: every ``events.append(...)`` and
``events.Pending(...)`` in the package that passes a ``context`` is found with ``ast``, and its
action resolved (a literal, a module constant, either branch of ``a if c else b``, or a
function parameter followed to the calls of that function in the same module). An action
that cannot be resolved fails the test too, until it is resolved here: nothing is skipped.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

import lawtrail
from lawtrail.replication.models import ReplicaProblem
from lawtrail.web import timeline

PACKAGE = Path(lawtrail.__file__).parent

# Actions built at run time that the resolver cannot follow: (module, argument source) → the
# actions it can produce. A new dynamic action fails the test until it is listed here.
DYNAMIC: dict[tuple[str, str], set[str]] = {
    ("replication/sync.py", "f'replica.{kind}'"): {
        f"replica.{kind}" for kind in ReplicaProblem.Kind.values
    },
}


@dataclass
class Found:
    actions: dict[str, set[str]] = field(default_factory=dict)  # action → where
    unresolved: list[str] = field(default_factory=list)


def ledger_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The names the module calls the ledger by: (modules like ``events``, functions like a
    bare ``append``/``Pending``)."""
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lawtrail.ledger":
            modules |= {a.asname or a.name for a in node.names if a.name == "events"}
        if isinstance(node, ast.ImportFrom) and node.module == "lawtrail.ledger.events":
            functions |= {a.asname or a.name for a in node.names if a.name in ("append", "Pending")}
    return modules, functions


def argument(call: ast.Call, position: int, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def parents_of(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def enclosing_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.FunctionDef | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef):
            return node
    return None


def constants(tree: ast.Module, seen: frozenset[Path] = frozenset()) -> dict[str, str]:
    """The module's string constants, with those it imports from other lawtrail modules."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lawtrail."):
            path = PACKAGE.joinpath(*(node.module or "").split(".")[1:]).with_suffix(".py")
            if path.is_file() and path not in seen:
                source = ast.parse(path.read_text(encoding="utf-8"))
                theirs = constants(source, seen | {path})
                for alias in node.names:
                    if alias.name in theirs:
                        found[alias.asname or alias.name] = theirs[alias.name]
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


class Resolver:
    def __init__(self, module: str, tree: ast.Module) -> None:
        self.module = module
        self.tree = tree
        self.parents = parents_of(tree)
        self.constants = constants(tree)

    def resolve(self, expr: ast.expr, depth: int = 0) -> set[str] | None:
        """The strings ``expr`` can be, or None when this cannot tell."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            body, orelse = self.resolve(expr.body, depth), self.resolve(expr.orelse, depth)
            return body | orelse if body is not None and orelse is not None else None
        if (self.module, ast.unparse(expr)) in DYNAMIC:
            return DYNAMIC[(self.module, ast.unparse(expr))]
        if isinstance(expr, ast.Name) and expr.id in self.constants:
            return {self.constants[expr.id]}
        if isinstance(expr, ast.Name) and depth < 3:
            return self.from_callers(expr, depth)
        return None

    def from_callers(self, name: ast.Name, depth: int) -> set[str] | None:
        """A parameter: what every call of its function in this module passes for it."""
        function = enclosing_function(name, self.parents)
        if function is None:
            return None
        params = [a.arg for a in function.args.posonlyargs + function.args.args]
        if name.id not in params:
            return None
        position = params.index(name.id)
        calls = [
            node
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == function.name
        ]
        if not calls:
            return None
        values: set[str] = set()
        for call in calls:
            given = argument(call, position, name.id)
            resolved = self.resolve(given, depth + 1) if given is not None else None
            if resolved is None:
                return None
            values |= resolved
        return values


def actions_with_a_context(files: Iterable[tuple[str, str]]) -> Found:
    """The actions appended with a (matter) context in ``files`` of (module, source)."""
    found = Found()
    for module, source in files:
        tree = ast.parse(source)
        modules, functions = ledger_names(tree)
        if not modules and not functions:
            continue
        resolver = Resolver(module, tree)
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            func = call.func
            is_ledger = (
                isinstance(func, ast.Attribute)
                and func.attr in ("append", "Pending")
                and isinstance(func.value, ast.Name)
                and func.value.id in modules
            ) or (isinstance(func, ast.Name) and func.id in functions)
            if not is_ledger:
                continue
            context = argument(call, 4, "context")
            if context is None or (isinstance(context, ast.Constant) and context.value == ""):
                continue  # not on any matter's timeline
            action = argument(call, 1, "action")
            where = f"{module}:{call.lineno}"
            resolved = resolver.resolve(action) if action is not None else None
            if resolved is None:
                found.unresolved.append(f"{where} {ast.unparse(action) if action else '?'}")
                continue
            for name in resolved:
                found.actions.setdefault(name, set()).add(where)
    return found


def package_sources() -> Iterable[tuple[str, str]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if {"tests", "migrations"} & set(relative.parts) or relative.parts[0] == "ledger":
            continue  # the ledger's own append passes its caller's action on
        yield relative.as_posix(), path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def found() -> Found:
    return actions_with_a_context(package_sources())


def test_every_action_with_a_context_is_resolved(found: Found) -> None:
    assert found.unresolved == [], "resolve these actions (see DYNAMIC) so they can be labelled"


def test_every_action_on_a_matter_timeline_has_a_label(found: Found) -> None:
    missing = {a: sorted(w) for a, w in found.actions.items() if a not in timeline.ACTION_LABELS}
    assert missing == {}, "add a label to lawtrail/web/timeline.py ACTION_LABELS"


def test_the_scan_finds_the_actions_of_every_room(found: Found) -> None:
    """The scan itself works: literals, constants (own and imported), branches, parameters and
    f-strings."""
    for action in (
        "matter.opened",  # a literal
        "matter.stage_advanced",  # a parameter, followed to its callers
        "access.refused",  # the other branch of a conditional
        "archive.package.created",  # a module constant
        "archive.package.checked",  # a constant imported from another module
        "compliance.findings.closed",  # events.Pending through a parameter
        "replica.read_back_failed",  # an f-string, from DYNAMIC
        "record.signed",
        "evidence.bound",
    ):
        assert action in found.actions, action
    assert "person.created" not in found.actions  # no context: never on a matter's timeline


def test_an_unlabelled_or_unresolvable_action_is_caught() -> None:
    source = """
from lawtrail.ledger import events
NEW = "matter.teleported"

def move(user, matter, action):
    events.append(user, action, matter, context=matter.context)

def go(user, matter, where):
    events.append(user, NEW, matter, {}, context=matter.context)
    events.append(user, f"matter.{where}", matter, context=matter.context)
    events.append(user, "matter.untracked", matter)
    move(user, matter, "matter.jumped")
"""
    found = actions_with_a_context([("matters/new.py", source)])
    assert set(found.actions) == {"matter.teleported", "matter.jumped"}
    assert found.unresolved == ["matters/new.py:10 f'matter.{where}'"]
    assert not {"matter.teleported", "matter.jumped"} & set(timeline.ACTION_LABELS)


@pytest.mark.parametrize("action", sorted(timeline.ACTION_LABELS))
def test_every_label_and_summary_is_shown_in_chinese(action: str) -> None:
    with translation.override("zh-hans"):
        assert timeline.action_label(action) != action
        assert isinstance(timeline.summarise(action, {}), str)
