"""``judge_checker_disagreement``: a judge criterion and the trusted checker score the same completions
far apart."""

from __future__ import annotations

from collections import defaultdict

from rewardsmith.agents.types import Finding
from rewardsmith.text.detectors.common import JudgedCompletion, TextObserved

#: Two scores in [0, 1] disagree when they are at least this far apart.
APART = 0.5
#: A criterion is reported when at least this share of its completions disagree.
SHARE = 0.3
#: Fewer judged completions than this say nothing about a criterion.
MIN_JUDGED = 4


def detect(seen: TextObserved) -> list[Finding]:
    by_criterion: dict[str, list[JudgedCompletion]] = defaultdict(list)
    for judged in seen.judged:
        by_criterion[judged.criterion].append(judged)
    findings = []
    for criterion, judged in by_criterion.items():
        if len(judged) < MIN_JUDGED:
            continue
        generous = sum(j.judge_score - j.fitness >= APART for j in judged) / len(judged)
        strict = sum(j.fitness - j.judge_score >= APART for j in judged) / len(judged)
        if generous + strict < SHARE:
            continue
        findings.append(
            Finding(
                kind="judge_checker_disagreement",
                # A judge that pays what the checker fails is what a policy can farm; a strict one only misleads.
                severity="hacking" if generous >= SHARE else "warning",
                criterion=criterion,
                message=(
                    f"judge criterion '{criterion}' and the checker disagree on {generous + strict:.0%} of "
                    f"{len(judged)} held-out completions: the judge pays {generous:.0%} that the checker fails and "
                    f"fails {strict:.0%} that it passes"
                ),
                evidence={
                    "judged": len(judged),
                    "judge_pays_checker_fails": generous,
                    "checker_pays_judge_fails": strict,
                },
            )
        )
    return findings
