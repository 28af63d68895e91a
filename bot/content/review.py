"""Who or what made a translation file, and what it counts as now.

A translation file may open with a `review:` mapping (status, by, date, fingerprint):

- `machine-draft`: written or checked by software alone ("software"); a file without a
  `review:` counts as this, since nobody vouched for it.
- `draft`: a person wrote or edited it (their name).
- `reviewed`: a translator the operator names read every text against the Swedish.

Only a person's command (`bystander translate --mark-reviewed NAME`) writes `reviewed`,
with a fingerprint of every entry's Swedish `source` and `text` as they were reviewed. A
reviewed file counts as a draft again as soon as a text is missing or stale, or an entry
changed since the review: the translation is no longer what the reviewer read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from bot.content.diagnostics import Location, Report
from bot.content.fields import Fields, check_choice

MACHINE_DRAFT, DRAFT, REVIEWED = "machine-draft", "draft", "reviewed"
STATUSES = (MACHINE_DRAFT, DRAFT, REVIEWED)  # lowest first
SOFTWARE = "software"  # who made a machine draft


@dataclass(frozen=True)
class Review:
    status: str = MACHINE_DRAFT  # as recorded in the file
    by: str = ""
    date: str = ""
    fingerprint: str = ""  # of the entries as reviewed; only a reviewed file records it
    effective: str = MACHINE_DRAFT  # what the file counts as now

    def describe(self) -> str:
        """The status for a table: `reviewed`, or `draft (reviewed, changed since)`."""
        if self.effective == self.status:
            return self.status
        return f"{self.effective} ({self.status}, changed since)"


class Sourced(Protocol):
    """A translated entry: the Swedish it translates and its text."""

    source: str | None
    text: str


def at_least(status: str, threshold: str) -> bool:
    return STATUSES.index(status) >= STATUSES.index(threshold)


def lowest(statuses: list[str]) -> str:
    return min(statuses, key=STATUSES.index, default=MACHINE_DRAFT)


def fingerprint(entries: Mapping[str, Sourced]) -> str:
    """Twelve hex digits standing for every key's Swedish source and text."""
    rows = sorted((key, entry.source, entry.text) for key, entry in entries.items())
    flat = json.dumps(rows, ensure_ascii=False)
    return hashlib.sha256(flat.encode("utf-8")).hexdigest()[:12]


def read_review(top: Fields, report: Report) -> Review:
    """The `review:` mapping of a translation file; none counts as a machine draft."""
    node = top.get("review")
    if node is None:
        return Review()
    review = Fields(
        node, report, "review", required=("status", "by", "date"), optional=("fingerprint",)
    )
    status = review.text("status") or MACHINE_DRAFT
    if not check_choice(status, review.where("status"), STATUSES, "review status", report, "T507"):
        status = MACHINE_DRAFT
    return Review(
        status,
        review.text("by") or "",
        review.text("date") or "",
        review.text("fingerprint") or "",
    )


def judge(
    review: Review,
    entries: Mapping[str, Sourced],
    problems: int,
    language: str,
    path: Path,
    report: Report,
) -> Review:
    """What the file counts as now; a reviewed file that changed since is a draft (T508).

    `problems`: its texts that are missing, stale or unusable."""
    if review.status != REVIEWED:
        return replace(review, effective=review.status)
    changed = fingerprint(entries) != review.fingerprint
    if not problems and not changed:
        return replace(review, effective=REVIEWED)
    why = f"{problems} text(s) missing or stale" if problems else "its entries changed"
    report.add(
        Location.start_of(path),
        "T508",
        f"{language}: reviewed by {review.by} on {review.date}, but {why} since; it counts "
        f"as a draft until a person reviews it again (bystander translate --lang {language} "
        "--mark-reviewed NAME)",
        warning=True,
    )
    return replace(review, effective=DRAFT)
