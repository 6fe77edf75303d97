"""JSON, YAML, CSV and Markdown: the same facts as the model, safely written."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from nexus_sre.errors import InvalidInputError
from nexus_sre.report import EXTENSIONS, FORMATS, render
from nexus_sre.report.render_markdown import md_escape


def _rows(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_formats_and_aliases(rf):
    report = rf.build([rf.eval()])
    assert set(FORMATS) == {"json", "html", "csv", "yaml", "markdown"}
    assert set(EXTENSIONS) == set(FORMATS)
    assert render(report, "md") == render(report, "markdown")
    assert render(report, "YML") == render(report, "yaml")
    with pytest.raises(InvalidInputError, match="pdf"):
        render(report, "pdf")


def test_json_and_yaml_carry_the_same_facts(rf, sample_evals):
    report = rf.build(sample_evals)
    assert json.loads(render(report, "json")) == report
    assert yaml.safe_load(render(report, "yaml")) == report


def test_csv_one_row_per_slo_with_figures(rf, sample_evals):
    report = rf.build(sample_evals)
    text = render(report, "csv")
    rows = _rows(text)
    assert len(rows) == len(sample_evals)
    assert text.endswith("\r\n") and text.count("\r\n") == len(sample_evals) + 1
    for row, ev in zip(rows, sample_evals, strict=True):
        assert row["sloId"] == ev.slo_id and row["service"] == ev.service
        assert int(row["eventsCount"]) == ev.total
        assert int(row["badEvents"]) == ev.total - ev.good
        if ev.total:
            assert float(row["actualValue"]) == pytest.approx(100 * ev.good / ev.total)
            assert row["targetMet"] == str(ev.good / ev.total * 100 >= ev.target_percent).lower()
        else:
            assert (
                row["actualValue"] == "" and row["targetMet"] == "" and row["status"] == "no-data"
            )
        assert int(row["alertsFired"]) == len(ev.alerts)
        assert row["burnRate1h"] == f"{ev.burn_rates['1h']:g}"


def test_csv_guards_formulas_but_keeps_negative_numbers(rf):
    evil = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", 'a,b\nc"d']
    evals = [
        rf.eval(service=f"svc{i}", slo_id=name, slo_name=name, owner=name, good=990, total=1000)
        for i, name in enumerate(evil)
    ]
    rows = _rows(render(rf.build(evals), "csv"))
    for row, name in zip(rows, evil, strict=True):
        expected = "'" + name if name[0] in "=+-@\t\r" else name
        assert row["sloName"] == row["sloId"] == row["owner"] == expected
        # 10 bad events against 1 allowed: overspent, and the number stays a number.
        assert row["budgetRemainingEvents"] == "-9"
        assert float(row["budgetRemainingPercent"]) < 0


def test_markdown_table_and_escaping(rf, sample_evals):
    evals = [*sample_evals, rf.eval(service="a|b", slo_name="x | *bold* <img src=x>")]
    text = render(rf.build(evals), "markdown")
    table = [ln for ln in text.splitlines() if ln.startswith("| ") and "---" not in ln]
    assert len(table) == 1 + len(evals)  # header + one row per SLO

    # Every row has exactly the header's number of unescaped cell separators.
    def cells(line):
        return line.replace("\\|", "").count("|")

    assert {cells(ln) for ln in table} == {cells(table[0])}
    assert "<img" not in text and "&lt;img src=x\\>" in text
    assert "\\*bold\\*" in text
    assert "❌ violated" in text and "⚪ no data" in text and "✅ met" in text


def test_markdown_summary_line(rf, sample_evals):
    report = rf.build(sample_evals)
    s = report["summary"]
    text = render(report, "markdown")
    assert (
        f"{s['slosMeetingTarget']} of {s['slosWithData']} SLOs with data met their target" in text
    )
    assert f"{s['slosWithoutData']} without data" in text
    for rec in report["recommendations"]:
        assert md_escape(rec["title"]) in text


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("*x*", "\\*x\\*"),
        ("<b>", "&lt;b\\>"),
        ("a\nb", "a b"),
        ("[l](u)", "\\[l\\](u)"),
    ],
)
def test_md_escape(raw, escaped):
    assert md_escape(raw) == escaped
