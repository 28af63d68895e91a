"""A translator's work with `bystander translate` and `bystander lint`, on a copy of the content."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from botharness import copy_shipped_content

from bot.cli.main import main
from bot.content.catalog import load_catalog
from bot.content.review import MACHINE_DRAFT


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Copies of the shipped scenarios and interface strings, in Swedish and English only,
    used by every command."""
    scenarios, locales = copy_shipped_content(tmp_path)
    monkeypatch.setenv("BYSTANDER_SCENARIOS", str(scenarios))
    monkeypatch.setenv("BYSTANDER_LOCALES", str(locales))
    return scenarios, locales


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def fill(text: str, key: str, translation: str) -> str:
    """The file with `translation` as the text of `key`, as a translator types it."""
    start = text.index(f"\n  {key}:\n")
    empty = text.index("text: ''", start)
    return text[:empty] + f"text: {translation}" + text[empty + len("text: ''") :]


def swedish(locales: Path) -> dict[str, str]:
    return load_catalog([], locales).locales.strings["sv"]


def test_translate_scaffolds_the_interface_and_every_scenario(content, capsys) -> None:
    scenarios, locales = content
    code, out, _ = run(capsys, "translate", "--lang", "fi")
    assert code == 0
    interface = (locales / "fi.yaml").read_text(encoding="utf-8")
    source = swedish(locales)
    keys = re.findall(r"^  (\S+):$", interface, flags=re.MULTILINE)
    assert keys == list(source), "every interface key, in the Swedish order"
    assert "  age.16_17:\n    # en: 16–17\n    source: 16–17 år\n    text: ''\n" in interface
    assert f"fi.yaml: {len(source)} strings, {len(source)} added; {len(source)} to translate" in out
    assert (scenarios / "bus-fight" / "fi.yaml").exists()
    assert (scenarios / "measures" / "fi.yaml").exists()
    assert "    # en: Trouble on the bus\n    source: Bråk på bussen\n" in (
        scenarios / "bus-fight" / "fi.yaml"
    ).read_text(encoding="utf-8")


def test_lint_reports_coverage_per_language_and_a_partial_one_is_a_warning(content, capsys) -> None:
    _, locales = content
    run(capsys, "translate", "--lang", "fi")
    path = locales / "fi.yaml"
    text = fill(path.read_text(encoding="utf-8"), "age.16_17", "16–17 vuotta")
    path.write_text(text.replace("language_name: ''", "language_name: Suomi"), encoding="utf-8")
    total = len(swedish(locales))

    code, out, _ = run(capsys, "lint")
    assert code == 0, "a partial language is warnings only"
    assert "T502 warning: fi: no translation of 'start.welcome'" in out
    interface = out.split("Translation coverage of the interface strings")[1]
    assert re.search(rf"^en\s+{total}\s+100%\s+0\s+0\s+reviewed$", interface, flags=re.M)
    fi = rf"^fi\s+{total}\s+0%\s+0\s+{total - 1}\s+machine-draft$"
    assert re.search(fi, interface, flags=re.MULTILINE), "written by software: a machine draft"
    scenarios = out.split("Translation coverage of the scenarios")[1].split("interface")[0]
    assert re.search(r"^fi\s+\d+\s+0%.*machine-draft$", scenarios, flags=re.MULTILINE)
    files = out.split("Review status of each scenario file")[1]
    assert re.search(r"^bus-fight\s+reviewed\s+machine-draft$", files, flags=re.MULTILINE)

    code, out, _ = run(capsys, "lint", "--format", "json")
    coverage = json.loads(out)["interface_coverage"]["fi"]
    assert (coverage["translated"], coverage["missing"]) == (1, total - 1)


def test_a_second_run_keeps_comments_and_wrapped_lines_and_adds_only_new_keys(
    content, capsys
) -> None:
    _, locales = content
    run(capsys, "translate", "--lang", "fi")
    path = locales / "fi.yaml"
    wrapped = (
        "Hei! Täällä harjoittelet aktiivisena sivullisena olemista,\n"
        "      ja tämä rivi on katkaistu käsin."
    )
    text = fill(path.read_text(encoding="utf-8"), "start.welcome", wrapped)
    text = text.replace("\n  age.16_17:\n", "\n  # Kysy Mirjalta: vuotta vai v.?\n  age.16_17:\n")
    path.write_bytes(text.encode())
    sv = locales / "sv.yaml"
    sv.write_text(
        sv.read_text(encoding="utf-8")
        .replace("  age.18_19: 18–19 år\n", "  age.18_19: 18–19 år\n  age.new: Ny text\n")
        .replace("  age.unsaid: Vill inte säga\n", ""),
        encoding="utf-8",
    )

    code, out, _ = run(capsys, "translate", "--lang", "fi")
    assert code == 0
    after = path.read_bytes().decode()
    added = "  age.new:\n    source: Ny text\n    text: ''\n"
    assert added in after and after.replace(added, "", 1) == text, "nothing else changed"
    assert "1 added" in out and "kept 1 entry the Swedish no longer has" in out
    assert "age.unsaid" in out and "age.unsaid:" in after

    run(capsys, "translate", "--lang", "fi")
    assert path.read_bytes().decode() == after, "a run with nothing new changes no byte"


