#!/usr/bin/env python3
"""Prints the handwriting benchmark's table from the JSON reports `run.sh` wrote: per set, the
baseline error, the loss rate (changed or destroyed) of every mirror-symmetric class under the
flip or turn that leaves it the same (these should be safe), the pairs that must stay flagged,
the control (the judge's own noise) and the destroyed floor.

    python3 benches/handwriting/table.py target/handwriting/*.json
"""

import json
import os
import sys

# Classes a transformation leaves the same glyph (in most hands), so a reader still reads them.
SYMMETRIC = {
    "hflip": set("08AHIMOTUVWXYilovwx"),
    "vflip": set("038BCDEHIKOXclox"),
    "rotate:180": set("08HINOSXZlosxz"),
}
# Pairs a good judge must keep flagging: the transformation does turn one into the other.
MUST_FLAG = {
    "rotate:180": [("6", "9"), ("9", "6")],
    "hflip": [("b", "d"), ("d", "b")],
    "vflip": [("b", "p"), ("p", "b")],
}
# Small turns every hand makes: every class should stay safe.
SMALL = {"rotate:-10..10"}
# Classes a flip leaves without a label (a mirrored 3 is no digit): they must not read as safe.
MUST_NOT_SURVIVE = {"hflip": set("357")}


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def main(paths: list[str]) -> int:
    for path in paths:
        with open(path) as f:
            report = json.load(f)
        name = os.path.splitext(os.path.basename(path))[0]
        dataset, classifier = report["dataset"], report["classifier"]
        print(f"== {name}: {dataset['images']} images, {len(dataset['classes'])} classes, "
              f"{classifier['templates']} templates, baseline error "
              f"{pct(1 - classifier['baseline_accuracy']).strip()}")
        classes = set(dataset["classes"])
        symmetric_safe = symmetric_rows = 0
        for transform in report["transforms"]:
            spec = transform["spec"]
            by_label = {c["label"]: c for c in transform["classes"]}
            rows = []
            for label in sorted(SYMMETRIC.get(spec, set()) & classes):
                c = by_label[label]
                uncertain = c["uncertain"] / c["samples"] if c["samples"] else 0.0
                # Changed and destroyed both count against a class (schema 2); older reports
                # have the change rate alone.
                lost = c.get("loss_rate", c["change_rate"])
                symmetric_rows += 1
                symmetric_safe += c["verdict"] == "safe"
                rows.append(f"{label} {pct(lost).strip()} ({c['verdict']}, "
                            f"{pct(uncertain).strip()} uncertain)")
            if rows:
                print(f"  {spec:<11} symmetric, should be safe: " + "; ".join(rows))
            if spec in SMALL:
                flagged_classes = [c["label"] for c in transform["classes"] if c["verdict"] != "safe"]
                print(f"  {spec:<11} safe for {len(classes) - len(flagged_classes)} of "
                      f"{len(classes)} classes" + (f"; not for {' '.join(flagged_classes)}"
                                                  if flagged_classes else ""))
            pairs = {(p["from"], p["to"]): p for p in transform["pairs"]}
            flagged = []
            for a, b in MUST_FLAG.get(spec, []):
                if a in classes and b in classes:
                    samples = by_label[a]["samples"]
                    count = pairs.get((a, b), {}).get("count", 0)
                    flagged.append(f"{a}→{b} {count}/{samples} ({by_label[a]['verdict']})")
            for label in sorted(MUST_NOT_SURVIVE.get(spec, set()) & classes):
                c = by_label[label]
                destroyed = c.get("destroyed_rate", 0.0)
                flagged.append(f"{label} changed {pct(c['change_rate']).strip()}, destroyed "
                               f"{pct(destroyed).strip()} ({c['verdict']})")
            if flagged:
                print(f"  {spec:<11} must stay flagged: " + "; ".join(flagged))
        if symmetric_rows:
            print(f"  symmetric rows safe: {symmetric_safe} of {symmetric_rows}")
        control = report.get("control")
        if control:
            print(f"  control {control['spec']}: changed {pct(control['change_rate']).strip()}, "
                  f"destroyed {pct(control['destroyed_rate']).strip()}, uncertain "
                  f"{pct(control['uncertain'] / max(control['samples'], 1)).strip()} "
                  f"(the judge's own noise)")
        floor = classifier.get("destroyed")
        if floor:
            print(f"  destroyed below {floor['below']:.3f} (own 1% {floor['own_low']:.3f}, "
                  f"rival median {floor['rival_median']:.3f})")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
