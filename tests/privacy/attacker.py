"""An insider who adds up every number they were shown, to test what the bot publishes.

The bot promises that no number anyone can see, or derive from what they can see, tells them
one person's answer: a count below K (default 5) is never shown, and no shown number may let
a reader work one out. This module is the reader who tries. It is test code only; nothing in
`bot/` imports it.

Threat model, in plain words
----------------------------
The attacker is an insider who keeps every number they received and combines them:

- a curious youth worker watching one student tap on the class screen and refreshing the
  live view before and after: the change between two views is that student's answer;
- an evaluator who requests two reports with different filters (all classes; class Y;
  class Z) and subtracts one from the other to get a class that was hidden in its own
  report;
- more generally, anyone holding any bounded set of published numbers: totals, cells,
  shares ("42 %"), means ("3.50"), "fewer than K" markers, plus what they know for sure
  (a class has 25 members; an answer slot holds exactly one answer).

All of that is a system of linear equations and inequalities over non-negative integers.
The *unknowns* are the counts of atomic cells, keys the test chooses: for a report, say
``("7A", "2026-10", "s1", "a")`` (class, month, step, choice); for a live view refreshed
after every tap, ``("answer #17", "a")``, a 0/1 slot per answer and choice. Each published
number is one *observation* about a sum of atomic cells. The attacker then asks exact
questions, each a pair of mixed-integer programs (minimise, maximise) solved with HiGHS
through `scipy.optimize.milp`:

- `Attacker.bounds`: the tightest range of a sum, over every table consistent with all
  numbers received (the audit of Chin & Ozsoyoglu, and the protection-interval check of
  tau-ARGUS, done over the integers instead of the real numbers, so non-negativity and
  integrality pin cells that a linear-programming audit would miss);
- `Attacker.disclosed_small_cells`: every candidate sum known to be 1..K-1, exactly or only
  as a range ("it is 3 or 4" tells as much as "3" under the rule);
- `Attacker.target_choice` / `Attacker.target_value`: whether one person's choice (or
  questionnaire answer) follows from the numbers, given what the attacker knows about where
  that person is counted.

Numbers that were shown only approximately are ranges: a "fewer than K" marker is
``observe_range(cells, 0, K - 1)`` (or ``1, K - 1`` when zero is shown as 0); a rounded
share or mean uses `rounding_interval` with `Attacker.observe_ratio`. All arithmetic on
observations is exact (fractions): ``42 %`` of 19 answers is 41.5 %..42.5 % of 19 =
7.885..8.075, so the count is exactly 8.

What it deliberately does NOT model (the limits of a passing test)
------------------------------------------------------------------
- Only the numbers received. It does not use *why* a number was withheld: knowing the
  suppression algorithm (e.g. "the smallest shown neighbour is hidden second") can tell an
  attacker more about a hidden cell than "some number"; a test has to add such knowledge
  as observations itself. A hidden secondary cell is unconstrained unless the test says so.
- No background knowledge it is not told: class sizes, who was absent, who plays every
  week, what a friend said. Add what a realistic insider would know.
- Certainty only: it finds what is *determined*, not what is likely. "Nine of ten chose A"
  reveals a lot about one person probabilistically and passes here.
- Group disclosure is not flagged by `disclosed_small_cells`: "all of 7A chose B" is a
  large count. Ask `target_choice` for a person in 7A to catch it.
- The solver works in floating point. Data are small integers, every solution it returns
  is checked in exact integer arithmetic before it is trusted, and HiGHS is told to close
  the optimality gap completely; infeasibility and optimality proofs are HiGHS's own.
  Mixed-integer programs are exponential in the worst case; the tables here are not hard.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array, vstack

Number = int | Fraction | Decimal | float | str
"""An exact number: floats are read as their shortest decimal (0.415 is 415/1000)."""

Cells = Iterable[Hashable] | Mapping[Hashable, Number]
"""A sum of atomic cells: keys (a key listed twice counts twice) or key -> coefficient."""

Choice = TypeVar("Choice", bound=Hashable)

_POOL_SIZE = 64  # solutions kept to answer "can this be 0 / >= K?" without solving
_OPTIONS = {"mip_rel_gap": 0.0, "presolve": True, "disp": False}


class InconsistentObservations(ValueError):
    """No table of non-negative integers fits every number received.

    In a test this is itself a finding: the published numbers contradict each other (or
    the test modelled them wrongly).
    """


@dataclass(frozen=True)
class Disclosure:
    """A candidate sum the attacker pinned to 1..K-1 (exactly when low == high)."""

    name: Hashable
    low: int
    high: int

    @property
    def exact(self) -> bool:
        return self.low == self.high

    def __str__(self) -> str:
        if self.exact:
            return f"{self.name!r} = {self.low}"
        return f"{self.name!r} is between {self.low} and {self.high}"


def rounding_interval(shown: str) -> tuple[Fraction, Fraction]:
    """Every exact value that displays as `shown`: "3.50" -> [3.495, 3.505].

    The decimals come from the text itself; "42 %" (or "42%") is a share, [0.415, 0.425];
    a decimal comma ("3,50") is read like a point. The interval is closed, so it holds
    under any rounding rule (half up, half even).
    """
    text = shown.strip().replace(",", ".")
    scale = Fraction(1)
    if text.endswith("%"):
        text, scale = text[:-1].strip(), Fraction(1, 100)
    decimals = len(text.partition(".")[2])
    half = Fraction(1, 2 * 10**decimals)
    value = Fraction(text)
    return (value - half) * scale, (value + half) * scale


def _exact(number: Number) -> Fraction:
    if isinstance(number, float):
        if not math.isfinite(number):
            raise ValueError(f"not a finite number: {number}")
        return Fraction(repr(number))
    return Fraction(number)


class Attacker:
    """Every number one insider received, as linear constraints on atomic cell counts.

    Observations may be added at any time. The sparse constraint matrix is built once per
    set of observations and reused for every question; only the objective (or one extra
    row) changes between solves. scipy hands HiGHS a fresh copy per solve (no warm start),
    so `disclosed_small_cells` and `target_choice` first try the last solutions found, and
    solve only when none of them settles the question.
    """

    def __init__(self) -> None:
        self._index: dict[Hashable, int] = {}
        self._low: list[int] = []
        self._high: list[float] = []  # math.inf when unbounded
        self._rows: list[tuple[dict[int, int], float, float]] = []  # integer row, lo, hi
        self._model: _Model | None = None

    # --- What the attacker knows --------------------------------------------------------

    def unknown(self, key: Hashable, low: int = 0, high: int | None = None) -> None:
        """Declare an atomic cell, or tighten what is known of it: low <= count <= high.

        Cells named in observations are declared automatically as 0..unbounded.
        """
        if low < 0:
            raise ValueError(f"an atomic cell counts people, it cannot be negative: {key!r}")
        index = self._variable(key)
        self._low[index] = max(self._low[index], low)
        if high is not None:
            self._high[index] = min(self._high[index], high)
        self._model = None

    def observe(self, cells: Cells, value: Number) -> None:
        """The sum of these cells is exactly `value` (a published count, total, difference)."""
        self.observe_range(cells, value, value)

    def observe_range(self, cells: Cells, low: Number | None, high: Number | None) -> None:
        """The sum of these cells lies in [low, high] (None: no bound on that side).

        For a number shown only approximately: "fewer than K" is (0, K - 1) or (1, K - 1);
        a bound that is not a whole number is rounded inwards (exactly: counts are whole).
        """
        self._add_row(self._coefficients(cells, create=True), low, high)

    def observe_ratio(
        self, numerator: Cells, denominator: Cells, low: Number, high: Number
    ) -> None:
        """low <= sum(numerator) / sum(denominator) <= high: a rounded share or mean.

        A share: `numerator` is the count's cells, `denominator` the total's. A mean of
        answers: `numerator` maps each cell to its answer value, `denominator` lists the
        same cells. Used with `rounding_interval`. A denominator of 0 only leaves a
        numerator of 0; say ``observe_range(denominator, 1, None)`` if the number implies
        someone answered.
        """
        num = self._coefficients(numerator, create=True)
        den = self._coefficients(denominator, create=True)
        for bound, lo, hi in ((_exact(low), 0, None), (_exact(high), None, 0)):
            row = dict(num)
            for index, coefficient in den.items():
                row[index] = row.get(index, 0) - bound * coefficient
            self._add_row(row, lo, hi)

    def observe_exactly_one(self, cells: Iterable[Hashable]) -> None:
        """Exactly one of these 0/1 cells is 1: one person's one answer at one step."""
        keys = list(cells)
        for key in keys:
            self.unknown(key, 0, 1)
        self.observe(keys, 1)

    # --- What the attacker asks ---------------------------------------------------------

    def check(self) -> None:
        """Raise InconsistentObservations unless some table fits everything received."""
        self._compiled().feasible()

    def bounds(self, cells: Iterable[Hashable]) -> tuple[int, int | None]:
        """The tightest (low, high) of a sum of cells; high is None when unbounded."""
        model = self._compiled()
        objective = self._objective(cells)
        return model.minimum(objective), model.maximum(objective)

    def determined(self, cells: Iterable[Hashable]) -> int | None:
        """The sum's value when every table consistent with the numbers agrees on it."""
        low, high = self.bounds(cells)
        return low if low == high else None

    def disclosed_small_cells(
        self, candidates: Mapping[Hashable, Iterable[Hashable]], k: int = 5
    ) -> list[Disclosure]:
        """Every named candidate sum known to lie within 1..k-1, sorted by name.

        That covers exact disclosure (determined and 1..k-1) and range disclosure (low >= 1
        and high < k). Candidates are typically `atomic_cells()` plus every published or
        hidden cell of every table, each as the atomic cells it adds up.
        """
        model = self._compiled()
        found = []
        for name, cells in candidates.items():
            objective = self._objective(cells)
            if model.seen_at_most(objective, 0) or model.seen_at_least(objective, k):
                continue  # a known table already has it at 0 or at k or more
            low = model.minimum(objective)
            if low < 1:
                continue
            high = model.maximum(objective)
            if high is not None and high < k:
                found.append(Disclosure(name, low, high))
        return sorted(found, key=lambda disclosure: repr(disclosure.name))

    def target_choice(self, groups: Mapping[Choice, Iterable[Hashable]]) -> Choice | None:
        """The target's choice, when the numbers leave only one possible.

        `groups[c]` are the cells the target is counted in if they chose `c` (their class x
        month x step x c, or their own answer slot for c). Choice `c` is possible when some
        consistent table has ``sum(groups[c]) >= 1`` (which also says the target exists):
        people in one cell are interchangeable, so the target may be one of them. Raises
        InconsistentObservations when no choice is possible (the target cannot exist in
        the numbers). Stops solving as soon as two choices are possible.
        """
        model = self._compiled()
        possible = []
        for choice, cells in groups.items():
            if model.can_reach(self._objective(cells), 1):
                possible.append(choice)
                if len(possible) > 1:
                    return None
        if not possible:
            raise InconsistentObservations("the target is counted in none of the groups")
        return possible[0]

    def target_value(self, groups: Mapping[Choice, Iterable[Hashable]]) -> Choice | None:
        """The target's questionnaire answer: `target_choice` with answer values as keys."""
        return self.target_choice(groups)

    def atomic_cells(self) -> dict[Hashable, tuple[Hashable]]:
        """Each atomic cell as a candidate sum of its own, for `disclosed_small_cells`."""
        return {key: (key,) for key in self._index}

    # --- The model ----------------------------------------------------------------------

    def _variable(self, key: Hashable) -> int:
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self._low)
            self._low.append(0)
            self._high.append(math.inf)
        return index

    def _coefficients(self, cells: Cells, *, create: bool) -> dict[int, Fraction]:
        if isinstance(cells, str | bytes):
            raise TypeError(f"cells must be a collection of keys, not one string: {cells!r}")
        lookup = self._variable if create else self._known
        row: dict[int, Fraction] = {}
        if isinstance(cells, Mapping):
            pairs = ((key, _exact(coefficient)) for key, coefficient in cells.items())
        else:
            pairs = ((key, Fraction(1)) for key in cells)
        for key, coefficient in pairs:
            index = lookup(key)
            row[index] = row.get(index, Fraction(0)) + coefficient
        return row

    def _known(self, key: Hashable) -> int:
        try:
            return self._index[key]
        except KeyError:
            raise KeyError(f"no number received mentions the cell {key!r}") from None

    def _objective(self, cells: Iterable[Hashable]) -> np.ndarray:
        if isinstance(cells, Mapping):
            raise TypeError("a question is a plain sum of cells, not weighted")
        objective = np.zeros(len(self._low))
        for index, count in self._coefficients(cells, create=False).items():
            objective[index] = int(count)
        return objective

    def _add_row(
        self, coefficients: Mapping[int, Fraction], low: Number | None, high: Number | None
    ) -> None:
        """Store a row in whole numbers: scaled to integer coefficients, divided by their
        gcd, bounds rounded inwards (the row's value is an integer for integer cells)."""
        row = {index: c for index, c in coefficients.items() if c != 0}
        scale = math.lcm(*(c.denominator for c in row.values())) if row else 1
        integer = {index: int(c * scale) for index, c in row.items()}
        divisor = math.gcd(*integer.values()) if integer else 1
        integer = {index: c // divisor for index, c in integer.items()}
        factor = Fraction(scale, divisor)
        lo = -math.inf if low is None else math.ceil(_exact(low) * factor)
        hi = math.inf if high is None else math.floor(_exact(high) * factor)
        self._rows.append((integer, lo, hi))
        self._model = None

    def _compiled(self) -> _Model:
        if self._model is None:
            self._model = _Model(self._low, self._high, self._rows)
        return self._model


class _Model:
    """The compiled constraint system and a pool of known integer solutions."""

    def __init__(
        self,
        low: list[int],
        high: list[float],
        rows: list[tuple[dict[int, int], float, float]],
    ) -> None:
        n = len(low)
        data, row_index, col_index = [], [], []
        for r, (row, _, _) in enumerate(rows):
            for c, coefficient in row.items():
                data.append(coefficient)
                row_index.append(r)
                col_index.append(c)
        self.n = n
        self.a_int = csr_array(
            (np.array(data, dtype=np.int64), (row_index, col_index)), shape=(len(rows), n)
        )
        self.a = self.a_int.astype(np.float64)
        self.row_low = np.array([lo for _, lo, _ in rows], dtype=np.float64)
        self.row_high = np.array([hi for _, _, hi in rows], dtype=np.float64)
        self.var_low = np.array(low, dtype=np.float64)
        self.var_high = np.array(high, dtype=np.float64)
        empty = np.diff(self.a_int.indptr) == 0  # a row without cells adds up to 0
        self.trivially_infeasible = bool(
            np.any(self.var_low > self.var_high)
            or np.any(self.row_low > self.row_high)
            or np.any(empty & ((self.row_low > 0) | (self.row_high < 0)))
        )
        self._pool = np.zeros((_POOL_SIZE, n), dtype=np.int64)  # a ring of known solutions
        self._pooled = self._solved = 0
        self._feasible = False

    def feasible(self) -> None:
        if self._feasible:
            return
        if self.trivially_infeasible or self._solve(np.zeros(self.n)) is None:
            raise InconsistentObservations("no table of counts fits every number received")
        self._feasible = True

    def minimum(self, objective: np.ndarray) -> int:
        self.feasible()
        x = self._solve(objective)
        if x is None:
            raise RuntimeError("HiGHS found no minimum of a sum bounded below by 0")
        return int(objective @ x)

    def maximum(self, objective: np.ndarray) -> int | None:
        self.feasible()
        x = self._solve(-objective)
        if x is None:
            if self._unbounded(objective):
                return None
            raise RuntimeError("HiGHS found no maximum, and the sum is not unbounded")
        return int(objective @ x)

    def can_reach(self, objective: np.ndarray, at_least: int) -> bool:
        """Whether some table has objective . x >= at_least."""
        self.feasible()
        if self.seen_at_least(objective, at_least):
            return True
        extra = (csr_array(objective.reshape(1, -1)), at_least, math.inf)
        return self._solve(np.zeros(self.n), extra) is not None

    def seen_at_most(self, objective: np.ndarray, value: int) -> bool:
        return bool(np.any(self._pool[: self._pooled] @ objective <= value))

    def seen_at_least(self, objective: np.ndarray, value: int) -> bool:
        return bool(np.any(self._pool[: self._pooled] @ objective >= value))

    def _solve(
        self, objective: np.ndarray, extra: tuple[csr_array, float, float] | None = None
    ) -> np.ndarray | None:
        """An optimal integer solution (checked exactly), or None if HiGHS found none."""
        a, lo, hi = self.a, self.row_low, self.row_high
        if extra is not None:
            a = vstack([a, extra[0]], format="csr")
            lo, hi = np.append(lo, extra[1]), np.append(hi, extra[2])
        if self.n == 0:  # nothing to choose: the rows hold or they do not
            return np.zeros(0, dtype=np.int64) if np.all((lo <= 0) & (hi >= 0)) else None
        result = milp(
            objective,
            integrality=np.ones(self.n),
            bounds=Bounds(self.var_low, self.var_high),
            constraints=LinearConstraint(a, lo, hi) if a.shape[0] else None,
            options=_OPTIONS,
        )
        if result.status != 0:
            return None
        x = np.rint(result.x).astype(np.int64)
        activity = a @ x
        if not (
            np.all(x >= self.var_low)
            and np.all(x <= self.var_high)
            and np.all(activity >= lo)
            and np.all(activity <= hi)
        ):
            raise RuntimeError("HiGHS returned a solution that does not fit exactly")
        self._pool[self._solved % _POOL_SIZE] = x
        self._solved += 1
        self._pooled = min(self._solved, _POOL_SIZE)
        return x

    def _unbounded(self, objective: np.ndarray) -> bool:
        """Whether the sum grows without bound: a direction d that keeps every constraint
        (rows with a finite side stay on it) and raises the sum. For rational data with an
        integer solution this decides the integer problem too (Meyer 1974)."""
        result = milp(
            -objective,
            bounds=Bounds(np.zeros(self.n), np.where(np.isfinite(self.var_high), 0.0, 1.0)),
            constraints=LinearConstraint(
                self.a,
                np.where(np.isfinite(self.row_low), 0.0, -np.inf),
                np.where(np.isfinite(self.row_high), 0.0, np.inf),
            )
            if self.a.shape[0]
            else None,
            options=_OPTIONS,
        )
        return result.status == 0 and -result.fun > 1e-9