def test_a_changed_swedish_text_makes_the_interface_translation_stale(content, capsys) -> None:
    _, locales = content
    sv = locales / "sv.yaml"
    sv.write_text(
        sv.read_text(encoding="utf-8").replace("age.16_17: 16–17 år", "age.16_17: 16 eller 17 år"),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "lint")
    assert code == 0
    assert "T503 warning: en: 'age.16_17' was translated from older Swedish" in out
    assert "T508 warning: en: reviewed by Botkyrka bystander project on " in out
    assert "1 text(s) missing or stale since; it counts as a draft" in out
    interface = out.split("interface strings")[1]
    assert re.search(
        r"^en\s+\d+\s+99%\s+1\s+0\s+draft \(reviewed, changed since\)$", interface, re.M
    )


AGE_ENTRY = "  age.16_17:\n    source: 16–17 år\n    text: 16–17\n"


def replace_in(path: Path, old: str, new: str) -> Path:
    """The file with `old` replaced, as a translator's edit would leave it."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_plain_interface_entries_get_their_source_recorded(content, capsys) -> None:
    _, locales = content
    en = replace_in(locales / "en.yaml", AGE_ENTRY, "  age.16_17: 16–17\n")
    _, out, _ = run(capsys, "lint")
    assert "T503 warning: en: 'age.16_17' records no Swedish source" in out
    code, out, _ = run(capsys, "translate", "--lang", "en")
    assert code == 0 and "1 given their Swedish source" in out
    assert AGE_ENTRY in en.read_text(encoding="utf-8")
    assert "T503" not in run(capsys, "lint")[1]


def test_a_missing_english_text_stays_an_error(content, capsys) -> None:
    _, locales = content
    replace_in(locales / "en.yaml", AGE_ENTRY, "")
    code, out, _ = run(capsys, "lint")
    assert code == 1 and "T502 en: no translation of 'age.16_17'" in out


@pytest.mark.parametrize(
    "translation", ["'Tervetuloa {nimi}!'", "'Tervetuloa {name:>300000000}!'", "'Tervetuloa {!'"]
)
def test_a_wrong_placeholder_shows_the_english_instead(content, capsys, translation) -> None:
    _, locales = content
    run(capsys, "translate", "--lang", "fi")
    path = locales / "fi.yaml"
    path.write_text(
        fill(path.read_text(encoding="utf-8"), "class.welcome", translation),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "lint")
    assert code == 0 and "T506 warning: fi: 'class.welcome' must use the placeholders" in out
    strings = load_catalog([], locales).locales
    assert strings.text("fi", "class.welcome", name="8B") == strings.text(
        "en", "class.welcome", name="8B"
    )


def test_a_broken_file_is_refused_in_one_line_and_left_as_it_was(content, capsys) -> None:
    _, locales = content
    path = locales / "fi.yaml"
    path.write_text("language: fi\nstrings:\n  age.16_17: [oops\n", encoding="utf-8")
    before = path.read_bytes()
    code, out, err = run(capsys, "translate", "--lang", "fi")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "Y001" in err and "fi.yaml" in err
    assert path.read_bytes() == before


def test_a_text_in_lines_gets_one_entry_per_line_and_each_goes_stale_alone(content, capsys) -> None:
    scenarios, _ = content
    structure = scenarios / "bus-fight" / "scenario.yaml"
    plain = "      text: |\n        På måndagen sitter Yusuf ensam i matsalen. Han ser trött ut.\n"
    in_lines = (
        "      text:\n"
        "        - På måndagen sitter Yusuf ensam i matsalen.\n"
        "        - if: {strategy: [none]}\n"
        "          text: Han ser trött ut.\n"
    )
    text = structure.read_text(encoding="utf-8")
    assert plain in text
    structure.write_text(text.replace(plain, in_lines), encoding="utf-8")
    english = scenarios / "bus-fight" / "en.yaml"
    before = english.read_text(encoding="utf-8")

    code, out, _ = run(capsys, "translate", "bus-fight", "--lang", "en")
    assert code == 0 and "2 added" in out and "kept 1 entry" in out
    after = english.read_text(encoding="utf-8")
    lines = ["På måndagen sitter Yusuf ensam i matsalen.", "Han ser trött ut."]
    for number, source in enumerate(lines, 1):
        assert f"  next-day.text.{number}:\n    source: {source}\n    text: ''\n" in after
    assert set(before.splitlines()) <= set(after.splitlines()), "no line of the old file changed"

    after = fill(after, "next-day.text.1", "On Monday Yusuf sits alone in the canteen.")
    after = fill(after, "next-day.text.2", "He looks tired.")
    english.write_text(after, encoding="utf-8")
    structure.write_text(
        structure.read_text(encoding="utf-8").replace("Han ser trött ut.", "Han ser blek ut."),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "lint", str(scenarios / "bus-fight"), "--format", "json")
    found = {(d["code"], d["message"].split()[1]) for d in json.loads(out)["diagnostics"]}
    assert ("T503", "'next-day.text.2'") in found
    assert ("T504", "'next-day.text'") in found
    assert not any(key == "'next-day.text.1'" for _, key in found)


# -- review status (docs/translating.md, "Review status") -----------------------------------


def review_of(path: Path) -> str:
    """The file's `review:` mapping, as its lines."""
    text = path.read_text(encoding="utf-8")
    return text[text.index("review:") : text.index("\nstrings:")]


