"""The assumptions register: every modelling assumption, numbered, with the parameter it sets.

``docs/assumptions.md`` is this module's output (``python -m sim.inputs.assumptions > docs/assumptions.md``)
and a test keeps the two identical, so the document can never drift from the code: the parameter
rows come straight from the schema's defaults and sources and from the shipped scenarios'
``[sources]`` tables, the same text ``divertsim explain`` shows.
"""

from __future__ import annotations

from sim.inputs.explain import parameters
from sim.inputs.loading import list_shipped, load_scenario, read_toml
from sim.inputs.scenario import Scenario

#: Assumptions of model structure, not tied to one parameter's value. (text, what it affects)
STRUCTURE: tuple[tuple[str, str], ...] = (
    (
        "The unit is a person suspected of an image offence (a case), not a crime record or a proceeding; court "
        "receipts count defendants.",
        "arrivals, court.receipts",
    ),
    (
        "Case flags (prior sexual or violent conviction, making or distributing, image category, admission, contact "
        "with children) are drawn independently from population shares; a case with a prior sexual or violent "
        "conviction, or a reoffender's new case, is not first-time.",
        "arrivals.population.*",
    ),
    (
        "New cases arrive as a Poisson process; the rate is constant within a day and follows the monthly rate, "
        "annual growth and schedule. arrivals.per_month counts every detection, reoffenders' new cases included.",
        "arrivals.per_month, arrivals.annual_growth, arrivals.schedule, reoffending.stationary_start",
    ),
    (
        "Reoffending is one constant hazard over time at liberty, from detection, on every route: while a case waits, "
        "during a diversion and after it ends, for a window of time at liberty (custody does not count). Route "
        "multipliers apply after a case ends; a reoffence brings a new case. People detected before the start "
        "reoffend after it as in a steady state, so the re-entry stream starts at its steady level.",
        "reoffending.*",
    ),
    (
        "At interview a rule sees what an interview can: the admission, priors, contact with children, and the part "
        "of making or distributing (and of image category) that the referral shows; a case diverted then has a triage "
        "examination that finds what the interview could not see, and the ineligible go back to prosecution.",
        "decision.interview_sees_*, decision.triage_*, forensics.triage_effort_days",
    ),
    (
        "Rules at one decision point are tried in order; two that could take the same case need different orders; the "
        "first that matches and is taken decides; cases no rule takes are charged.",
        "decision.rules",
    ),
    (
        "No further action after examination, the charging decision and an early guilty plea depend on the admission: "
        "their odds for those who admitted differ from those who denied by an odds ratio, around an overall share for "
        "the population.",
        "police.nfa_*, court.charging.charge_*, court.guilty_plea_*",
    ),
    (
        "A failed diversion (scheme failure, breached caution, a referral not assessed or not started within its wait "
        "limit) is prosecuted without a second diversion; if the case was diverted before its full examination, the "
        "examination is done first.",
        "scheme.wait_limit_days, caution.wait_limit_days, self_referral.wait_limit_days, "
        "scheme.late_prosecution_proceeds",
    ),
    (
        "Examiners, lawyers and assessors work on working days only; a job that does not fit in the rest of a working "
        "day continues on the same person's next working day.",
        "forensics.*, court.charging.*, caution.assessors, self_referral.assessors",
    ),
    (
        "Cases waiting for a full examination are dropped (no further action) at a constant rate per year of waiting; "
        "cases graded higher risk are examined first, and triage examinations ahead of all; with outside providers "
        "funded, a case that has waited long enough is sent to them.",
        "forensics.attrition_per_year, forensics.priority, forensics.outsourced_examiners",
    ),
    (
        "Both court levels are national lists shared with the rest of the caseload: their sitting days serve these "
        "cases' hearings and a background flow of other cases (daily cohorts through the same hearings, by published "
        "shares and hearing times), so days these cases free serve other work when the list has work waiting.",
        "court.*.shared, court.*.background.*, court.*.sitting_days_per_month",
    ),
    (
        "A list's capacity each day is shared by short hearings (first, plea and sentence hearings) and trials in "
        "proportion to their waiting work, short work weighted; within each, work is heard in the order it became "
        "ready; a hearing takes its own room for its length, continuing on the room's next sitting days.",
        "court.*.listing, court.*.short_hearing_weight, court.*.hours_per_sitting_day",
    ),
    (
        "The Crown Court waiting time is the Ministry of Justice's measure, from sending to the main hearing: the "
        "plea hearing for an early guilty plea, the trial date for a cracked trial, the start of an effective trial.",
        "court.crown.*",
    ),
    (
        "A trial listing may be ineffective and relisted (geometric in the ineffective share); at the listing that "
        "goes ahead a share of not-guilty pleas change to guilty (a cracked trial, a short hearing) after waiting in "
        "the trial list.",
        "court.ineffective_trial_share, court.late_guilty_plea_share, court.relist_delay_days, court.max_relistings",
    ),
    (
        "Each stage draws up a day's list once the day is over, with every start at its exact time; a hand-off "
        "against the pipeline order (a reoffender's new case, a failed diversion returning to an earlier stage) that "
        "becomes ready within the same day joins the next day's list.",
        "all stages",
    ),
    (
        "The scheme's group slots are held from the first to the last group session; the follow-up session is "
        "individual and needs no group slot (its facilitator hours are counted).",
        "scheme.facilitators, scheme.groups_per_facilitator, scheme.facilitators_per_group",
    ),
    (
        "A scheme participant misses a session with the same chance at each session, follow-up included, and fails by "
        "reoffending between the first session and the follow-up, so that the overall completion rate is the "
        "parameter.",
        "scheme.completion_rate",
    ),
    (
        "Conditional-caution courses and community treatment programmes have no capacity limit; their hours and "
        "starts are counted as load.",
        "caution.course_hours, sentence.community_programme_share",
    ),
    (
        "A conditional-caution breach is found at the end of the caution period; a completed course ends at a "
        "uniformly distributed time within it.",
        "caution.completion_window_days, caution.breach_share",
    ),
    (
        "Custody lasts the sentence times the release fraction, within the magistrates' powers when sentenced there; "
        "the prison population counts these cases only.",
        "sentence.custody_months, sentence.magistrates_custody_months, sentence.release_fraction",
    ),
    (
        "Self-referrers come forward, hand over their devices for a triage examination, and are not arrested; a share "
        "of them would otherwise have been detected later, each removing one later detection.",
        "self_referral.*",
    ),
    (
        "Initial stocks are drawn like new cases and placed in their queue with ages spread evenly up to the stated "
        "maximum; a court list's open caseload starts split between hearings as a steady flow would hold it, the rest "
        "waiting for a trial listing.",
        "initial.*, court.*.background.initial_*",
    ),
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
        "This file is generated from the code (`python -m sim.inputs.assumptions > docs/assumptions.md`) and a",
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
    for n, (text, affects) in enumerate(STRUCTURE, 1):
        lines.append(f"| A{n} | {_escape(text)} | `{affects}` |")
    lines += [
        "",
        "## B. Parameter defaults",
        "",
        "| # | parameter | default | unit | source and provenance |",
        "|---|---|---|---|---|",
    ]
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
        rows = [
            p
            for p in parameters(sc)
            if p.set_by == "scenario" and p.key not in ("name", "description") and base.get(p.key) != p.value
        ]
        note = f"Extends `{parent}`; the values it changes:" if parent else "The values it sets:"
        lines += [
            f"### {path.stem}",
            "",
            _escape(sc.description),
            "",
            note,
            "",
            "| # | parameter | value | unit | source and provenance |",
            "|---|---|---|---|---|",
        ]
        for p in rows:
            n += 1
            lines.append(f"| C{n} | `{p.key}` | {_escape(p.value)} | {p.unit} | {_escape(p.source)} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
