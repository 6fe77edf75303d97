"""Generated promtool tests feed series that mean what the selectors mean in production: a
total selector that also matches the good series sees good + bad, not twice the traffic;
several SLOs on one metric each see only their own alerts; and the files stay cheap."""

from __future__ import annotations

import resource
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from prom_harness import make_config, make_slo, promtool

from nexus_sre.config.model import BurnRateAlert
from nexus_sre.rules import generate
from nexus_sre.rules.promql_shape import selector_of
from nexus_sre.rules.promtool import promtool_test_files
from nexus_sre.rules.promtool_inputs import series_pair, values

pytestmark = pytest.mark.prometheus

GOOD = 'http_requests_total{job="api",code="200"}'
TOTAL = 'http_requests_total{job="api"}'
SEED = (
    '(sum(rate(http_requests_total{service="nexus-api",code!~"5.."}[5m])) /\n'
    ' sum(rate(http_requests_total{service="nexus-api"}[5m]))) * 100'
)
SEED_API = (
    'sum(rate(http_requests_total{code!~"5.."}[5m])) / sum(rate(http_requests_total[5m])) * 100'
)


def _sel(text: str):
    sel = selector_of(text, "test")
    assert sel is not None
    return sel


def _labels(series: str) -> tuple[str, dict[str, str]]:
    """Name and labels of a promtool series string, parsed independently of the code."""
    name, _, rest = series.partition("{")
    labels = {}
    for part in filter(None, rest.rstrip("}").split(",")):
        k, _, v = part.partition("=")
        labels[k] = v.strip('"')
    return name, labels


def test_common_pair_gets_a_good_and_a_distinct_bad_series() -> None:
    pair = series_pair(_sel(GOOD), _sel(TOTAL))
    assert pair is not None and not pair.rest_is_total
    good_name, good = _labels(pair.part)
    bad_name, bad = _labels(pair.rest)
    assert good_name == bad_name == "http_requests_total"
    assert good == {"code": "200", "job": "api"}
    # the bad series is counted by total (job=api) but not by good (code differs)
    assert bad["job"] == "api" and bad.get("code", "") != "200"


def test_negative_regex_pair_and_different_metrics() -> None:
    pair = series_pair(_sel('x{code!~"5..",svc="a"}'), _sel('x{svc="a"}'))
    assert pair is not None
    assert _labels(pair.part)[1] == {"svc": "a"}  # code absent: not 5xx
    bad = _labels(pair.rest)[1]
    assert bad["svc"] == "a" and bad["code"].startswith("5") and len(bad["code"]) == 3
    hist = series_pair(_sel('h_bucket{job="a",le=~"1|1\\\\.0"}'), _sel('h_count{job="a"}'))
    assert hist is not None and hist.rest_is_total
    assert _labels(hist.part)[1] == {"job": "a", "le": "1"}
    # contradictory selectors cannot be fed: no test rather than a wrong one
    assert series_pair(_sel('x{a="1"}'), _sel('x{a="2"}')) is None
    assert series_pair(_sel('x{a="1"}'), _sel('x{a="1"}')) is None


def test_values_strings_expand_to_the_segments() -> None:
    assert values([(5, 3), (0, 2)], 100) == "100+5x2 110+0x1"
    assert values([(0, 2), (7, 2)], 0) == "0+0x1 7+7x1"


def _fast_tiers() -> list[BurnRateAlert]:
    return [
        BurnRateAlert(
            name="page-1h",
            factor=Decimal("14.4"),
            long_window=3600,
            short_window=300,
            severity="critical",
        ),
        BurnRateAlert(
            name="ticket-6h",
            factor=Decimal("6"),
            long_window=6 * 3600,
            short_window=1800,
            severity="warning",
        ),
    ]


def _shared_metric_config():
    plain = {"type": "availability", "good_query": GOOD, "total_query": TOTAL}
    window = {
        "type": "availability",
        "good_query": f"sum(rate({GOOD}[{{{{window}}}}]))",
        "total_query": f"sum(increase({TOTAL}[{{{{window}}}}]))",
    }
    return make_config(
        [
            make_slo("plain", sli=plain, burn_rate=_fast_tiers()),
            make_slo("plain-strict", target="99.95", sli=plain, burn_rate=_fast_tiers()),
            make_slo("plain-loose", target="99", sli=plain, burn_rate=_fast_tiers()),
            make_slo("window", sli=window, burn_rate=_fast_tiers()),
            make_slo("seed", sli={"type": "availability", "query": SEED}),
            make_slo("seed-api", target="99.5", sli={"type": "availability", "query": SEED_API}),
            make_slo(
                "bad-form",
                sli={
                    "type": "availability",
                    "query": '1 - sum(rate(x{code=~"5.."}[5m])) / sum(rate(x[5m]))',
                },
                burn_rate=_fast_tiers(),
            ),
        ]
    )


def _write(tmp_path: Path) -> list[Path]:
    files, skipped = promtool_test_files(generate(_shared_metric_config()))
    assert skipped == []
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return sorted(tmp_path.glob("*.test.yaml"))


def test_shared_metric_slos_pass_under_promtool_and_stay_cheap(tmp_path: Path) -> None:
    tests = _write(tmp_path)
    assert len(tests) == 7
    for t in tests:
        doc = yaml.safe_load(t.read_text())
        (rule_file,) = doc["rule_files"]
        groups = yaml.safe_load((tmp_path / rule_file).read_text())["groups"]
        slo = t.name.removeprefix("api-").removesuffix(".test.yaml")
        # scoped: the test loads its own SLO's groups and nothing else
        assert {r["labels"]["slo"] for g in groups for r in g["rules"]} == {slo}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = promtool("test", "rules", *tests)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert out.returncode == 0, out.stdout + out.stderr
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    # seven SLOs (two with the 3-day and 30-day tiers): a few seconds, not minutes
    assert cpu < 30, f"promtool took {cpu:.1f}s of CPU"


def test_one_series_per_selector_would_fail(tmp_path: Path) -> None:
    """The old input (one series per selector) double-counts good events in total: the
    outage test then cannot fire on time. Our tests have teeth for exactly that mistake."""
    tests = _write(tmp_path)
    path = next(p for p in tests if p.name == "api-plain.test.yaml")
    doc = yaml.safe_load(path.read_text())
    outage = doc["tests"][0]
    good, bad = outage["input_series"]
    segments = [seg.split("+")[1].split("x") for seg in good["values"].split()]
    rate, samples = int(segments[0][0]), sum(int(n) + 1 for _, n in segments)
    bad["series"] = TOTAL  # the total selector fed as its own series: it also matches good
    bad["values"] = values([(rate, samples)], 10**9)
    path.write_text(yaml.safe_dump(doc))
    out = promtool("test", "rules", path)
    assert out.returncode != 0
    assert "SLOBurnRatePage1h" in out.stdout + out.stderr