def complete_copy_of_english(scenarios: Path, scenario: str, language: str) -> Path:
    """A complete translation of one scenario, as if a translator had finished it."""
    english = (scenarios / scenario / "en.yaml").read_text(encoding="utf-8")
    path = scenarios / scenario / f"{language}.yaml"
    path.write_text(english.replace("language: en", f"language: {language}"), encoding="utf-8")
    return path


def test_translate_writes_machine_drafts_and_never_upgrades_a_status(content, capsys) -> None:
    _, locales = content
    run(capsys, "translate", "--lang", "eo")
    path = locales / "eo.yaml"
    assert "status: machine-draft\n  by: software\n" in review_of(path)

    code, out, _ = run(capsys, "translate", "--lang", "eo", "--mark-draft", "Ana Lund")
    assert code == 0 and f"{path}: marked draft by Ana Lund on " in out
    marked = review_of(path)
    assert "status: draft\n  by: Ana Lund\n" in marked
    sv = locales / "sv.yaml"
    replace_in(sv, "  age.18_19: 18–19 år\n", "  age.18_19: 18–19 år\n  age.new: Ny text\n")
    run(capsys, "translate", "--lang", "eo")
    assert review_of(path) == marked, "completing a file leaves its review record alone"

    code, out, _ = run(capsys, "lint")
    assert re.search(r"^eo\s.*\sdraft$", out.split("interface strings")[1], flags=re.M)


def test_marking_reviewed_refuses_a_file_with_missing_texts_in_one_line(content, capsys) -> None:
    scenarios, locales = content
    run(capsys, "translate", "--lang", "eo")
    before = (locales / "eo.yaml").read_bytes()
    code, out, err = run(capsys, "translate", "--lang", "eo", "--mark-reviewed", "Ana Lund")
    assert code == 1 and out == "" and err.count("\n") == 1
    texts = len(yaml.safe_load((locales / "sv.yaml").read_text(encoding="utf-8"))["strings"])
    assert f"{locales / 'eo.yaml'}: {texts} text(s) missing and 0 stale; nothing was marked" in err
    assert (locales / "eo.yaml").read_bytes() == before
    assert "status: machine-draft" in review_of(scenarios / "bus-fight" / "eo.yaml")

    code, _, err = run(capsys, "translate", "--lang", "eo", "--mark-reviewed", "software")
    assert code == 1 and "needs the name of the person" in err


