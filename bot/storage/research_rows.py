"""The researchers' row-level export as SQL both backends run (bot.storage.ports
`research_rows`). Each answer carries its person, the person's round (named by the scenario
it started with) and the class of the person's first run of it (as answer pairs do in
reports) as ordinals numbered afresh in every read: never a pseudonym or a class id. The
backends differ only in how a person is named, how a day becomes its month and how a
parameter is written."""

from __future__ import annotations

from bot.storage.records import FOLLOW_UP_ANSWERS, FOLLOW_UP_WAVE


def research_rows_sql(person: str, month: str, first: str, last: str) -> str:
    """`month`: a format with `{day}` for a day column's YYYY-MM; `first`, `last`: the
    period's two parameters as the backend writes them."""
    p, period = person, f"BETWEEN {first} AND {last}"
    follow_ups = "".join(
        f"\n  UNION ALL SELECT {p}, scenario_id, '{FOLLOW_UP_WAVE}', '{column}', NULL, {column},"
        f" {month.format(day='due_on')}"
        f" FROM follow_ups WHERE {column} IS NOT NULL AND due_on {period}"
        for column in FOLLOW_UP_ANSWERS
    )
    return f"""
WITH home AS (
  SELECT r.{p}, r.scenario_id AS round, min(r.report_class) AS home,
    EXISTS (SELECT 1 FROM lesson_rounds l WHERE l.{p} = r.{p}
      AND l.scenario_id = r.scenario_id) AS in_lesson
  FROM runs r WHERE r.first_play GROUP BY r.{p}, r.scenario_id),
answers AS (
  SELECT {p}, scenario_id AS round, wave, item_id, value, NULL AS answer,
    {month.format(day="answered_on")} AS month
  FROM measure_answers WHERE answered_on {period}{follow_ups})
SELECT dense_rank() OVER (ORDER BY x.{p}),
  dense_rank() OVER (PARTITION BY x.{p} ORDER BY x.round),
  CASE WHEN h.home IS NOT NULL THEN dense_rank() OVER (PARTITION BY h.home IS NULL
    ORDER BY h.home) END,
  coalesce(h.in_lesson, 1 = 0), u.age_band, u.language, x.wave, x.item_id, x.value, x.answer,
  x.month
FROM answers x JOIN users u ON u.{p} = x.{p}
LEFT JOIN home h ON h.{p} = x.{p} AND h.round = x.round
ORDER BY x.{p}, x.round, x.month, x.wave, x.item_id
"""
