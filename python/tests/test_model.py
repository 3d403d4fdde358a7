"""The user's own ONNX model as the judge from Python (`judge=`): the reports of `augsafe scan
--judge FILE.onnx` and of its sweep and recommendation, both judges side by side, a Python
callable judged by the model, and the errors."""

import os

import pytest

import augsafe
from common import DIGITS, ROOT, cli_json

MODEL = "fixtures/models/digits-mlp.onnx"


@pytest.fixture(autouse=True)
def at_the_root(monkeypatch):
    # The report names the model as it was given; the CLI is given the same relative path.
    monkeypatch.chdir(ROOT)


def test_the_model_judges_as_the_command_line_does():
    report = augsafe.scan("fixtures/digits", ["rotate:180", "rotate:-10..10"], judge=augsafe.Model(MODEL))
    data = report.to_dict()
    assert data["classifier"]["kind"] == "onnx"
    assert data["classifier"]["model"]["file"] == MODEL
    assert {"6", "9"} <= set(report.unsafe_classes("rotate:180"))
    assert report.verdict("rotate:-10..10") == "safe"
    from_cli = cli_json("scan", "fixtures/digits", "--judge", MODEL, "-t", "rotate:180", "-t", "rotate:-10..10")
    assert data["transforms"] == from_cli["transforms"]
    assert data["control"] == from_cli["control"]
    assert data["classifier"] == from_cli["classifier"]
    # A path is the model with its default settings.
    assert augsafe.scan("fixtures/digits", ["rotate:180"], judge=MODEL).to_dict()["transforms"][0] == data["transforms"][0]


def test_both_judges_report_where_they_agree_as_the_command_line_does():
    both = [augsafe.Model(MODEL), "templates"]
    data = augsafe.scan("fixtures/digits", ["rotate:180", "hflip"], judge=both).to_dict()
    from_cli = cli_json(
        "scan", "fixtures/digits", "--judge", MODEL, "--judge", "template", "-t", "rotate:180", "-t", "hflip"
    )
    assert data["transforms"] == from_cli["transforms"]
    assert all("agreement" in t for t in data["transforms"])


def test_the_model_reads_what_a_python_callable_returns():
    mirrored = augsafe.scan(
        "fixtures/digits", ["hflip", augsafe.Callable(lambda a: a[:, ::-1], name="mirror")], judge=MODEL
    ).to_dict()["transforms"]
    spec, callable_ = mirrored
    assert callable_["spec"] == "callable:mirror"
    assert [c["verdict"] for c in callable_["classes"]] == [c["verdict"] for c in spec["classes"]]
    assert callable_["change_rate"] == spec["change_rate"]


def test_the_model_s_strips_show_what_it_saw():
    page = augsafe.scan("fixtures/digits", ["rotate:180"], judge=MODEL).to_html()
    assert "as the model saw it" in page


def test_a_sweep_and_a_recommendation_judged_by_the_model():
    sweep = augsafe.sweep("fixtures/digits", "rotate", judge=MODEL)
    from_cli = cli_json("sweep", "fixtures/digits", "--op", "rotate", "--judge", MODEL)
    assert sweep.to_dict()["classes"] == from_cli["classes"]
    assert sweep.safe_range == (0.0, 10.0)
    recommendation = augsafe.recommend("fixtures/digits", judge=augsafe.Model(MODEL)).to_dict()
    assert recommendation["classifier"]["kind"] == "onnx"
    actions = {c["component"]: c["action"] for c in recommendation["changes"]}
    assert actions["Compose[5]/HorizontalFlip"] == "removed"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: augsafe.Model(MODEL, ink="sideways"), "ink 'sideways'"),
        (lambda: augsafe.Model(MODEL, std=0), "std must be a positive number"),
        (lambda: augsafe.Model(MODEL, margin=2), "margin is a probability"),
        (lambda: augsafe.scan(DIGITS, ["hflip"], judge=[MODEL, MODEL]), "one model"),
        (lambda: augsafe.sweep(DIGITS, "rotate", judge=[MODEL, "templates"]), "sweep takes one judge"),
        (lambda: augsafe.recommend(DIGITS, judge=[MODEL, "templates"]), "recommend takes one judge"),
        (lambda: augsafe.scan(DIGITS, ["hflip"], judge="no-such-model.onnx"), "no-such-model.onnx"),
        (lambda: augsafe.scan(DIGITS, ["hflip"], judge="fixtures/models/rgb-input.onnx"), "rgb-input.onnx"),
    ],
)
def test_models_augsafe_cannot_use_are_errors_naming_them(call, message):
    with pytest.raises(augsafe.AugsafeError, match=message.replace(".", r"\.")):
        call()


def test_a_judge_of_another_type_is_a_type_error():
    with pytest.raises(TypeError, match="judge"):
        augsafe.scan(DIGITS, ["hflip"], judge=3)
