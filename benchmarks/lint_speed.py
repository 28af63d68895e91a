"""Loader/linter speed on a large content library.

    python benchmarks/lint_speed.py [--scenarios 500] [--repeat 3]

Generates `--scenarios` valid scenarios of varied size (1–5 steps per phase, 2–6 choices
per step, 1–4 endings, short to phone-limit texts) in a temporary folder, each with a
complete English translation, then times `bot.content.catalog.load_catalog` over the
folder (in this process, `--repeat` times; the first is reported apart because the files
were just written and are in the page cache anyway) and `bystander lint` on the folder
as a command (interpreter start included). Every generated scenario must load without
errors: the benchmark fails otherwise, so it never times a linter that gave up early.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, goal, header, table

from bot.config import content_dirs
from bot.content.catalog import load_catalog

STRATEGIES = ["distract", "delegate", "document", "delay", "direct", "none"]
ASSESSMENTS = ["helpful", "partly", "harmful"]
FOCUS = ["children_and_youth", "close_relationships", "narcotics", "gender_norms"]
PRINCIPLES = ["secure_relationships", "gender_norms", "leadership", "active_bystander"]
HELP = ["police", "bris", "umo", "emergency"]
SENTENCE = (
    "du ser hur några i klassen står runt Sara vid skåpen och skrattar högt medan hon "
    "försöker gå därifrån men de ställer sig i vägen och någon filmar med mobilen"
)
WORDS = SENTENCE.split(" ")


def _filler(rng: random.Random, low: int, high: int) -> str:
    """Swedish-looking filler of low..high characters, safe as a plain YAML scalar."""
    target = rng.randint(low, high)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < target:
        words.append(rng.choice(WORDS))
    text = " ".join(words)[:target].strip()
    return (text[0].upper() + text[1:] + ".") if text else "Text."


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(folder: Path, index: int, rng: random.Random) -> int:
    """Write scenario number `index` and its en.yaml; returns the number of texts."""
    sid = f"gen-{index:04d}"
    # Sizes around the shipped scenarios' (5–6 steps, ~3.5 choices, ~215-character steps),
    # with a quarter smaller and a sixth larger (up to the phone limits).
    size = rng.choices(["small", "medium", "large"], [0.25, 0.6, 0.15])[0]
    most_steps, most_choices, stretch = {"small": (1, 3, 0.5), "medium": (2, 5, 0.8),
                                         "large": (5, 6, 1.0)}[size]  # fmt: skip
    phases = {name: [f"{name[0]}{n}" for n in range(rng.randint(1, most_steps))] for name in
              ("before", "during", "after")}  # fmt: skip
    endings = [f"end{n}" for n in range(rng.randint(1, 4))]

    def _text(rng: random.Random, low: int, high: int) -> str:
        return _filler(rng, low, max(low, int(high * stretch)))

    order = [s for name in ("before", "during", "after") for s in phases[name]]
    strings: dict[str, str] = {}
    lines = [
        f"id: {sid}",
        f"version: {rng.randint(1, 9)}",
        f"title: {_q(_set(strings, 'title', _text(rng, 8, 40)))}",
        f"description: {_q(_set(strings, 'description', _text(rng, 40, 190)))}",
        f"focus_areas: [{', '.join(rng.sample(FOCUS, rng.randint(1, 3)))}]",
        f"principles: [{', '.join(rng.sample(PRINCIPLES, rng.randint(1, 3)))}]",
        "age: {min: 13, max: 19}",
        f"minutes: {rng.randint(2, 10)}",
        f"content_note: {_q(_set(strings, 'content_note', _text(rng, 20, 150)))}",
        "phases:",
    ]
    for name in ("before", "during", "after"):
        lines.append(f"  {name}:")
        for step in phases[name]:
            position = order.index(step)
            later = order[position + 1 :]
            lines += [
                f"    - id: {step}",
                f"      text: {_q(_set(strings, f'{step}.text', _text(rng, 60, 650)))}",
                "      choices:",
            ]
            count = rng.randint(2, most_choices)
            if step == order[-1]:
                count = max(count, len(endings))  # room to lead to every ending
            for c in range(count):
                choice = f"c{c}"
                # The first choice always moves on (so every step reaches an ending); the
                # others may skip ahead or end the story early.
                target = later[0] if later else rng.choice(endings)
                if c and rng.random() < 0.3:
                    target = rng.choice(later + endings)
                key = f"{step}.{choice}"
                lines += [
                    f"        - id: {choice}",
                    f"          label: {_q(_set(strings, f'{key}.label', _text(rng, 6, 44)))}",
                    f"          feedback: "
                    f"{_q(_set(strings, f'{key}.feedback', _text(rng, 30, 380)))}",
                    f"          strategy: {rng.choice(STRATEGIES)}",
                    f"          assessment: {rng.choice(ASSESSMENTS)}",
                    f"          next: {target}",
                ]  # fmt: skip
    # Every ending must be reachable: the last step's first choices lead to each in turn.
    last = order[-1]
    lines.append("endings:")
    for ending in endings:
        lines += [
            f"  - id: {ending}",
            f"    title: {_q(_set(strings, f'{ending}.title', _text(rng, 8, 50)))}",
            f"    debrief: {_q(_set(strings, f'{ending}.debrief', _text(rng, 100, 850)))}",
            f"    remember: {_q(_set(strings, f'{ending}.remember', _text(rng, 20, 180)))}",
            f"    help: [{', '.join(rng.sample(HELP, rng.randint(1, 3)))}]",
        ]
    text = "\n".join(lines) + "\n"
    text = _route_endings(text, last, endings)
    directory = folder / sid
    directory.mkdir()
    (directory / "scenario.yaml").write_text(text, encoding="utf-8")
    translation = ["language: en", "strings:"]
    for key, source in strings.items():
        translation += [f"  {key}:", f"    source: {_q(source)}", f"    text: {_q('EN ' + source)}"]
    (directory / "en.yaml").write_text("\n".join(translation) + "\n", encoding="utf-8")
    return len(strings)


def _set(strings: dict[str, str], key: str, value: str) -> str:
    strings[key] = value
    return value


def _route_endings(text: str, last: str, endings: list[str]) -> str:
    """Point the last step's choices at every ending in turn, so none is unreachable."""
    lines = text.split("\n")
    start = lines.index(f"    - id: {last}")
    n = 0
    for i in range(start, len(lines)):
        if lines[i] == "endings:":
            break
        if lines[i].startswith("          next: "):
            lines[i] = f"          next: {endings[n % len(endings)]}"
            n += 1
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    _, locales = content_dirs({})
    folder = Path(tempfile.mkdtemp(prefix="bench-lint-"))
    try:
        texts = sum(generate(folder, i, rng) for i in range(args.scenarios))
        size = sum(p.stat().st_size for p in folder.rglob("*.yaml"))
        times = []
        for _ in range(args.repeat):
            catalog = report = None  # let the previous catalog go first, as a new run would
            started = time.perf_counter()
            catalog = load_catalog([folder], locales)
            times.append(time.perf_counter() - started)
            report = catalog.all_diagnostics()
            if report.errors or len(catalog.scenarios) != args.scenarios:
                first = report.sorted()[:5]
                sys.exit(f"generated scenarios do not all load: {len(report.errors)} errors, "
                         f"{len(catalog.scenarios)} loaded; first: {first}")  # fmt: skip
        warnings = len(report.items) - len(report.errors)
        started = time.perf_counter()
        cli = subprocess.run(
            [sys.executable, "-m", "bot.cli.main", "lint", str(folder)],
            cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        cli_s = time.perf_counter() - started
        if cli.returncode != 0:
            output = cli.stdout[-2000:] + cli.stderr[-2000:]
            sys.exit(f"bystander lint failed ({cli.returncode}):\n{output}")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import bot.cli.main"], cwd=REPO, check=True)
        import_s = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(header("lint speed: load_catalog over generated scenarios"))
    print(
        f"{args.scenarios} scenarios + {args.scenarios} en.yaml, {texts:,} texts, "
        f"{size / 2**20:.1f} MB of YAML; {warnings} warning(s), 0 errors\n"
    )
    per = 1000 * statistics.median(times) / args.scenarios
    rows = [
        ["load_catalog, first run", times[0], 1000 * times[0] / args.scenarios],
        [f"load_catalog, median of {len(times)}", statistics.median(times), per],
        ["bystander lint (a new process)", cli_s, 1000 * cli_s / args.scenarios],
        ["  of which: python -c 'import bot.cli.main'", import_s, float("nan")],
    ]
    print(table(["what", "seconds", "ms per scenario"], rows))
    best = statistics.median(times)
    print(f"\nload_catalog median {best:.2f} s [goal < 2 s: {goal(best < 2)}]; "
          f"bystander lint {cli_s:.2f} s [goal < 2 s: {goal(cli_s < 2)}]")  # fmt: skip


if __name__ == "__main__":
    main()