def test_a_reviewed_scenario_counts_as_a_draft_once_stale_or_edited(content, capsys) -> None:
    scenarios, _ = content
    path = complete_copy_of_english(scenarios, "bus-fight", "eo")
    code, out, _ = run(capsys, "translate", "bus-fight", "--lang", "eo", "--mark-reviewed", "Ana")
    assert code == 0 and "marked reviewed by Ana on " in out
    assert "status: reviewed\n  by: Ana\n" in review_of(path)
    code, out, _ = run(capsys, "lint")
    assert re.search(r"^bus-fight\s+reviewed\s+reviewed$", out, flags=re.M)
    assert "T508" not in out

    edited = replace_in(path, "text: Trouble on the bus", "text: Problemo en la buso")
    code, out, _ = run(capsys, "lint")
    assert "T508 warning: eo: reviewed by Ana on " in out and "its entries changed" in out
    assert re.search(r"^bus-fight\s+reviewed\s+draft$", out, flags=re.M)

    run(capsys, "translate", "bus-fight", "--lang", "eo", "--mark-reviewed", "Ana")
    replace_in(scenarios / "bus-fight" / "scenario.yaml", "Bråk på bussen", "Bråk i bussen")
    code, _, err = run(capsys, "translate", "bus-fight", "--lang", "eo", "--mark-reviewed", "Ana")
    assert code == 1 and f"{edited}: 0 text(s) missing and 1 stale; nothing was marked" in err


def test_a_scenario_below_the_offered_status_is_shown_in_english(content, capsys) -> None:
    scenarios, locales = content
    path = complete_copy_of_english(scenarios, "bus-fight", "eo")
    replace_in(path, "text: Trouble on the bus", "text: Problemo en la buso")

    def title(offered: str) -> str:
        catalog = load_catalog([scenarios], locales, offered)
        return catalog.scenarios["bus-fight"].title.get("eo")

    assert title("reviewed") == "Trouble on the bus", "a file without review: a machine draft"
    assert title("machine-draft") == "Problemo en la buso"
    run(capsys, "translate", "bus-fight", "--lang", "eo", "--mark-draft", "Ana")
    assert title("draft") == "Problemo en la buso" and title("reviewed") == "Trouble on the bus"
    run(capsys, "translate", "bus-fight", "--lang", "eo", "--mark-reviewed", "Ana")
    assert title("reviewed") == "Problemo en la buso"


def test_a_translation_without_the_glossary_word_of_the_swedish_is_reported(
    content, capsys
) -> None:
    scenarios, locales = content
    run(capsys, "translate", "--lang", "fi")
    words = locales / "fi.yaml"
    words.write_text(
        fill(words.read_text(encoding="utf-8"), "glossary.krankning.words", "loukkaava kohtelu"),
        encoding="utf-8",
    )
    story = scenarios / "bus-fight" / "fi.yaml"
    blank = story.read_text(encoding="utf-8")
    key = "next-day.mentor.feedback"  # the Swedish: "… stoppa kränkningar …"
    story.write_text(fill(blank, key, "Koulun on lopetettava kiusaaminen."), encoding="utf-8")
    _, out, _ = run(capsys, "lint")
    assert f"T509 warning: {key}: the Swedish shows the 📖 kränkning button here" in out
    assert "(loukkaava kohtelu): use one" in out
    story.write_text(fill(blank, key, "Koulun on lopetettava loukkaava kohtelu."), encoding="utf-8")
    assert "T509" not in run(capsys, "lint")[1]


def test_a_wrong_placeholder_in_the_questionnaire_shows_the_english_instead(
    content, capsys
) -> None:
    scenarios, locales = content
    run(capsys, "translate", "--lang", "fi")
    path = scenarios / "measures" / "fi.yaml"
    path.write_text(
        fill(path.read_text(encoding="utf-8"), "follow_up.offer", "'Muistutus {päivät} päästä?'"),
        encoding="utf-8",
    )
    _, out, _ = run(capsys, "lint")
    assert "T506 warning: fi: 'follow_up.offer' must use the placeholders ['days']" in out
    measures = load_catalog([scenarios], locales, MACHINE_DRAFT).measures
    offer = measures.follow_up.offer
    assert offer.get("fi") == offer.get("en") and offer.get("fi").format(days=30)


def test_a_translator_sees_only_their_files_real_problems(content, capsys) -> None:
    _, locales = content
    run(capsys, "translate", "--lang", "fi")
    run(capsys, "translate", "--lang", "eo")
    path = locales / "fi.yaml"
    path.write_text(
        fill(path.read_text(encoding="utf-8"), "class.welcome", "'Tervetuloa {nimi}!'"),
        encoding="utf-8",
    )
    everything = run(capsys, "lint")[1]
    assert "T502" in everything and "eo.yaml" in everything
    _, out, _ = run(capsys, "lint", "--lang", "fi", "--no-missing")
    problems = [line for line in out.splitlines() if ": T5" in line]
    assert problems and all("fi.yaml" in line and "T502" not in line for line in problems)
    assert any("T506" in line for line in problems)
