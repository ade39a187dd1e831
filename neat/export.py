"""A genome as a networkx graph, written as node-link JSON, GraphML or Graphviz DOT.

Nodes are the genome's node ids with attributes kind, label, activation and bias; edges carry
innovation, weight and enabled.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

import networkx as nx

from neat.activations import ACTIVATIONS
from neat.genome import NODE_KINDS, Genome

FORMATS = ("json", "graphml", "dot")


def genome_graph(genome: Genome, input_labels: Sequence[str] = (),
                 output_labels: Sequence[str] = ()) -> nx.DiGraph:
    """The genome as a DiGraph; inputs and outputs are labelled by the task's names when given,
    hidden nodes (and unnamed inputs/outputs) by their id."""
    graph: nx.DiGraph[int] = nx.DiGraph(key=genome.key, n_inputs=genome.n_inputs, n_outputs=genome.n_outputs)
    labels = dict(enumerate(input_labels[: genome.n_inputs]))
    labels.update((genome.n_inputs + i, name)
                  for i, name in enumerate(output_labels[: genome.n_outputs]))
    for node, kind, act, bias in zip(genome.node_id.tolist(), genome.node_kind.tolist(),
                                     genome.node_act.tolist(), genome.node_bias.tolist(), strict=True):
        graph.add_node(node, kind=NODE_KINDS[kind], label=str(labels.get(node, node)),
                       activation=ACTIVATIONS[act], bias=bias)
    for innov, src, dst, weight, enabled in zip(
            genome.conn_innov.tolist(), genome.conn_src.tolist(), genome.conn_dst.tolist(),
            genome.conn_weight.tolist(), genome.conn_enabled.tolist(), strict=True):
        graph.add_edge(src, dst, innovation=innov, weight=weight, enabled=enabled)
    return graph


def graph_to_text(graph: nx.DiGraph, fmt: str) -> str:
    """`graph` in format `fmt` (one of FORMATS)."""
    if fmt == "json":
        return json.dumps(nx.node_link_data(graph, edges="edges"), indent=1) + "\n"
    if fmt == "graphml":
        buffer = io.BytesIO()
        nx.write_graphml(graph, buffer)
        return buffer.getvalue().decode("utf-8")
    if fmt == "dot":
        return graph_to_dot(graph)
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


_SHAPES = {"input": "box", "output": "doublecircle", "hidden": "circle"}


def graph_to_dot(graph: nx.DiGraph) -> str:
    """Graphviz DOT text: inputs on the left as boxes, outputs on the right; disabled links dashed,
    negative weights red."""
    lines = ["digraph genome {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for kind, rank in (("input", "source"), ("output", "sink")):
        members = " ".join(str(n) for n, d in graph.nodes(data=True) if d["kind"] == kind)
        if members:
            lines.append(f"  {{ rank={rank}; {members}; }}")
    for node, d in graph.nodes(data=True):
        label = f"{_escape(d['label'])}\\n{d['activation']} b={d['bias']:.3g}"
        lines.append(f'  {node} [label="{label}", shape={_SHAPES[d["kind"]]}];')
    for src, dst, d in graph.edges(data=True):
        style = "solid" if d["enabled"] else "dashed"
        color = "black" if d["weight"] >= 0 else "red"
        lines.append(f'  {src} -> {dst} [label="{d["weight"]:.3g}", style={style}, '
                     f'color={color}, innovation={d["innovation"]}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
