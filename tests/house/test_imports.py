"""How microblog/ is put together, read from its source (issues 15 and 19):

- no import circle: each module's imports, at the top or inside functions, form a graph without cycles (the
  package root included), so a newcomer can read the package from the bottom up;
- no feature imports another feature's views (a module that declares routes or a blueprint);
- posts/ and users/ import nothing from activity/ (activity is only the feed, built on them);
- no models module (one that declares a table) imports inside a function;
- the follow and block views leave locking and committing to the acts (users/relations.py).

Each check also runs on a small wrong source, to show that it fails when it should.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import microblog

PACKAGE = Path(microblog.__file__).parent
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
WRITE_CALLS = {"lock_user", "lock_users", "begin_write", "commit", "changing"}


class Module:
    """One module of the package: its name, its parsed source, and whether it is a package's __init__."""

    def __init__(self, name: str, source: str, is_package: bool = False):
        self.name, self.tree, self.is_package = name, ast.parse(source), is_package

    @property
    def feature(self) -> str | None:
        """The feature (subpackage of microblog) this module belongs to; None for the package's own modules."""
        parts = self.name.split(".")
        return parts[1] if len(parts) >= 3 or (self.is_package and len(parts) == 2) else None

    def imports(self, modules: set[str]) -> list[tuple[str, bool]]:
        """(a microblog module this one imports, whether inside a function), for every import statement."""
        package = self.name if self.is_package else self.name.rpartition(".")[0]
        found = []
        for node, in_function in _walk(self.tree, False):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                if node.level:
                    base = f"{base}.{node.module}" if node.module else base
                else:
                    base = node.module
                # `from . import x` imports the module x when there is one, else the name x of the package.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            found += [(target, in_function) for target in targets if target in modules and target != self.name]
        return list(dict.fromkeys(found))

    @property
    def declares_routes(self) -> bool:
        """A views module: named *views, or declaring a blueprint or routes."""
        if self.name.rpartition(".")[2].endswith("views"):
            return True
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _called(node) == "Blueprint":
                return True
            if isinstance(node, FUNCTIONS[:2]):
                for decorator in node.decorator_list:
                    call = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(call, ast.Attribute) and call.attr in ROUTE_DECORATORS:
                        return True
        return False

    @property
    def declares_tables(self) -> bool:
        """A models module: a class on `db.Model`, or a `Table(...)`, at its top level."""
        for node in self.tree.body:
            if isinstance(node, ast.ClassDef) and any(
                (isinstance(b, ast.Attribute) and b.attr == "Model") or (isinstance(b, ast.Name) and b.id == "Model")
                for b in node.bases
            ):
                return True
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _called(node.value) == "Table":
                return True
        return False


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _walk(node: ast.AST, in_function: bool):
    for child in ast.iter_child_nodes(node):
        yield child, in_function
        yield from _walk(child, in_function or isinstance(child, FUNCTIONS))


@functools.cache
def the_package() -> dict[str, Module]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = Module(name, path.read_text(), is_package)
    return modules


def synthetic(sources: dict[str, str]) -> dict[str, Module]:
    """A made-up package from {module name (without "microblog."; "" for the root): source}; a module with
    modules under it is a package."""
    names = {key: f"microblog.{key}" if key else "microblog" for key in sources}
    return {
        name: Module(name, sources[key], is_package=any(other.startswith(name + ".") for other in names.values()))
        for key, name in names.items()
    }


# -- the checks ----------------------------------------------------------------------------------


def import_circles(modules: dict[str, Module]) -> list[str]:
    graph = {name: {target for target, _ in module.imports(set(modules))} for name, module in modules.items()}
    cycles = []

    def visit(node, stack, done):
        if node in stack:
            cycles.append(stack[stack.index(node) :] + [node])
            return
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, stack + [node], done)
        done.add(node)

    done: set[str] = set()
    for name in sorted(graph):
        visit(name, [], done)
    return [" -> ".join(c) for c in cycles]


