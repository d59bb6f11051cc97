"""The report as one self-contained HTML page: every picture inline, code highlighted by pygments."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer, PythonLexer

from rewardsmith.agents.types import EvidenceValue
from rewardsmith.loop.report.charts import Picture
from rewardsmith.loop.report.episodes import DrawnEpisode
from rewardsmith.loop.report.model import CandidateEntry, DetectorEntry, GateEntry, Report, SpecVersion
from rewardsmith.loop.results import format_score

#: The section ids, in page order; the browser test looks each one up.
SECTIONS = ("summary", "candidates", "best-reward", "specs", "findings", "episodes")

_FORMATTER = HtmlFormatter(cssclass="code")
_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1150px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 9px;text-align:left;vertical-align:top;
border-bottom:1px solid #e4e4e4}th{background:#f2f2f2}tr.best{background:#fff6d5}img{max-width:100%;
display:block;margin:.6em 0}.code pre{padding:8px;background:#f8f8f8;overflow-x:auto}.muted{color:#777}
.bad{color:#b3261e;font-weight:600}.ok{color:#2a7a2a}details{margin:.3em 0}section{margin-bottom:2.2em}
h2{border-bottom:2px solid #4878a8;padding-bottom:.2em}"""

#: What the summary says of a task with no reference reward (a variant such as half_cheetah_backward).
NO_REFERENCE = (
    "none: the task has no reference reward, so no normalised score is possible; judge it by its fitness and episodes"
)


def e(value: object) -> str:
    return html.escape(str(value))


def image(picture: Picture) -> str:
    encoded = base64.b64encode(picture.svg.encode()).decode()
    return f'<img alt="{e(picture.alt)}" src="data:image/svg+xml;base64,{encoded}">'


def code(text: str) -> str:
    return highlight(text, PythonLexer(), _FORMATTER)


def render(
    report: Report,
    rounds: Picture,
    lineage: Picture,
    curves: Picture | None,
    episodes: Sequence[DrawnEpisode],
) -> str:
    """The page, from the report's models and its pictures."""
    s = report.summary
    body = "".join(
        (
            f"<h1>rewardsmith: {e(s.task)}</h1>",
            _summary(report, episodes),
            _section(
                "candidates",
                "Candidates, round by round",
                image(rounds) + image(lineage) + _candidates(report.candidates),
            ),
            _section("best-reward", "Best reward", _best(report, curves)),
            _section("specs", "Specification versions", "".join(_spec(v) for v in report.specs)),
            _section(
                "findings", "The gate's and the detectors' findings", _gate(report.gate) + _detectors(report.detectors)
            ),
            _section("episodes", "Best and worst recorded episodes", _episodes(report, episodes)),
        )
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>rewardsmith {e(s.run_id)}</title>'
        f"<style>{_CSS}{_FORMATTER.get_style_defs('.code')}</style></head><body>{body}</body></html>"
    )


def _section(section_id: str, title: str, content: str) -> str:
    return f'<section id="{section_id}"><h2>{e(title)}</h2>{content}</section>'


def _summary(report: Report, episodes: Sequence[DrawnEpisode]) -> str:
    s = report.summary
    if s.best_id is None:
        best = "no candidate was trained"
    elif s.best_fitness is None:
        best = f"{s.best_id}: {format_score(s.training_fitness)} in the loop. Not retrained on final seeds"
    else:
        best = f"{s.best_id}: {s.best_fitness:.3f} ± {format_score(s.best_fitness_std)} over {len(s.seeds)} seeds"
    cost = "-" if s.cost_usd is None else f"${s.cost_usd:.4f}"
    wall = "-" if s.wall_time_s is None else f"{s.wall_time_s / 60:.1f} min"
    rows = (
        ("task", s.task),
        ("designer", s.designer),
        (f"best {s.fitness_name}", best),
        ("solved at", f"{s.solved_threshold:g}"),
        ("reference / sparse", f"{format_score(s.reference_fitness)} / {format_score(s.sparse_fitness)}"),
        ("normalised score", format_score(s.normalized_score) if s.has_reference else NO_REFERENCE),
        *_evidence(report, episodes),
        ("rounds", s.rounds),
        ("candidates", s.candidates),
        ("RL runs trained", s.rl_runs),
        ("RL runs saved by the gate", s.saved_by_gate),
        ("drafts ranked on the pool before RL", s.ranked or "-"),
        ("LLM tokens / cost", f"{s.tokens:,} / {cost}"),
        ("wall time", wall),
        ("sandbox", ", ".join(s.backends) or "-"),
        ("run", s.run_id),
    )
    table = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    return _section("summary", "Summary", f"<table>{table}</table>")


