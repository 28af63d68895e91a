"""Retention's K rule for aggregate rows, as SQL both backends run (docs/evaluation.md):
rows describing fewer than K people are merged into a row without class and age band for
their month, and what is still under K is deleted; answer pairs of a small month lose their
month, and small undated groups go. The backends differ only in how a row is named (SQLite's
`rowid`, PostgreSQL's `id`) and how K is passed (`:k`, `%(k)s`)."""

from __future__ import annotations

from dataclasses import dataclass

AGGREGATES = (  # table, the columns that are not merged, the columns that add up
    ("choice_aggregates", "scenario_id, step_id, choice_id, strategy, assessment, phase,"
     " first_play", ("answers", "participants")),
    ("run_aggregates", "scenario_id", ("starts", "completions", "participants")),
)  # fmt: skip


@dataclass(frozen=True)
class SmallGroups:
    """The statements for one backend: `row_id` names a row, `k` stands for K."""

    row_id: str
    k: str

    def rows(self, table: str, key: str, *, coarse: bool) -> str:
        """Row ids of an aggregate table's rows in groups of fewer than K people: groups by
        month, `key` and class and age band (`coarse`: rows already without class and age
        band, grouped by month and `key`)."""
        if coarse:
            within, rows = f"month, {key}", "WHERE class_id IS NULL AND age_band IS NULL"
        else:
            within, rows = f"month, {key}, class_id, age_band", ""
        return (
            f"SELECT id FROM (SELECT {self.row_id} AS id, class_id, age_band, sum(participants)"
            f" OVER (PARTITION BY {within}) AS people FROM {table} {rows}) AS grouped"
            f" WHERE people < {self.k}"
            + ("" if coarse else " AND (class_id IS NOT NULL OR age_band IS NOT NULL)")
        )

    def pairs(self, *, dated: bool) -> str:
        """Answer pairs are one person each, so a group's size is its number of rows: pairs
        of a month (then, undated, of all months) that fewer than K people gave."""
        within = "scenario_id, item_id, comparison"
        if dated:
            within = f"month, {within}"
        return (
            f"SELECT id FROM (SELECT {self.row_id} AS id, count(*) OVER (PARTITION BY {within})"
            f" AS people FROM measure_pair_archive WHERE month IS {'NOT ' if dated else ''}NULL)"
            f" AS grouped WHERE people < {self.k}"
        )

    def coarsen(self) -> tuple[str, ...]:
        """Every statement of the rule, in order."""
        merged = [s for aggregate in AGGREGATES for s in self._coarsen(*aggregate)]
        return (
            *merged,
            f"UPDATE measure_pair_archive SET month = NULL WHERE {self.row_id} IN"
            f" ({self.pairs(dated=True)})",
            f"DELETE FROM measure_pair_archive WHERE {self.row_id} IN ({self.pairs(dated=False)})",
        )

    def count(self) -> str:
        """How many rows the rule would merge or delete now (a dry run's figure)."""
        queries = [
            *(self.rows(table, key, coarse=coarse) for table, key, _ in AGGREGATES
              for coarse in (False, True)),
            self.pairs(dated=True),
            self.pairs(dated=False),
        ]  # fmt: skip
        return "SELECT " + " + ".join(f"(SELECT count(*) FROM ({q}) AS small)" for q in queries)

    def _coarsen(self, table: str, key: str, sums: tuple[str, ...]) -> tuple[str, ...]:
        """Merge rows of fewer than K people into a row without class and age band for
        their month; delete what is still under K."""
        columns = f"month, {key}, class_id, age_band, {', '.join(sums)}"
        totals = ", ".join(f"sum({name})" for name in sums)
        fine = self.rows(table, key, coarse=False)
        return (
            f"INSERT INTO {table} ({columns}) SELECT month, {key}, NULL, NULL, {totals}"
            f" FROM {table} WHERE {self.row_id} IN ({fine}) GROUP BY month, {key}",
            f"DELETE FROM {table} WHERE {self.row_id} IN ({fine})",
            f"DELETE FROM {table} WHERE {self.row_id} IN ({self.rows(table, key, coarse=True)})",
        )
