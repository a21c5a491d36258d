"""juno.evaluation and `juno eval`: the evaluations on real Jira data (skipped when
``../shared/data`` is absent) and on small files written here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from juno.errors import InvalidInputError
from juno.eval import default_approvers, learning, sprint_risk, triage

from test_cli import run

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("JUNO_SHARED_DATA", REPO.parent / "shared" / "data"))
_HAVE_DATA = (DATA / "tse2017_iterations.csv").is_file()
# `.ci/run` sets JUNO_REQUIRE_DATA=1 when ../shared/data exists: then missing data fails.
if os.environ.get("JUNO_REQUIRE_DATA") == "1" and not _HAVE_DATA:
    raise RuntimeError(f"JUNO_REQUIRE_DATA=1 but {DATA / 'tse2017_iterations.csv'} is missing")
needs_data = pytest.mark.skipif(not _HAVE_DATA, reason=f"no shared data at {DATA}")

HEADER = (
    "project,pred_time_pct,boardid,sprintid,sprint_order,name,vel_diff,planday,"
    "no_issue_starttime,vel_starttime,no_issue_added,vel_added,no_issue_removed,vel_removed,"
    "no_issuetodo,vel_todo,no_issueinprogress,vel_inprogress,no_issuedone,vel_done,no_admin,"
    "no_teammember,committed_sp,delivered_sp,class_p33,class_p66,paper_class,"
    "sprintid_on_multiple_boards"
)


def synthetic(n: int) -> str:
    """The same synthetic project as juno-eval/tests/eval_sprint_risk.rs."""
    lines = [HEADER]
    for i in range(n):
        committed = 20.0 + (i % 5) * 4.0
        done = float(i * 7 % 11)
        delivered = round(committed * 0.5 + done * 1.5)
        diff = delivered - committed
        cls = "under" if diff < -6 else "over" if diff > 0 else "achieved"
        for pct in (0, 30):
            d = 0.0 if pct == 0 else done
            lines.append(
                f'Demo,{pct},1,{100 + i},{i + 1},"Sprint {i}, demo",{diff},10,8,{committed},'
                f"0,0,0,0,6,{committed - d - 2.0},1,2,1,{d},1,4,{committed},{delivered},-6,0,{cls},0"
            )
    return "\n".join(lines) + "\n"


def test_sprint_risk_on_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "it.csv"
    path.write_text(synthetic(60), encoding="utf-8")
    for protocol in ("paper-cv", "forward", "sprint-cv", "rolling"):
        r = sprint_risk(path, protocol=protocol)
        (p,) = r.report["projects"]
        assert (p["project"], p["sprints"]) == ("Demo", 60)
        assert p["class3"]["f1"] > p["class3"]["baseline_f1"]
        assert r.report["options"]["protocol"] == protocol
        assert "Demo" in r.table
        # Rolling predicts each sprint from the 11th on; one project: pooled = its own.
        binary = r.report["pooled_binary"]
        assert binary == p["binary"]
        if protocol == "rolling":
            assert binary["n"] == 50 and "trailing Brier" in r.table
    # Rolling recalibration: same rows, named in the table; refused outside rolling.
    platt = sprint_risk(path, protocol="rolling", recalibration="platt")
    assert platt.report["options"]["recalibration"] == "platt" and "recalibration platt" in platt.table
    assert platt.report["pooled_binary"]["n"] == 50
    with pytest.raises(InvalidInputError, match="recalibration"):
        sprint_risk(path, recalibration="platt")
    # The product's calibration, the interval coverage and the pictures.
    pics = tmp_path / "pics"
    blend = sprint_risk(path, protocol="rolling", recalibration="blend", plot=pics)
    cover = blend.report["pooled_binary"]["interval"]
    assert cover == blend.report["projects"][0]["binary"]["interval"]
    assert 0 < cover["n"] <= 50 and 0 <= cover["inside"] <= 1
    assert "inside corrected" in blend.table
    bins = blend.report["pooled_binary"]["reliability"]
    assert sum(b["count"] for b in bins) == 50 and len(bins) == 10
    names = sorted(f.name for f in pics.iterdir())
    assert names == [
        "coverage-simulated.svg", "coverage.svg", "reliability-demo.svg", "reliability-pooled.svg",
    ]  # fmt: skip
    svg = (pics / "reliability-demo.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count("<circle") >= 10
    # Other protocols have no interval coverage and draw only the reliability diagrams.
    cv = sprint_risk(path, protocol="forward", plot=tmp_path / "cv")
    assert cv.report["pooled_binary"]["interval"] is None
    assert sorted(f.name for f in (tmp_path / "cv").iterdir()) == [
        "reliability-demo.svg", "reliability-pooled.svg",
    ]  # fmt: skip
    with pytest.raises(InvalidInputError, match="isotonic"):
        sprint_risk(path, protocol="rolling", recalibration="beta")


def test_bad_files_and_options_raise_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="nope.csv"):
        sprint_risk(tmp_path / "nope.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="missing column"):
        sprint_risk(wrong)
    good = tmp_path / "it.csv"
    good.write_text(synthetic(12), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="paper-cv"):
        sprint_risk(good, protocol="cv")
    with pytest.raises(InvalidInputError):
        triage(wrong, wrong)


def test_cli_prints_the_table_and_writes_the_json(tmp_path: Path) -> None:
    path = tmp_path / "it.csv"
    path.write_text(synthetic(40), encoding="utf-8")
    out = tmp_path / "out.json"
    p = run(tmp_path, "eval", "sprint-risk", "--iterations", str(path), "--protocol", "forward",
            "--json", str(out))
    assert p.returncode == 0, p.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["projects"][0]["project"] == "Demo"
    # The table printed is exactly the core's rendering of the saved report.
    assert p.stdout == sprint_risk(path, protocol="forward").table
    bad = run(tmp_path, "eval", "sprint-risk", "--iterations", str(tmp_path / "missing.csv"))
    assert bad.returncode == 1
    assert "missing.csv" in bad.stderr and "Traceback" not in bad.stderr
    usage = run(tmp_path, "eval", "sprint-risk", "--iterations", str(path), "--protocol", "x")
    assert usage.returncode == 2


@needs_data
def test_forward_protocol_on_the_real_data_beats_every_baseline() -> None:
    r = sprint_risk(
        DATA / "tse2017_iterations.csv",
        issues=DATA / "tse2017_issue_features_t30.csv",
        protocol="forward",
    )
    assert [p["project"] for p in r.report["projects"]] == ["Apache", "JBoss", "JIRA"]
    for p in r.report["projects"]:
        c, b, g = p["class3"], p["binary"], p["regression"]
        assert c["f1"] > c["baseline_f1"], p
        assert b["accuracy"] > b["baseline_accuracy"] and b["brier"] < b["baseline_brier"], p
        assert g["nmae"] < min(g["mean_baseline"], g["median_baseline"]), p


@needs_data
def test_triage_replay_on_the_real_data(tmp_path: Path) -> None:
    out = tmp_path / "triage.json"
    p = run(
        tmp_path, "eval", "triage",
        "--issues", str(DATA / "msr2015_duraspace_issues.csv"),
        "--events", str(DATA / "msr2015_duraspace_events.csv"),
        "--json", str(out),
    )
    assert p.returncode == 0, p.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    actions = {a["action"] for a in report["actions"]}
    assert {"escalate", "reassign", "close"} <= actions
    assert "precision" in p.stdout




@needs_data
def test_porru_sprints_rebuilt_mid_sprint(tmp_path: Path) -> None:
    r = sprint_risk(
        DATA / "porru8_sprints.csv",
        issues=DATA / "porru8_issues.csv",
        memberships=DATA / "porru8_issue_sprints.csv",
    )
    assert r.report["schema"] == "porru8"
    assert r.report["prediction_at"].startswith("30% of the sprint")
    assert len(r.report["projects"]) == 7
    with pytest.raises(InvalidInputError, match="membership"):
        sprint_risk(DATA / "porru8_sprints.csv", issues=DATA / "porru8_issues.csv")
    p = run(
        tmp_path, "eval", "sprint-risk",
        "--iterations", str(DATA / "porru8_sprints.csv"),
        "--issues", str(DATA / "porru8_issues.csv"),
        "--memberships", str(DATA / "porru8_issue_sprints.csv"),
        "--protocol", "forward",
    )
    assert p.returncode == 0, p.stderr
    assert "rebuilt from issue resolutions" in p.stdout


def test_learning_beats_no_learning_and_names_bad_input(tmp_path: Path) -> None:
    # The shipped file's first 100 days, two arms: learning off keeps asking what the
    # teams turn down; JUNO learns to hold it back.
    r = learning(days=100, arms=["no_learning", "juno"]).report
    arms = {a["arm"]: a for a in r["arms"]}
    assert set(arms) == {"no_learning", "juno"}

    def acceptance(c: dict[str, int]) -> float:
        return c["accepted"] / (c["accepted"] + c["rejected"] + c["unwanted_auto"])

    assert acceptance(arms["juno"]["after_two_months"]) > (
        acceptance(arms["no_learning"]["after_two_months"]) + 0.25
    )
    assert sum(arms["juno"]["held_back"].values()) > 0
    assert "seed = 2026" in default_approvers()
    bad = tmp_path / "approvers.toml"
    bad.write_text(
        'seed = 1\nnoise = 0.0\ndefault_verdict = "approve"\n'
        '[[rule]]\nteam = "alpha"\naction = "merge"\nverdict = "reject"\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as e:
        learning(approvers=bad, days=30)
    assert e.value.details["field"] == "rule[0].action"
    with pytest.raises(InvalidInputError) as e:
        learning(approvers=tmp_path / "missing.toml")
    assert e.value.details["field"] == "approvers"
    with pytest.raises(InvalidInputError) as e:
        learning(days=30, arms=["psychic"])
    assert e.value.details["field"] == "arms"


def test_cli_eval_learning_prints_the_table_and_draws_the_curve(tmp_path: Path) -> None:
    out = tmp_path / "learning.json"
    p = run(tmp_path, "eval", "learning", "--days", "40", "--arms", "no_learning,juno",
            "--plot", str(tmp_path / "plots"), "--json", str(out))  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "targets (issue #16):" in p.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [a["arm"] for a in report["arms"]] == ["no_learning", "juno"]
    svg = (tmp_path / "plots" / "learning.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "no learning" in svg
    shown = run(tmp_path, "eval", "learning", "--print-approvers")
    assert shown.returncode == 0 and shown.stdout == default_approvers()
    bad = run(tmp_path, "eval", "learning", "--arms", "psychic")
    assert bad.returncode == 1 and "arms" in bad.stderr and "Traceback" not in bad.stderr