def views_of_other_features(modules: dict[str, Module]) -> list[str]:
    """Imports of another feature's views module (the package root, which registers them, is no feature)."""
    wrong = []
    for name, module in sorted(modules.items()):
        for target, _ in module.imports(set(modules)):
            other = modules[target]
            if module.feature and other.feature not in (None, module.feature) and other.declares_routes:
                wrong.append(f"{name} imports {target}")
    return wrong


def imports_between(modules: dict[str, Module], importers: tuple[str, ...], imported: str) -> list[str]:
    """Imports by a module of the `importers` features of any module of the `imported` feature."""
    return [
        f"{name} imports {target}"
        for name, module in sorted(modules.items())
        if module.feature in importers
        for target, _ in module.imports(set(modules))
        if modules[target].feature == imported
    ]


def function_level_imports_in_models(modules: dict[str, Module]) -> list[str]:
    """Any import inside a function of a models module: standard library, third party or ours."""
    wrong = []
    for name, module in sorted(modules.items()):
        if module.declares_tables:
            wrong += [
                f"{name} line {node.lineno}"
                for node, in_function in _walk(module.tree, False)
                if in_function and isinstance(node, ast.Import | ast.ImportFrom)
            ]
    return wrong


def writes_in_views(module: Module) -> list[str]:
    """The calls by which a view would run a write itself instead of calling the act that does."""
    return [
        f"{module.name} line {node.lineno}: {_called(node)}()"
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Call) and _called(node) in WRITE_CALLS
    ]


# -- on the package ------------------------------------------------------------------------------


def test_no_import_circles():
    assert import_circles(the_package()) == []


def test_the_package_root_is_checked_too():
    modules = the_package()
    assert "microblog" in modules and modules["microblog"].imports(set(modules))  # create_app imports them


def test_no_feature_imports_another_features_views():
    modules = the_package()
    assert {"microblog.users.views", "microblog.messages.blueprint"} <= {
        n for n, m in modules.items() if m.declares_routes
    }
    assert views_of_other_features(modules) == []


def test_posts_and_users_import_nothing_from_activity():
    modules = the_package()
    assert {m.feature for m in modules.values()} >= {"posts", "users", "activity"}
    assert imports_between(modules, ("posts", "users"), "activity") == []


def test_no_models_module_imports_inside_a_function():
    modules = the_package()
    assert {"microblog.users.models", "microblog.users.relations", "microblog.posts.models"} <= {
        n for n, m in modules.items() if m.declares_tables
    }
    assert function_level_imports_in_models(modules) == []


def test_the_relation_views_leave_the_write_to_the_act():
    """Follow, unfollow, block, unblock: load -> act (users/relations.py) -> answer."""
    modules = the_package()
    assert writes_in_views(modules["microblog.users.relation_views"]) == []
    assert writes_in_views(modules["microblog.activity.views"]) == []  # the feed: mark-read is unread's act
    assert writes_in_views(modules["microblog.users.relations"])  # the acts do it


# -- each check fails on a wrong source ----------------------------------------------------------


def test_a_circle_through_a_function_level_import_or_the_root_is_found():
    layers = {"unread": "from .users import relations", "users": "", "users.relations": ""}
    assert import_circles(synthetic(layers)) == []
    assert import_circles(synthetic({**layers, "users.relations": "def f():\n    from .. import unread"})) == [
        "microblog.unread -> microblog.users.relations -> microblog.unread"
    ]
    root = {"": "from .gallery import samples\nresource_dir = 1", "gallery": "", "resources": "resource_dir = 1"}
    assert import_circles(synthetic({**root, "gallery.samples": "from ..resources import resource_dir"})) == []
    assert import_circles(synthetic({**root, "gallery.samples": "from .. import resource_dir"})) == [
        "microblog -> microblog.gallery.samples -> microblog"
    ]


