"""The branch graph of a scenario as Mermaid or Graphviz dot text."""

from __future__ import annotations

from bot.engine.model import Phase, Scenario
from bot.services.presenter import Presenter, plain


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split()).replace('"', "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_graph(scenario: Scenario, presenter: Presenter, language: str, fmt: str) -> str:
    return (_dot if fmt == "dot" else _mermaid)(scenario, presenter, language)


def _edges(scenario: Scenario, presenter: Presenter, language: str):
    for step in scenario.steps.values():
        for choice in step.choices:
            strategy = presenter.strategy_name(choice.strategy, language)
            yield step.id, choice.next, f"{strategy}: {_short(choice.label.get(language), 30)}"


def _node_id(item_id: str) -> str:
    return "n_" + item_id.replace("-", "_")


def _mermaid(scenario: Scenario, presenter: Presenter, language: str) -> str:
    lines = ["flowchart TD"]
    for phase in Phase:
        lines.append(
            f'  subgraph {phase.value}["{plain(presenter.phase_heading(phase, language))}"]'
        )
        for step in scenario.steps_in(phase):
            start = "▶ " if step.id == scenario.start else ""
            lines.append(
                f'    {_node_id(step.id)}["{start}{step.id}: {_short(step.text.get(language))}"]'
            )
        lines.append("  end")
    for ending in scenario.endings.values():
        lines.append(
            f'  {_node_id(ending.id)}(["🏁 {ending.id}: {_short(ending.title.get(language))}"])'
        )
    for source, target, label in _edges(scenario, presenter, language):
        lines.append(f'  {_node_id(source)} -- "{label}" --> {_node_id(target)}')
    return "\n".join(lines)


def _dot(scenario: Scenario, presenter: Presenter, language: str) -> str:
    lines = [f'digraph "{scenario.id}" {{', "  rankdir=TB;", "  node [shape=box];"]
    for phase in Phase:
        lines.append(f"  subgraph cluster_{phase.value} {{")
        lines.append(f'    label="{plain(presenter.phase_heading(phase, language))}";')
        for step in scenario.steps_in(phase):
            style = ", style=bold" if step.id == scenario.start else ""
            label = f"{step.id}\\n{_short(step.text.get(language))}"
            lines.append(f'    {_node_id(step.id)} [label="{label}"{style}];')
        lines.append("  }")
    for ending in scenario.endings.values():
        label = f"🏁 {ending.id}\\n{_short(ending.title.get(language))}"
        lines.append(f'  {_node_id(ending.id)} [label="{label}", shape=doubleoctagon];')
    for source, target, label in _edges(scenario, presenter, language):
        lines.append(f'  {_node_id(source)} -> {_node_id(target)} [label="{label}"];')
    lines.append("}")
    return "\n".join(lines)
