"""Test set storage: reads scoped to the actor's workspaces, rows reached through their set."""

from __future__ import annotations

from promptpro.schemas.users import UserCreate
from promptpro.storage import Storage


async def _user(storage: Storage, name: str) -> str:
    user = await storage.create_user(UserCreate(username=name))
    return user.id


async def test_a_set_outside_the_actors_workspaces_reads_as_absent(storage: Storage) -> None:
    ada, bob = await _user(storage, "ada"), await _user(storage, "bob")
    workspace = await storage.personal_workspace_id(ada)
    test_set = await storage.create_test_set(ada, workspace, name="Mine", assertions=[])
    assert await storage.get_test_set(ada, test_set.id) is test_set
    assert await storage.get_test_set(bob, test_set.id) is None
    assert await storage.get_test_set(ada, 2**40) is None
    assert await storage.list_test_sets(bob, workspace) == []
    assert [s.name for s in await storage.list_test_sets(ada, workspace)] == ["Mine"]


async def test_rows_are_kept_in_order_paged_by_id_and_counted(storage: Storage) -> None:
    ada = await _user(storage, "ada")
    workspace = await storage.personal_workspace_id(ada)
    one = await storage.create_test_set(ada, workspace, name="One", assertions=[])
    two = await storage.create_test_set(ada, workspace, name="Two", assertions=[])
    rows = [
        {"variables": {"n": str(n)}, "expected": None, "assertions": None, "meta": None}
        for n in range(3)
    ]
    added = await storage.add_test_rows(one.id, rows)
    assert [r.id for r in await storage.list_test_rows(one.id, limit=2)] == [
        r.id for r in added[:2]
    ]
    rest = await storage.list_test_rows(one.id, after_id=added[1].id)
    assert [r.id for r in rest] == [added[2].id]
    assert await storage.count_test_rows([one.id, two.id]) == {one.id: 3}
    assert await storage.get_test_row(two.id, added[0].id) is None
    assert not await storage.delete_test_row(two.id, added[0].id)
    assert await storage.delete_test_row(one.id, added[0].id)
    assert await storage.delete_test_set(one.id)
    assert await storage.count_test_rows([one.id]) == {}
