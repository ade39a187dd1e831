"""Compiled code reads its data by name (issue 19): gene arrays travel in the records of
neat/genome.py, packed networks in `NetworkArrays` with the index layout of neat/network.py, and
no kernel tuple is indexed by a bare number outside the gene layout module."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np

from fitness.random_genomes import random_pool
from neat.genome import CONN_FIELDS, FIELD_DTYPES, NODE_FIELDS, ChildArrays, PoolArrays
from neat.network import PackedNetworks, PackOutput, network_count, pack_population

REPO = Path(__file__).resolve().parents[1]
LAYOUT_MODULES = ("neat/genome.py",)
"""The gene layout module: the only place that may index gene arrays by position."""
KERNEL_NAMES = frozenset({"pool", "out", "work", "ints", "net", "index", "plan", "settings",
                          "starts", "buffers", "level", "arrays"})
"""What compiled code and its callers call records and tuples of arrays (and `index`, the packed
networks' integer buffer, read through neat/network.py's layout constants)."""
SCANNED = ("neat", "fitness")


def _is_bare_number(node: ast.expr | None) -> bool:
    """An integer literal (negative too), or a slice or tuple index holding one."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int) and not isinstance(node.value, bool)
    if isinstance(node, ast.Slice):
        return any(_is_bare_number(part) for part in (node.lower, node.upper, node.step))
    if isinstance(node, ast.Tuple):
        return any(_is_bare_number(part) for part in node.elts)
    return False


def _is_compiled(function: ast.FunctionDef) -> bool:
    return any("jit" in ast.unparse(d) for d in function.decorator_list)


def numbered_kernel_data(source: str, in_core: bool) -> list[str]:
    """Subscripts of `source` that index kernel data by a bare number: a name of KERNEL_NAMES in a
    compiled function, or anywhere in the core (`in_core`: neat/, which builds the records), and
    `.arrays` (a pool's or packed networks' record) anywhere."""
    found = []

    def visit(node: ast.AST, compiled: bool) -> None:
        if isinstance(node, ast.FunctionDef):
            compiled = compiled or _is_compiled(node)
        if isinstance(node, ast.Subscript) and _is_bare_number(node.slice):
            target = node.value
            if ((isinstance(target, ast.Name) and target.id in KERNEL_NAMES
                 and (compiled or in_core))
                    or (isinstance(target, ast.Attribute) and target.attr == "arrays")):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        for child in ast.iter_child_nodes(node):
            visit(child, compiled)

    visit(ast.parse(source), False)
    return found


def test_no_kernel_data_is_indexed_by_a_bare_number():
    found = []
    for package in SCANNED:
        for path in sorted((REPO / package).rglob("*.py")):
            name = path.relative_to(REPO).as_posix()
            if name not in LAYOUT_MODULES:
                found += [f"{name} {hit}" for hit in
                          numbered_kernel_data(path.read_text(), package == "neat")]
    assert not found, "index kernel records by field name:\n" + "\n".join(found)


def test_the_scan_finds_numbered_tuples():
    old = '''
from numba import njit

@njit(cache=True)
def kernel(pool, out, net):
    conn_src = pool[7]
    out[0][3] = len(net[1])
    marks = work[0, :4]

def caller(out, packed):
    return out[:4], packed.arrays[1], settings[-1]
'''
    assert len(numbered_kernel_data(old, in_core=True)) == 7
    assert len(numbered_kernel_data(old, in_core=False)) == 5  # out[:4], settings[-1]: Python code
    named = "def f(pool, net, k):\n    return pool.conn_src[0], net.indices[k], out[k:]\n"
    assert numbered_kernel_data(named, in_core=True) == []


def test_the_records_follow_the_gene_layout():
    assert ChildArrays._fields == NODE_FIELDS + CONN_FIELDS
    assert PoolArrays._fields == ("node_start", *NODE_FIELDS, "conn_start", *CONN_FIELDS)
    child = ChildArrays.empty(3, 5)
    for field, array in child._asdict().items():
        assert array.dtype == FIELD_DTYPES[field]
        assert len(array) == (3 if field in NODE_FIELDS else 5)


def test_a_pool_gives_its_own_arrays():
    pool = random_pool(np.random.default_rng(0), 3, (2, 1, 2), 5)
    for field, array in pool.arrays._asdict().items():
        assert array is getattr(pool, field)


def test_packing_writes_the_last_fields_of_packed_networks():
    names = [f.name for f in dataclasses.fields(PackedNetworks)]
    assert tuple(names[-len(PackOutput._fields):]) == PackOutput._fields


def test_network_arrays_name_their_parts():
    packed = pack_population(random_pool(np.random.default_rng(0), 3, (2, 1, 2), 5), False)
    net = packed.arrays
    assert net.node_bias is packed.node_bias and net.in_weight is packed.in_weight
    assert network_count(net) == 3
