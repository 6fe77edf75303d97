"""`nexus-sre dashboards` (files, provisioning YAML, --deploy against a fake Grafana that
speaks the documented API), the `rules` autoGenerate hook, and the platform check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from prom_harness import free_port

from nexus_sre.cli import main
from nexus_sre.config import load_config_text
from nexus_sre.dashboards import generate_dashboards
from nexus_sre.errors import ConfigError

from .fake_grafana import FakeGrafana, serve
from .sample import CONFIG, sample_config


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    sample_config(tmp_path / "slos.yaml")
    return tmp_path / "slos.yaml"


def test_files_and_provisioning(cfg: Path, tmp_path: Path) -> None:
    out = tmp_path / "dash"
    assert main(["generate-dashboards", str(cfg), "-o", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    uids = [d["uid"] for d in generate_dashboards(sample_config()).dashboards]
    assert files == sorted([f"{u}.json" for u in uids] + ["grafana-provisioning.yaml"])
    prov = yaml.safe_load((out / "grafana-provisioning.yaml").read_text())
    (provider,) = prov["providers"]
    assert provider["folder"] == "Shop SLOs" and provider["options"]["path"] == str(out.resolve())
    overview = json.loads((out / f"{uids[0]}.json").read_text())
    assert overview["tags"] == ["slo", "shop"]
    # Links to every service dashboard, by uid.
    assert [link["url"] for link in overview["links"]] == [f"/d/{u}" for u in uids[1:]]
    # --config works as the positional does, and the uids are stable across runs.
    again = tmp_path / "again"
    assert main(["dashboards", "--config", str(cfg), "-o", str(again)]) == 0
    assert (again / f"{uids[1]}.json").read_text() == (out / f"{uids[1]}.json").read_text()


def test_uids_are_stable_and_valid() -> None:
    first = [d["uid"] for d in generate_dashboards(sample_config()).dashboards]
    changed = load_config_text(CONFIG.replace("target: 99.95", "target: 99.9"))
    assert [d["uid"] for d in generate_dashboards(changed).dashboards] == first
    long = load_config_text(CONFIG.replace("name: api", "name: " + "a.very-long.service-name" * 3))
    uids = [d["uid"] for d in generate_dashboards(long).dashboards]
    assert all(len(u) <= 40 and all(c.isalnum() or c in "-_" for c in u) for u in uids)
    assert len(set(uids)) == len(uids)


def test_platform_is_validated() -> None:
    bad = CONFIG.replace(
        'dashboards: {folder: "Shop SLOs"', 'dashboards: {platform: kibana-xyz, folder: "x"'
    )
    with pytest.raises(
        ConfigError, match=r"global\.dashboards\.platform.*kibana-xyz.*expected grafana"
    ):
        load_config_text(bad)


def test_rules_auto_generate_writes_dashboards_beside(tmp_path: Path) -> None:
    for flag, expected in (("true", True), ("false", False)):
        folder = tmp_path / flag
        folder.mkdir()
        (folder / "slos.yaml").write_text(
            CONFIG.replace("dashboards: {", f"dashboards: {{autoGenerate: {flag}, ")
        )
        assert main(["rules", str(folder / "slos.yaml"), "-o", str(folder / "rules.yaml")]) == 0
        assert (folder / "dashboards" / "grafana-provisioning.yaml").exists() is expected


def test_deploy_creates_folder_and_is_idempotent(
    cfg: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeGrafana()
    monkeypatch.setenv("GRAFANA_TOKEN", fake.token)
    with serve(fake) as url:
        assert main(["dashboards", str(cfg), "--deploy", url]) == 0
        assert list(fake.folders.values()) == ["Shop SLOs"]
        first = {u: d["dashboard"]["version"] for u, d in fake.dashboards.items()}
        assert main(["dashboards", str(cfg), "--deploy", url]) == 0
    assert fake.bad_bodies == []
    assert list(fake.folders.values()) == ["Shop SLOs"]  # not created twice
    assert set(fake.dashboards) == set(first)  # updated in place, no copies
    assert all(fake.dashboards[u]["dashboard"]["version"] == v + 1 for u, v in first.items())
    expected = generate_dashboards(sample_config()).dashboards
    for dash in expected:
        stored = fake.dashboards[dash["uid"]]["dashboard"]
        assert {k: v for k, v in stored.items() if k not in ("id", "version")} == {
            k: v for k, v in dash.items() if k != "version"
        }
    assert set(fake.auth_headers) == {f"Bearer {fake.token}"}
    assert "deployed SLO overview" in capsys.readouterr().out


@pytest.mark.parametrize(("token", "status"), [("wrong", "401"), ("glsa_viewer", "403")])
def test_deploy_auth_errors(
    cfg: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token: str,
    status: str,
) -> None:
    fake = FakeGrafana()
    fake.folders["x"] = "Shop SLOs" if status == "403" else "other"
    monkeypatch.setenv("GF_TOKEN", token)
    with serve(fake) as url:
        assert main(["dashboards", str(cfg), "--deploy", url, "--token-env", "GF_TOKEN"]) == 2
    err = capsys.readouterr().err
    assert f"HTTP {status}" in err and "Traceback" not in err
    assert ("token was rejected" if status == "401" else "Editor role") in err


def test_deploy_conflict_and_unreachable(
    cfg: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeGrafana()
    monkeypatch.setenv("GRAFANA_TOKEN", fake.token)
    fake.folders["f"] = "Shop SLOs"
    # Someone made a dashboard of the same title under another uid: Grafana answers 412.
    fake.dashboards["someone-else"] = {
        "dashboard": {"title": "SLO overview", "version": 3},
        "folderUid": "f",
    }
    with serve(fake) as url:
        assert main(["dashboards", str(cfg), "--deploy", url]) == 2
    err = capsys.readouterr().err
    assert "HTTP 412" in err and "same name" in err
    port = free_port()
    assert main(["dashboards", str(cfg), "--deploy", f"http://127.0.0.1:{port}"]) == 2
    err = capsys.readouterr().err
    assert f"cannot reach Grafana at http://127.0.0.1:{port}" in err
    monkeypatch.delenv("GRAFANA_TOKEN")
    assert main(["dashboards", str(cfg), "--deploy", "http://127.0.0.1:1"]) == 2
    assert "$GRAFANA_TOKEN" in capsys.readouterr().err
