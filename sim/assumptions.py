"""The assumptions register: every modelling assumption, numbered, with the parameter it sets.

``docs/assumptions.md`` is this module's output (``python -m sim.assumptions > docs/assumptions.md``)
and a test keeps the two identical, so the document can never drift from the code: the parameter
rows come straight from the schema's defaults and sources and from the shipped scenarios'
``[sources]`` tables, the same text ``divertsim explain`` shows.
"""

from __future__ import annotations

from .explain import parameters
from .loading import list_shipped, load_scenario, read_toml
from .scenario import Scenario

#: Assumptions of model structure, not tied to one parameter's value. (text, what it affects)
STRUCTURE: tuple[tuple[str, str], ...] = (
    ("The unit is a person suspected of an image offence (a case), not a crime record or a proceeding; court receipts count defendants.",
     "arrivals, court.receipts"),
    ("Case flags (prior sexual or violent conviction, making or distributing, image category, admission, contact with children) are drawn independently from population shares.",
     "arrivals.population.*"),
    ("New cases arrive as a Poisson process; the rate is constant within a day and follows the monthly rate, annual growth and schedule.",
     "arrivals.per_month, arrivals.annual_growth, arrivals.schedule"),
    ("A reoffence brings a new, no-longer-first-time case into the pipeline at the time it is detected; reoffending is detected reoffending.",
     "reoffending.*, scheme.reoffend_during_deferral"),
    ("The decision at interview needs an admission; rules are tried in order and the first that matches and is taken decides; cases no rule takes are charged.",
     "decision.*"),
    ("A failed diversion (scheme failure, breached caution) is prosecuted without a second diversion; if the case was diverted before examination, the examination is done first.",
     "scheme.late_prosecution_proceeds, caution.breach_share"),
    ("Examiners, lawyers and assessors work on working days only; a job that does not fit in the rest of a working day continues on the same person's next working day.",
     "forensics.*, court.charging.*, caution.assessors, self_referral.assessors"),
    ("Courtroom time is sitting days: each level sits on its sitting days with the number of rooms its monthly allocation gives (whole rooms, spread so the total is exact), a sitting day's hours are spread over the calendar day, and a trial that does not finish continues in the same room on its next sitting day.",
     "court.*.sitting_days_per_month, court.*.hours_per_sitting_day, court.*.sitting_days_per_week"),
    ("Short hearings (first hearings, plea hearings, sentencing) are listed ahead of trials at the same level unless a level lists first come, first served.",
     "court.*.listing"),
    ("An ineffective trial uses a little court time and is relisted after a delay; the number of ineffective listings before a trial is heard is geometric in the ineffective share.",
     "court.ineffective_trial_share, court.ineffective_hours, court.relist_delay_days, court.max_relistings"),
    ("Each stage draws up a day's list once the day is over, with every start at its exact time; a hand-off against the pipeline order (a reoffender's new case, a failed diversion returning to an earlier stage) that becomes ready within the same day joins the next day's list.",
     "all stages"),
    ("The scheme's group slots are held from the first to the last group session; the follow-up session is individual and needs no group slot (its facilitator hours are counted).",
     "scheme.facilitators, scheme.groups_per_facilitator, scheme.facilitators_per_group"),
    ("A scheme participant misses a session with the same chance at each session, follow-up included, so that the overall completion rate is the parameter; reoffending during the deferral is detected at a uniformly distributed time.",
     "scheme.completion_rate, scheme.reoffend_during_deferral"),
    ("Conditional-caution courses and community treatment programmes have no capacity limit; their hours and starts are counted as load.",
     "caution.course_hours, sentence.community_programme_share"),
    ("A conditional-caution breach is found at the end of the caution period; a completed course ends at a uniformly distributed time within it.",
     "caution.completion_window_days, caution.breach_share"),
    ("Custody lasts the sentence times the release fraction; the prison population counts these cases only.",
     "sentence.custody_months, sentence.release_fraction"),
    ("Initial stocks are drawn like new cases and placed in their queue with ages spread evenly up to the stated maximum.",
     "initial.*"),
    ("Reoffending is equally likely after every route by default; route multipliers exist only for sensitivity analysis.",
     "reoffending.multipliers"),
)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    lines = [
        "# Assumptions",
        "",
        "Every assumption of the model, numbered. Part A states the assumptions of structure; part B",
        "gives every parameter's default with its unit and source; part C the values the shipped",
        "scenarios set and why. Provenance tags and source numbers (S1...) are explained in",
        "[sources.md](sources.md). `divertsim explain SCENARIO` shows the same sources for any scenario.",
        "",
        "This file is generated from the code (`python -m sim.assumptions > docs/assumptions.md`) and a",
        "test checks that it is up to date.",
        "",
        "divertsim is an illustrative policy model over aggregate rates: not a tool for assessing,",
        "scoring or predicting the risk of any individual.",
        "",
        "## A. Structure",
        "",
        "| # | assumption | affects |",
        "|---|---|---|",
    ]
    n = 0
    for text, affects in STRUCTURE:
        n += 1
        lines.append(f"| A{n} | {_escape(text)} | `{affects}` |")
    lines += ["", "## B. Parameter defaults", "", "| # | parameter | default | unit | source and provenance |", "|---|---|---|---|---|"]
    n = 0
    for p in parameters(Scenario()):
        if p.key in ("name", "description"):
            continue
        n += 1
        lines.append(f"| B{n} | `{p.key}` | {_escape(p.value)} | {p.unit} | {_escape(p.source)} |")
    lines += ["", "## C. Values set by the shipped scenarios", ""]
    n = 0
    for path in list_shipped():
        sc = load_scenario(str(path))
        parent = read_toml(path).get("extends")
        base = {p.key: p.value for p in parameters(load_scenario(str(path.parent / parent)))} if parent else {}
        rows = [p for p in parameters(sc) if p.set_by == "scenario" and p.key not in ("name", "description")
                and base.get(p.key) != p.value]
        note = f"Extends `{parent}`; the values it changes:" if parent else "The values it sets:"
        lines += [f"### {path.stem}", "", _escape(sc.description), "", note, "",
                  "| # | parameter | value | unit | source and provenance |", "|---|---|---|---|---|"]
        for p in rows:
            n += 1
            lines.append(f"| C{n} | `{p.key}` | {_escape(p.value)} | {p.unit} | {_escape(p.source)} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
