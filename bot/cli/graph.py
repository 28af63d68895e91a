"""The branch graph of a scenario as Mermaid or Graphviz dot text.

It is drawn from the scenario's draft, so a scenario with errors is drawn too, which is
when an author needs the picture most: a `next:` that names nothing becomes a red dashed
node, and steps, endings and choices with an error are red. Each choice's assessment
shows in its edge: a mark in the label, a colour and a line style, explained in a legend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.content.diagnostics import Diagnostic, Location
from bot.content.scenario_file import ScenarioDraft
from bot.engine.model import Assessment, Phase
from bot.services.presenter import Presenter, plain

# Mark, colour and Graphviz line style; Mermaid draws the same with its own arrows.
ASSESSMENT_STYLE = {
    Assessment.HELPFUL: ("✓", "#1a7f37", "bold"),
    Assessment.PARTLY: ("~", "#b35900", "solid"),
    Assessment.HARMFUL: ("✗", "#cf222e", "dashed"),
}
MERMAID_ARROW = {
    Assessment.HELPFUL: ("==", "==>"),
    Assessment.PARTLY: ("--", "-->"),
    Assessment.HARMFUL: ("-.", ".->"),
}
ERROR_COLOUR = "#d00000"
MERMAID_ERROR_CLASSES = {
    "broken": f"stroke:{ERROR_COLOUR},stroke-width:3px,color:{ERROR_COLOUR}",
    "missing": f"stroke:{ERROR_COLOUR},stroke-dasharray:6 4,fill:#fff0f0",
}
LEGEND = "Choices: ✓ helpful (green, thick) · ~ partly (orange) · ✗ harmful (red, dashed)"


@dataclass(frozen=True)
class Node:
    name: str  # the step or ending id as written
    label: str
    kind: str  # "step", "ending" or "missing" (a next: that names nothing)
    phase: Phase | None = None
    start: bool = False
    broken: bool = False


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str  # starts with ⚠ when the choice has an error
    assessment: Assessment


@dataclass
class Graph:
    title: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    note: str = ""  # what is wrong, for a scenario with errors

    def key(self, name: str) -> str:
        """A node id that is safe in both languages, whatever the author wrote as an id."""
        return f"n{list(self.nodes).index(name)}"


def render_graph(
    draft: ScenarioDraft,
    text: Callable[[str], str],
    errors: list[Diagnostic],
    presenter: Presenter,
    language: str,
    fmt: str,
) -> str:
    """`text` gives a translation key's text in `language`; `errors` are the draft's."""
    graph = build_graph(draft, text, errors, presenter, language)
    return (_dot if fmt == "dot" else _mermaid)(graph, presenter, language)


def build_graph(
    draft: ScenarioDraft,
    text: Callable[[str], str],
    errors: list[Diagnostic],
    presenter: Presenter,
    language: str,
) -> Graph:
    spots = {Location(d.path, d.line, d.column) for d in errors}
    graph = Graph(draft.id or draft.path)
    start = next((s.id for s in draft.steps if s.phase is Phase.BEFORE), None)
    for step in draft.steps:
        story = text(f"{step.id}.text") or text(f"{step.id}.text.1")  # a text in lines: its first
        label = f"{'▶ ' if step.id == start else ''}{step.id}: {_short(story)}"
        broken = step.where in spots
        graph.nodes[step.id] = Node(step.id, label, "step", step.phase, step.id == start, broken)
    for ending in draft.endings:
        if ending.id not in graph.nodes:  # else a duplicate id, which lint reports
            label = f"🏁 {ending.id}: {_short(text(f'{ending.id}.title'))}"
            broken = ending.where in spots
            graph.nodes[ending.id] = Node(ending.id, label, "ending", broken=broken)
    for step in draft.steps:
        for choice in step.choices:
            if choice.next not in graph.nodes:
                label = f"⚠ {choice.next}: no such step or ending"
                graph.nodes[choice.next] = Node(choice.next, label, "missing", broken=True)
            mark = ASSESSMENT_STYLE[choice.assessment][0]
            if {choice.where, choice.next_where} & spots:
                mark = f"⚠ {mark}"
            strategy = presenter.strategy_name(choice.strategy, language)
            label = f"{mark} {strategy}: {_short(text(f'{step.id}.{choice.id}.label'), 30)}"
            graph.edges.append(Edge(step.id, choice.next, label, choice.assessment))
    if errors:
        where = f"bystander lint {draft.path}"
        graph.note = _short(f"⚠ {len(errors)} error(s), red where shown here: {where}", 200)
    return graph


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split()).replace('"', "'").replace("\\", "/") or "(no text)"
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _phase_steps(graph: Graph, phase: Phase) -> Iterable[Node]:
    return (n for n in graph.nodes.values() if n.kind == "step" and n.phase is phase)


def _mermaid(graph: Graph, presenter: Presenter, language: str) -> str:
    lines = ["flowchart TD"]
    for phase in Phase:
        heading = plain(presenter.phase_heading(phase, language))
        lines.append(f'  subgraph {phase.value}["{heading}"]')
        lines.extend(f'    {graph.key(n.name)}["{n.label}"]' for n in _phase_steps(graph, phase))
        lines.append("  end")
    for node in graph.nodes.values():
        if node.kind == "ending":
            lines.append(f'  {graph.key(node.name)}(["{node.label}"])')
        elif node.kind == "missing":
            lines.append(f'  {graph.key(node.name)}{{{{"{node.label}"}}}}')
    for edge in graph.edges:
        opening, arrow = MERMAID_ARROW[edge.assessment]
        source, target = graph.key(edge.source), graph.key(edge.target)
        lines.append(f'  {source} {opening} "{edge.label}" {arrow} {target}')
    for assessment, (_, colour, _) in ASSESSMENT_STYLE.items():
        numbers = [str(i) for i, e in enumerate(graph.edges) if e.assessment is assessment]
        if numbers:
            lines.append(f"  linkStyle {','.join(numbers)} stroke:{colour},color:{colour}")
    lines.append(f'  legend>"{LEGEND}"]')
    if graph.note:
        lines.append(f'  note>"{graph.note}"]')
        classes: dict[str, list[str]] = {"broken": ["note"], "missing": []}
        for node in graph.nodes.values():
            if node.broken:
                css = "missing" if node.kind == "missing" else "broken"
                classes[css].append(graph.key(node.name))
        for css, keys in classes.items():
            lines.append(f"  classDef {css} {MERMAID_ERROR_CLASSES[css]}")
            if keys:
                lines.append(f"  class {','.join(keys)} {css}")
    return "\n".join(lines)


def _dot(graph: Graph, presenter: Presenter, language: str) -> str:
    lines = [f'digraph "{_short(graph.title)}" {{', "  rankdir=TB;", "  node [shape=box];"]
    for phase in Phase:
        lines.append(f"  subgraph cluster_{phase.value} {{")
        lines.append(f'    label="{plain(presenter.phase_heading(phase, language))}";')
        for node in _phase_steps(graph, phase):
            lines.append(f"    {graph.key(node.name)} [{_dot_node(node)}];")
        lines.append("  }")
    for node in graph.nodes.values():
        if node.kind != "step":
            lines.append(f"  {graph.key(node.name)} [{_dot_node(node)}];")
    for edge in graph.edges:
        _, colour, style = ASSESSMENT_STYLE[edge.assessment]
        width = ", penwidth=2" if edge.assessment is Assessment.HELPFUL else ""
        attributes = f'label="{edge.label}", color="{colour}", fontcolor="{colour}", style={style}'
        source, target = graph.key(edge.source), graph.key(edge.target)
        lines.append(f"  {source} -> {target} [{attributes}{width}];")
    lines.append(f'  legend [shape=note, label="{LEGEND}"];')
    if graph.note:
        lines.append(f'  note [shape=note, color="{ERROR_COLOUR}", label="{graph.note}"];')
    lines.append("}")
    return "\n".join(lines)


def _dot_node(node: Node) -> str:
    label = node.label.replace(": ", "\\n", 1)
    attributes = [f'label="{label}"']
    if node.kind == "ending":
        attributes.append("shape=doubleoctagon")
    if node.start:
        attributes.append("style=bold")
    if node.kind == "missing":
        attributes.append(f'shape=hexagon, style=dashed, color="{ERROR_COLOUR}"')
    elif node.broken:
        attributes.append(f'color="{ERROR_COLOUR}", penwidth=3')
    return ", ".join(attributes)
