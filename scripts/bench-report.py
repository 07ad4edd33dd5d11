#!/usr/bin/env python3
"""Turns make bench's JSON lines into one table: report.md (markdown) and report.json.
Usage: bench-report.py RESULTS.jsonl OUT_DIR"""
import json
import sys
from pathlib import Path


def number(value, unit):
    if value is None:
        return ""
    if unit in ("/s",) or abs(value) >= 100:
        return f"{value:,.0f} {unit}".strip()
    return f"{value:.2f} {unit}".strip()


def main():
    results, out = Path(sys.argv[1]), Path(sys.argv[2])
    rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
    (out / "report.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = [
        "| Benchmark | Database | Figure | Tessera | Reference (same run) | Ratio | Goal | Met |",
        "|---|---|---|---:|---|---:|---|---|",
    ]
    for r in rows:
        ref = r.get("reference")
        reference = f"{ref['name']}: {number(ref['value'], r['unit'])}" if ref else ""
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r.get("met")]
        lines.append(
            f"| {r['benchmark']} | {r['database']} | {r['metric']} | {number(r['value'], r['unit'])} "
            f"| {reference} | {ratio} | {r.get('goal') or ''} | {met} |"
        )
    missed = sum(1 for r in rows if r.get("met") is False)
    goals = sum(1 for r in rows if r.get("met") is not None)
    lines.append("")
    lines.append(f"{goals - missed} of {goals} goals met.")
    (out / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


main()