def _candidates(candidates: Sequence[CandidateEntry]) -> str:
    rows = []
    for c in candidates:
        stage = c.stage if c.stopped_at is None else f"{c.stage} at {c.stopped_at}"
        if c.hacking_suspected:
            stage += " (hacking suspected)"
        repairs = "".join(
            f"<details><summary>rejected version {i + 1}: "
            f"{e('; '.join(f.rule for f in r.findings if f.severity == 'error'))}</summary>{code(r.code)}</details>"
            for i, r in enumerate(c.repairs)
        )
        reason = f"{e(c.reason_kind)}: {e((c.reason or '')[:400])}" if c.reason_kind else ""
        rows.append(
            f'<tr class="{"best" if c.best else ""}"><td>{e(c.id)}{" ★" if c.best else ""}</td><td>{c.iteration}</td>'
            f"<td>{e(c.parent_id or '-')}</td><td>{e(c.designer)}</td><td>{e(stage)}</td>"
            f"<td>{format_score(c.fitness)}</td><td>{reason}{repairs}</td></tr>"
        )
    names = ("candidate", "round", "parent", "designer", "stage", "fitness", "why / repairs")
    header = "<tr>" + "".join(f"<th>{name}</th>" for name in names) + "</tr>"
    return f"<table>{header}{''.join(rows)}</table>"


def _best(report: Report, curves: Picture | None) -> str:
    best = report.best
    if best is None:
        return "<p>No candidate was trained, so there is no best reward.</p>"
    genome = (
        f"<details><summary>the rule-based designer's genome</summary><pre>{e(best.genome)}</pre></details>"
        if best.genome
        else ""
    )
    pictures = image(curves) if curves is not None else "<p class='muted'>No training curves were recorded.</p>"
    return f"<p>{e(best.candidate_id)}</p>{code(best.code)}{genome}{pictures}"


def _spec(version: SpecVersion) -> str:
    changes = "".join(f"<li>{e(c)}</li>" for c in version.changes)
    diff = highlight(version.diff, DiffLexer(), _FORMATTER) if version.diff else ""
    return (
        f'<div class="spec" id="spec-v{version.version}"><h3>v{version.version} by {e(version.author)}</h3>'
        f"<p><b>Why:</b> {e(version.reason or 'the first version, written from the task description')}</p>"
        f"{f'<ul>{changes}</ul>' if changes else ''}{diff}"
        f"<details><summary>v{version.version} in full</summary><pre>{e(version.text)}</pre></details></div>"
    )


