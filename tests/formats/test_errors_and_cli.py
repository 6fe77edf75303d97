"""Bad or unconvertible input: refused with file:line and why; --strict; detection of the
format; multi-document files and folders; the `nexus-sre convert` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_sre.cli import main
from nexus_sre.formats import FormatError, FormatLossWarning, convert, dump, load
from nexus_sre.formats.documents import split_documents

from . import samples


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def _errors(paths: list[Path], **kw: object) -> list[str]:
    with pytest.raises(FormatError) as exc:
        convert(paths, **kw)  # type: ignore[arg-type]
    return [str(i) for i in exc.value.issues]


def test_openslo_schema_errors_name_file_line_and_field(tmp_path: Path) -> None:
    bad = samples.OPENSLO.replace("budgetingMethod: Occurrences", "budgetingMetod: Occurrences")
    bad = bad.replace("lookbackWindow: 1h", "lookbackWindow: 1 hour")
    src = _write(tmp_path, "slo.yaml", bad)
    errors = _errors([src])
    assert (
        f"{src}:35:21: spec.condition.lookbackWindow: '1 hour' is not an OpenSLO duration"
        in "\n".join(errors)
    )
    assert any(
        e.startswith(f"{src}:69:19: spec.budgetingMetod: unknown key 'budgetingMetod'")
        and "did you mean 'budgetingMethod'" in e
        for e in errors
    ), errors
    assert any(
        e.startswith(f"{src}:") and "spec: missing required key 'budgetingMethod'" in e
        for e in errors
    ), errors


def test_timeslices_refused_with_why(tmp_path: Path) -> None:
    text = samples.OPENSLO.replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices")
    errors = _errors([_write(tmp_path, "slo.yaml", text)])
    assert (
        len(errors) == 1
        and ":69:20: spec.budgetingMethod: Timeslices counts the time slices" in errors[0]
    )


def test_ratio_timeslices_becomes_an_averaged_slice_ratio(tmp_path: Path) -> None:
    text = samples.OPENSLO.replace(
        "budgetingMethod: Occurrences", "budgetingMethod: RatioTimeslices"
    ).replace("- target: 0.995", "- target: 0.995\n      timeSliceWindow: 5m")
    config = load(_write(tmp_path, "slo.yaml", text))
    sli = config.services[0].slos[0].sli
    assert sli.good_query is None and sli.query is not None
    assert "[5m]" in sli.query and "{{window}}" not in sli.query


def test_sloth_plugin_refused_clearly(tmp_path: Path) -> None:
    text = samples.SLOTH_V1.replace(
        """      events:
        error_query: sum(rate(http_requests_total{job="myservice",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="myservice"}[{{.window}}]))""",
        """      plugin:
        id: "sloth-common/kubernetes/apiserver/availability"
        options: {filter: 'verb="GET"'}""",
    )
    errors = _errors([_write(tmp_path, "s.yaml", text)])
    assert len(errors) == 1
    assert (
        ":13:9: slos[0].sli.plugin: Sloth SLI plugin "
        "'sloth-common/kubernetes/apiserver/availability' builds its queries in Go code"
        in errors[0]
    )


def test_strict_makes_losses_errors(tmp_path: Path) -> None:
    src = _write(tmp_path, "s.yaml", samples.SLOTH_V1)
    assert convert([src]).warnings  # not strict: converted, losses listed
    errors = _errors([src], strict=True)
    assert all("(an error under --strict)" in e for e in errors) and len(errors) == 6


def test_library_load_and_dump_warn_about_losses(tmp_path: Path) -> None:
    src = _write(tmp_path, "s.yaml", samples.SLOTH_V1)
    with pytest.warns(FormatLossWarning, match=r"s.yaml:16:13: slos\[0\].alerting.name"):
        config = load(src)
    with pytest.warns(FormatLossWarning, match="placeholder"):
        text = dump(config, "openslo")
    assert "kind: SLO" in text
    with pytest.raises(FormatError, match="Pyrra indicators are series selectors"):
        dump(config, "pyrra")  # Sloth's rate() expressions are not selectors
    with pytest.raises(FormatError):
        load(src, strict=True)


def test_multi_document_lines_stay_true() -> None:
    chunks = split_documents("a: 1\n---\n# c\nb: 2\n--- \nc: 3\n...\n")
    assert [first for first, _ in chunks] == [0, 1, 4]


def test_folder_is_read_whole_and_formats_detected(tmp_path: Path) -> None:
    folder = tmp_path / "slos"
    folder.mkdir()
    _write(folder, "a.yaml", samples.PYRRA)
    _write(
        folder,
        "b.yml",
        samples.PYRRA.replace("pyrra-api", "other-api").replace("probe-up", "probe-2"),
    )
    out = convert([folder], "nexus")
    assert out.text.count("- id: ") == 6
    _write(folder, "c.yaml", samples.SLOTH_V1)
    errors = _errors([folder])
    assert "the sources mix formats: pyrra" in errors[0] and "sloth" in errors[0]


def test_unknown_document_needs_from(tmp_path: Path) -> None:
    errors = _errors([_write(tmp_path, "x.yaml", "kind: Deployment\nspec: {}\n")])
    assert errors == [
        f"{tmp_path / 'x.yaml'}:1:1: cannot tell the format: no apiVersion/kind "
        "(or version) of OpenSLO, Sloth, Pyrra, slo-generator or nexus-sre; "
        "pass --from"
    ]


def test_cli_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, "slo.yaml", samples.OPENSLO)
    out = tmp_path / "out" / "nexus.yaml"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {src}:55:" in err and "written as nexus" in err
    assert main(["validate", str(out)]) == 0
    assert main(["convert", str(src), "--to", "sloth", "--strict"]) == 2
    assert "nothing written" in capsys.readouterr().err
    assert main(["convert", str(out), "--to", "openslo", "--from", "nexus"]) == 0
    assert "kind: SLO" in capsys.readouterr().out
