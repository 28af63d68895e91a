"""The report's follow-up counts (bot.evaluation.data.FollowUpCount) as SQL both backends
run: how many people gave each answer to each follow-up question, and how many answered it.

A follow-up counts like an answer pair: in the month of its reminder (`due_on`), and in the
class of the person's first run of the round's scenario, under the report's other filters.
The backends differ only in how a person is named and how a stored list of ids
("direct,delay") becomes rows."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.measures import NOTHING
from bot.evaluation.data import ANSWERED, SOMETHING


@dataclass(frozen=True)
class FollowUpCounts:
    """`person`: the column naming a person; `split`: a table of one column `j.value`, the
    ids of the comma-joined list `{ids}`."""

    person: str
    split: str

    def query(self, runs: str, due: str) -> str:
        """`runs`: the report's filters over that first run `r` (without the period); `due`:
        the period over `o.due_on`. Their parameters in that order."""
        p = self.person
        acted, reasons = (self.split.format(ids=f"t.{column}") for column in ("acted", "reasons"))
        return (
            f"WITH t AS (SELECT o.{p} AS person, o.opportunity, o.acted, o.reasons"
            " FROM follow_ups o WHERE o.opportunity IS NOT NULL AND EXISTS (SELECT 1 FROM runs r"
            f"  WHERE r.first_play AND r.{p} = o.{p} AND r.scenario_id = o.scenario_id"
            f"  AND {runs}) AND {due}),"
            " answers AS (SELECT person, 'opportunity' AS question, opportunity AS answer FROM t"
            f" UNION ALL SELECT person, 'acted', j.value FROM t CROSS JOIN {acted}"
            "  WHERE t.opportunity = 'yes'"
            f" UNION ALL SELECT person, 'reasons', j.value FROM t CROSS JOIN {reasons}"
            f"  WHERE t.opportunity = 'yes' AND '{NOTHING}' IN (SELECT j.value FROM {acted}))"
            " SELECT question, answer, count(DISTINCT person) FROM answers WHERE answer != ''"
            " GROUP BY question, answer"
            f" UNION ALL SELECT question, '{ANSWERED}', count(DISTINCT person) FROM answers"
            " WHERE answer != '' GROUP BY question"
            f" UNION ALL SELECT question, '{SOMETHING}', count(DISTINCT person) FROM answers"
            f" WHERE question = 'acted' AND answer NOT IN ('', '{NOTHING}') GROUP BY question"
        )