def _gate(entries: Sequence[GateEntry]) -> str:
    if not entries:
        return "<h3>Gate</h3><p>No candidate reached the gate.</p>"
    rows = []
    for g in entries:
        verdict = '<span class="ok">passed</span>' if g.passed else '<span class="bad">stopped before training</span>'
        evidence = []
        if g.report is not None:
            r = g.report
            evidence.append(
                f"pairwise accuracy {format_score(r.pairwise_accuracy)} over {r.pairs} pairs, rank correlation "
                f"{format_score(r.rank_correlation)}, {r.successes} successes of {r.trajectories} trajectories"
            )
            evidence += [
                f"probe {p.probe}: return {p.probe_return:.2f} vs competent {p.competent_return:.2f}"
                + (" (outscored)" if p.outscored else "")
                for p in r.probes
            ]
            evidence += [
                f"misranked: {m.worse} (fitness {m.worse_fitness:.2f}, return {m.worse_return:.2f}) above {m.better} "
                f"(fitness {m.better_fitness:.2f}, return {m.better_return:.2f})"
                for m in r.misrankings[:3]
            ]
        else:
            evidence += g.checks
        items = f"<ul>{''.join(f'<li>{e(x)}</li>' for x in evidence)}</ul>"
        if g.passed:  # the evidence of a pass is there to check, not to read first
            items = f"<details><summary>evidence</summary>{items}</details>"
        reason = f"<b>{e(g.reason_kind)}</b>: {e(g.reason)}" if g.reason_kind else ""
        rows.append(f"<tr><td>{e(g.candidate_id)}</td><td>{verdict}</td><td>{reason}{items}</td></tr>")
    stopped = [g.candidate_id for g in entries if not g.passed]
    lead = f"<p>The gate stopped {len(stopped)} of {len(entries)}: {e(', '.join(stopped) or 'none')}.</p>"
    return (
        f"<h3>Gate</h3>{lead}<table><tr><th>candidate</th><th>verdict</th><th>evidence</th></tr>{''.join(rows)}</table>"
    )


def _detectors(entries: Sequence[DetectorEntry]) -> str:
    if not entries:
        return "<h3>Detectors</h3><p>The analyzer found nothing to report on any trained candidate.</p>"
    rows = []
    for d in entries:
        f = d.finding
        evidence = "".join(f"<li>{e(k)}: {e(_value(v))}</li>" for k, v in f.evidence.items())
        what = "sent the round to the spec corrector" if d.sent_to_spec_corrector else "told the designer"
        severity = f'<span class="bad">{e(f.severity)}</span>' if f.severity == "hacking" else e(f.severity)
        rows.append(
            f"<tr><td>{e(d.candidate_id)}</td><td>{e(f.kind)}</td><td>{severity}</td><td>{e(what)}</td>"
            f"<td>{e(f.message)}<ul>{evidence}</ul></td></tr>"
        )
    header = "<tr><th>candidate</th><th>finding</th><th>severity</th><th>effect</th><th>evidence</th></tr>"
    return f"<h3>Detectors</h3><table>{header}{''.join(rows)}</table>"


def _value(value: EvidenceValue) -> str:
    """A measured value as a reader wants it: four significant digits, a curve as a list of them."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join("-" if v is None else f"{v:.4g}" for v in value) + "]"
    return "-" if value is None else str(value)


def _evidence(report: Report, episodes: Sequence[DrawnEpisode]) -> list[tuple[str, str]]:
    """The best episode's facts in the summary, where a task with no reference has no score to show instead."""
    if report.summary.has_reference:
        return []
    return [
        (f"{pick.label} episode", "; ".join(fact.text() for fact in drawn.facts))
        for pick, drawn in zip(report.episodes, episodes, strict=True)
        if pick.label == "best" and drawn.facts
    ]


def _episodes(report: Report, episodes: Sequence[DrawnEpisode]) -> str:
    if not episodes:
        return "<p>No recorded episode of the best candidate is on disk.</p>"
    return "".join(
        f"<h3>{e(p.label)} (checkpoint {p.checkpoint}, episode {p.episode})</h3>{image(drawn.picture)}{_facts(drawn)}"
        for p, drawn in zip(report.episodes, episodes, strict=True)
    )


def _facts(drawn: DrawnEpisode) -> str:
    if not drawn.facts:
        return ""
    rows = "".join(
        f"<tr><th>{e(f.name)}</th><td>{f.value:.4g}{'' if f.unit == '-' else ' ' + e(f.unit)}</td>"
        f'<td class="muted">{e(f.meaning)}</td></tr>'
        for f in drawn.facts
    )
    return f"<table>{rows}</table>"