def test_importing_another_features_views_is_found():
    users = {"users": "", "users.views": "@bp.get('/user')\ndef user():\n    pass", "users.lookup": "x = 1"}
    fine = synthetic({**users, "messages": "", "messages.blueprint": "from ..users.lookup import x"})
    assert views_of_other_features(fine) == []
    wrong = synthetic({**users, "messages": "", "messages.blueprint": "from ..users.views import user"})
    assert views_of_other_features(wrong) == ["microblog.messages.blueprint imports microblog.users.views"]
    # A module declaring routes is a views module whatever its name; its own feature may import it.
    auth = {"auth": "", "auth.second_step": "bp = Blueprint('second_step', __name__)", "settings": ""}
    assert views_of_other_features(synthetic({**auth, "auth.views": "from .second_step import bp"})) == []
    wrong = synthetic({**auth, "settings.security": "from ..auth import second_step"})
    assert views_of_other_features(wrong) == ["microblog.settings.security imports microblog.auth.second_step"]


def test_posts_or_users_importing_activity_is_found():
    feed = {"activity": "", "activity.models": "Activity = 1", "posts": "", "users": ""}
    fine = synthetic({**feed, "activity.views": "from ..posts import models", "posts.models": ""})
    assert imports_between(fine, ("posts", "users"), "activity") == []
    wrong = synthetic({**feed, "posts.changes": "def f():\n    from ..activity.models import Activity"})
    assert imports_between(wrong, ("posts", "users"), "activity") == [
        "microblog.posts.changes imports microblog.activity.models"
    ]
    wrong = synthetic({**feed, "users.deletion": "from ..activity import models"})
    assert imports_between(wrong, ("posts", "users"), "activity") == [
        "microblog.users.deletion imports microblog.activity.models"
    ]


def test_a_function_level_import_in_a_models_module_is_found():
    model = "import sqlalchemy as sa\nclass Post(db.Model):\n    @staticmethod\n    def timeline():\n"
    fine = synthetic({"posts": "", "posts.models": model + "        return sa.select()"})
    assert function_level_imports_in_models(fine) == []
    wrong = synthetic({"posts": "", "posts.models": model + "        from ..users.relations import Block"})
    assert function_level_imports_in_models(wrong) == ["microblog.posts.models line 5"]
    table = "followers = sa.Table('followers', db.metadata)\ndef f():\n    import json"
    assert function_level_imports_in_models(synthetic({"users": "", "users.relations": table})) == [
        "microblog.users.relations line 3"
    ]
    # Only models modules: a view may import late.
    assert function_level_imports_in_models(synthetic({"users": "", "users.views": "def f():\n    import json"})) == []


def test_a_view_writing_itself_is_found():
    view = "@bp.post('/block/<username>')\ndef block(user):\n    {}\n    return answer(user)"
    assert writes_in_views(Module("microblog.users.relation_views", view.format("relations.block(me, user)"))) == []
    wrong = Module("microblog.users.relation_views", view.format("lock_user(me.id)\n    db.session.commit()"))
    assert writes_in_views(wrong) == [
        "microblog.users.relation_views line 3: lock_user()",
        "microblog.users.relation_views line 4: commit()",
    ]


REGISTERS_A_TEMPLATE_HELPER = ("add_template_global", "add_template_filter", "add_app_template", "app_template_")


def template_registrations(source: str) -> list[str]:
    """The calls in `source` that register a template global or filter (by name, or through jinja_env)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            if node.attr.startswith(REGISTERS_A_TEMPLATE_HELPER):
                found.append(node.attr)
            elif node.attr in ("globals", "filters") and getattr(node.value, "attr", "") == "jinja_env":
                found.append(f"jinja_env.{node.attr}")
    return found


def test_template_helpers_are_registered_in_templating_only():
    elsewhere = {
        str(path.relative_to(PACKAGE)): found
        for path in PACKAGE.rglob("*.py")
        if path.name != "templating.py" and (found := template_registrations(path.read_text()))
    }
    assert elsewhere == {}, "register template helpers in microblog/templating.py, not in " + ", ".join(elsewhere)


def test_a_template_helper_registered_elsewhere_is_found():
    assert template_registrations('app.add_template_global(f, "f")') == ["add_template_global"]
    assert template_registrations("@bp.app_template_global()\ndef f(): pass") == ["app_template_global"]
    assert template_registrations("app.jinja_env.filters['x'] = f") == ["jinja_env.filters"]
    assert template_registrations("app.config['x'] = 1") == []
