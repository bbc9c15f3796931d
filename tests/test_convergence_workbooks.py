"""Convergence through real workbooks: three installations exchange full exports (.xlsx written by
the export service, read back by the import service) in random orders and end up alike."""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from qidesk.services.export_service import ExportService
from qidesk.services.import_service import ImportService
from qidesk.store.engine import Database
from test_convergence import NAMES, PICK, WHO, _apply, _check_heads_invariants
from test_merge_support import fresh_database, state

INSTALLATIONS = ("wb-a", "wb-b", "wb-c")

OPS = st.one_of(
    st.tuples(st.just("create"), WHO, st.sampled_from(["Cohort", "Team", "Member"]), NAMES),
    st.tuples(st.just("edit"), WHO, PICK, NAMES),
    st.tuples(st.just("create_shared"), WHO, NAMES),
    st.tuples(st.just("delete"), WHO, PICK),
    st.tuples(st.just("resolve"), WHO, PICK, st.integers(0, 3)),
    st.tuples(st.just("workbook"), WHO, WHO),
)
_counter = itertools.count()


def _send(dbs: list[Database], source: int, target: int, folder: Path) -> Any:
    """Export ``source`` to a workbook and import it into ``target``."""
    path = folder / f"export-{next(_counter)}.xlsx"
    ExportService(dbs[source].unit_of_work).export_full(path)
    result = ImportService(dbs[target].unit_of_work, dbs[target].path).apply([path])
    assert all(f.status != "rejected" for f in result.files), result.files
    return result


@settings(
    max_examples=int(os.environ.get("QIDESK_CONVERGENCE_EXAMPLES", "6")),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(OPS, min_size=3, max_size=12))
def test_three_installations_converge_through_workbooks(ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        dbs = [fresh_database(folder, n, n) for n in INSTALLATIONS]
        try:
            exported: set[Any] = set()
            for kind in ("Cohort", "Team", "Member"):
                _apply(dbs, ("create", 0, kind, "Oak"), exported)
            for target in (1, 2):
                _send(dbs, 0, target, folder)
            for op in ops:
                if op[0] == "workbook":
                    if op[1] != op[2]:
                        _send(dbs, op[1], op[2], folder)
                else:
                    _apply(dbs, op, exported)
            # One round in this order brings everything everywhere.
            for source, target in ((0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)):
                _send(dbs, source, target, folder)
            states = [state(db) for db in dbs]
            assert states[0].shown() == states[1].shown() == states[2].shown()
            event(f"open conflicts after exchange: {min(len(states[0].conflicts), 2)}")
            for db in dbs:
                _check_heads_invariants(db)
            # Importing anyone's export again changes nothing anywhere.
            for source, target in ((0, 1), (1, 2), (2, 0)):
                result = _send(dbs, source, target, folder)
                assert not result.applied
                assert {f.status for f in result.files} == {"unchanged"}
        finally:
            for db in dbs:
                db.close()
