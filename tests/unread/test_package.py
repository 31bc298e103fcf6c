"""How microblog/unread/ is put together (issue 19 item 2), read from the source: the per-user locks are taken
only inside the package (everyone else goes through `with changing(...)`), what is unread is written once
(watermark.py), the package root imports nothing, and each module stays small. Each check also runs on a
small wrong source, to show that it fails when it should."""

from __future__ import annotations

import ast
from pathlib import Path

import microblog

PACKAGE = Path(microblog.__file__).parent
UNREAD = PACKAGE / "unread"
LOCKS = {"lock_user", "lock_users"}


def sources() -> dict[str, str]:
    return {str(path.relative_to(PACKAGE.parent)): path.read_text() for path in sorted(PACKAGE.rglob("*.py"))}


def _calls(source: str):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            yield node, func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def locks_taken_outside_the_package(files: dict[str, str]) -> list[str]:
    """Calls of lock_user/lock_users by a module outside microblog/unread/."""
    return [
        f"{name} line {node.lineno}: {called}()"
        for name, source in files.items()
        if not name.startswith("microblog/unread/")
        for node, called in _calls(source)
        if called in LOCKS
    ]


def watermark_comparisons(files: dict[str, str]) -> list[str]:
    """Where a message id is compared with a member's watermark (`… .id > ….last_read_message_id`), in the
    modules that count unread messages (microblog/unread/ and microblog/messages/)."""
    found = []
    for name, source in files.items():
        if not name.startswith(("microblog/unread/", "microblog/messages/")):
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "id":
                if any(isinstance(c, ast.Attribute) and c.attr == "last_read_message_id" for c in node.comparators):
                    found.append(f"{name} line {node.lineno}")
    return found


def test_only_the_unread_package_takes_the_per_user_locks():
    assert locks_taken_outside_the_package(sources()) == []
    assert "changing" in sources()["microblog/users/relations.py"]  # the acts go through `changing`


def test_what_is_unread_is_written_once():
    found = watermark_comparisons(sources())
    assert len(found) == 1 and found[0].startswith("microblog/unread/watermark.py"), found


def test_the_package_root_imports_nothing_and_each_module_is_small():
    root = ast.parse((UNREAD / "__init__.py").read_text())
    assert not [node for node in ast.walk(root) if isinstance(node, ast.Import | ast.ImportFrom)]
    sizes = {path.name: len(path.read_text().splitlines()) for path in UNREAD.glob("*.py")}
    assert {"locks.py", "watermark.py", "counts.py", "loader.py"} <= set(sizes)
    assert max(sizes.values()) < 200, sizes


def test_a_lock_taken_by_hand_is_found():
    view = "def block(me, user):\n    {}\n"
    fine = {"microblog/users/relations.py": view.format("with changing(user.id):\n        pass")}
    assert locks_taken_outside_the_package(fine) == []
    wrong = {"microblog/users/relations.py": view.format("unread.lock_user(user.id)")}
    assert locks_taken_outside_the_package(wrong) == ["microblog/users/relations.py line 2: lock_user()"]
    assert locks_taken_outside_the_package({"microblog/unread/locks.py": view.format("lock_users([1])")}) == []


def test_a_second_copy_of_the_predicate_is_found():
    copy = "q = sa.select(m).where(m.id > member.last_read_message_id, m.unsent.is_(False))"
    assert watermark_comparisons({"microblog/messages/models.py": copy}) == ["microblog/messages/models.py line 1"]
    assert watermark_comparisons({"microblog/messages/models.py": "q = unread_messages(member, m)"}) == []
