"""The what-if page: pick scenarios, move levers, watch court load respond as replications finish.

Built on Shiny for Python: its reactive graph redraws exactly what a moved input touches, and it
serves its own assets, so the page works with no internet. Every number on it comes from
:func:`sim.api.compare` (through :mod:`sim.app.jobs`), so the page, the command line and the
Python API agree for the same settings and seed.

Safe to leave running: the browser chooses among names the server lists (shipped scenarios and
the files it saved from uploads), never a path; uploads are validated as the command line
validates a file, and their errors name the uploaded file, not where the server keeps it;
replications and years are bounded (:data:`sim.app.jobs.MAX_REPS`, :data:`sim.app.jobs.MAX_YEARS`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import uuid
import zipfile
from pathlib import Path
from typing import Any

from shiny import App, reactive, render, ui

from sim import NOTICE, api
from sim.app import controls as C
from sim.app.jobs import MAX_REPS, MAX_YEARS, Request, Runner, Snapshot
from sim.errors import ScenarioError
from sim.inputs.loading import list_shipped
from sim.inputs.reading import MAX_FILE_BYTES
from sim.reports import figures as F
from sim.results.metrics import ADDED_LOAD
from sim.results.numbers import with_ci
from sim.results.units import unit

POLL_S = 0.3
#: the rows of the headline table
HEADLINE_ROWS = (
    "court.receipts_per_year",
    "court.backlog_end",
    "court.crown.backlog_end",
    "court.crown.wait_weeks_median",
    "court.crown.list.wait_weeks_mean",
    "court.sitting_days_used",
    "court.crown.sitting_days_used",
    "scheme.referred",
    "scheme.prosecuted_after_failure",
    "prison.population_end",
    "cost.total_gbp",
)
CSS = """
.notice{border:2px solid #111;background:#fff8e1;padding:.5rem .8rem;font-weight:600;margin:.3rem 0 .8rem}
.status{font-weight:600} .error{color:#a40000;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.lever-source{font-size:11px;color:#555;margin:-.6rem 0 .6rem} table.dtab{font-size:12px;border-collapse:collapse}
table.dtab td,table.dtab th{border:1px solid #ccc;padding:.15rem .4rem;text-align:right} table.dtab td:first-child,
table.dtab th:first-child{text-align:left}
"""


def _safe_stem(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).stem).strip("-")[:40]
    return stem or "uploaded"


def _lever_id(key: str) -> str:
    """An input id for a scenario key (the key itself, so that a value never moves to another lever)."""
    return "lever__" + key.replace(".", "__")


def _table(result: api.CompareResult, keys: tuple[str, ...]) -> ui.Tag:
    """Each metric for the base, and every policy's paired difference with its 95% CI."""
    names = result.data["scenarios"]
    head = [ui.tags.th("metric"), ui.tags.th("unit"), ui.tags.th(f"{names[0]} (base)")]
    head += [ui.tags.th(f"{n}: difference (95% CI)") for n in names[1:]]
    rows = []
    for key in keys:
        m = result.data["metrics"].get(key)
        if m is None:
            continue
        base = m[names[0]]
        cells = [
            ui.tags.td(key),
            ui.tags.td(unit(key)),
            ui.tags.td(with_ci(base["mean"], base["ci_low"], base["ci_high"])),
        ]
        for n in names[1:]:
            d = m[n]["diff"]
            cells.append(ui.tags.td(with_ci(d["mean"], d["ci_low"], d["ci_high"]), data_metric=key, data_scenario=n,
                                    data_value=repr(d["mean"])))  # fmt: skip
        rows.append(ui.tags.tr(*cells))
    return ui.tags.table(ui.tags.tr(*head), *rows, class_="dtab")


def build(root: Path, runner: Runner) -> App:
    """The app, its comparisons cached under ``root`` and run by ``runner``."""
    shipped = {p.stem: p.stem for p in list_shipped()}
    uploads_dir = root / "uploads"

    sidebar = ui.sidebar(
        ui.input_select("base", "base scenario", shipped, selected="status-quo"),
        ui.input_selectize("policies", "policy scenarios", shipped, selected=["justice-2019"], multiple=True),
        ui.input_file("upload", "or upload a scenario file (.toml)", accept=[".toml"]),
        ui.output_ui("upload_error"),
        ui.input_numeric("reps", f"paired replications (1-{MAX_REPS})", 5, min=1, max=MAX_REPS, step=1),
        ui.input_numeric("years", f"years reported (1-{MAX_YEARS:g})", 10, min=1, max=MAX_YEARS, step=1),
        ui.input_numeric("seed", "seed", 20190610, min=0, step=1),
        ui.output_ui("levers"),
        width=360,
    )
    page = ui.page_sidebar(
        sidebar,
        ui.head_content(ui.tags.link(rel="icon", href="data:,")),  # no favicon to fetch
        ui.tags.style(CSS),
        ui.div(NOTICE, class_="notice", id="notice"),
        ui.div(
            ui.output_ui("status"),
            ui.input_action_button("cancel", "Cancel"),
            ui.download_button("download_folder", "Download the run folder"),
            ui.download_button("download_report", "Write the HTML report"),
            class_="d-flex gap-2 align-items-center flex-wrap",
        ),
        ui.navset_tab(
            ui.nav_panel(
                "Court load",
                ui.output_plot("backlog", height="360px"),
                ui.output_plot("receipts", height="360px"),
            ),
            ui.nav_panel("How fast", ui.output_plot("how_fast", height="520px")),
            ui.nav_panel("Differences", ui.output_plot("forest", height="420px")),
            ui.nav_panel("Added load and costs", ui.output_ui("added")),
            id="tabs",
        ),
        ui.h5("Headline figures (mean, and paired difference with its 95% CI)"),
        ui.output_ui("headline"),
        title="divertsim: what if?",
        window_title="divertsim: what if?",
    )

    def server(input: Any, output: Any, session: Any) -> None:
        sid = uuid.uuid4().hex
        uploaded: reactive.Value[dict[str, tuple[str, str]]] = reactive.Value({})  # token -> (label, path)
        upload_problem: reactive.Value[str] = reactive.Value("")
        snap: reactive.Value[Snapshot | None] = reactive.Value(None)
        job_box: dict[str, Any] = {"job": None, "version": -1}
        session.on_ended(lambda: runner.forget(sid))

        def resolve(token: str) -> str | None:
            if token in shipped:
                return token
            hit = uploaded.get().get(token)
            return hit[1] if hit else None

        def choices() -> dict[str, str]:
            return {**shipped, **{t: label for t, (label, _) in uploaded.get().items()}}

        @reactive.effect
        @reactive.event(input.upload)
        def _upload() -> None:
            files = input.upload()
            if not files:
                return
            f = files[0]
            name = str(f.get("name", "uploaded.toml"))[:80]
            data = Path(f["datapath"]).read_bytes()[: MAX_FILE_BYTES + 1]
            token = "upload-" + hashlib.sha256(data).hexdigest()[:12]
            folder = uploads_dir / token
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{_safe_stem(name)}.toml"
            path.write_bytes(data)
            try:
                sc = api.load(path)
            except ScenarioError as exc:
                upload_problem.set(str(exc).replace(str(path), name).replace(str(folder), "upload"))
                return
            upload_problem.set("")
            uploaded.set({**uploaded.get(), token: (f"uploaded: {sc.name}", str(path))})
            ui.update_select("base", choices=choices(), selected=input.base())
            ui.update_selectize("policies", choices=choices(), selected=[*input.policies(), token])

        @render.ui
        def upload_error() -> Any:
            problem = upload_problem.get()
            return ui.div(problem, class_="error", id="upload-error", title=problem) if problem else None

        @reactive.calc
        def scenarios() -> list[Any]:
            names = [input.base(), *[p for p in input.policies() if p != input.base()]]
            paths = [resolve(n) for n in names]
            return [api.load(p) for p in paths if p is not None]

        @reactive.calc
        def screen() -> list[C.Shown]:
            scs = scenarios()
            return C.shown(scs) if len(scs) > 1 else []

        @render.ui
        def levers() -> Any:
            groups = []
            shown = screen()
            for stage in C.STAGES:
                items = []
                for s in shown:
                    if s.control.stage != stage:
                        continue
                    label = f"{s.control.label} ({s.unit})" if s.unit and s.unit != "-" else s.control.label
                    if s.control.choices:
                        items.append(
                            ui.input_select(_lever_id(s.key), label, list(s.control.choices), selected=s.value)
                        )
                    else:
                        items.append(
                            ui.input_slider(_lever_id(s.key), label, s.low, s.high, s.value, step=s.control.step)
                        )
                    rng = "" if s.control.choices else f"range {s.low:g} to {s.high:g}; "
                    items.append(ui.div(f"{rng}{s.key}: {s.source}", class_="lever-source"))
                if items:
                    groups.append(ui.accordion_panel(stage, *items))
            if not groups:
                return ui.p("Choose a base and at least one policy to see their levers.")
            return ui.accordion(*groups, id="lever_groups", open=[C.STAGES[0], C.STAGES[3]])

        @reactive.effect
        def _ask() -> None:
            """Every change of a setting asks for its comparison (the runner lets a dragged lever settle)."""
            base = resolve(input.base())
            policies = tuple(p for p in (resolve(x) for x in input.policies() if x != input.base()) if p)
            if base is None or not policies:
                return
            shown = screen()
            values = {s.key: input[_lever_id(s.key)]() if _lever_id(s.key) in input else None for s in shown}
            overrides = tuple(sorted(C.moved(shown, values).items()))
            try:
                reps, years, seed = int(input.reps() or 5), float(input.years() or 10), int(input.seed() or 0)
            except (TypeError, ValueError):
                return
            job_box["job"] = runner.submit(Request(base, policies, overrides, reps, years, seed), sid)
            job_box["version"] = -1

        @reactive.effect
        @reactive.event(input.cancel)
        def _cancel() -> None:
            job = job_box["job"]
            if job is not None:
                job.cancel.set()
                runner.forget(sid)

        @reactive.effect
        def _poll() -> None:
            reactive.invalidate_later(POLL_S)
            job = job_box["job"]
            if job is None:
                return
            now = job.read()
            if job.cancel.is_set() and now.state in ("queued", "running"):
                now.state = "cancelled"
            with reactive.isolate():
                before = snap.get()
            if now.version != job_box["version"] or before is None or now.state != before.state:
                job_box["version"] = now.version
                snap.set(now)

        @render.ui
        def status() -> Any:
            s = snap.get()
            if s is None:
                return ui.span("starting", class_="status", id="status-text")
            if s.state == "failed":
                return ui.div(s.error or "failed", class_="error", id="run-error")
            text = {
                "queued": "queued",
                "running": f"running: {s.replications} of {s.total} paired replications",
                "done": f"done: {s.replications} paired replications",
                "cancelled": f"cancelled after {s.replications} paired replications",
            }[s.state]
            timing = ""
            if s.first_at is not None:
                timing = f" (first redraw {s.first_at:.1f} s" + (f", final {s.final_at:.1f} s)" if s.final_at else ")")
            bar = ui.tags.progress(value=str(s.replications), max=str(max(s.total, 1)))
            return ui.span(bar, " ", text + timing, class_="status", id="status-text", data_state=s.state,
                           data_reps=str(s.replications), data_job=str(s.job))  # fmt: skip

        def result() -> api.CompareResult | None:
            s = snap.get()
            return s.result if s is not None else None

        def series() -> list[F.Series] | None:
            r = result()
            if r is None:
                return None
            return [F.Series.of(name, run.scenario, run.results) for name, run in r.runs.items()]

        @render.plot(alt="court backlog over time")
        def backlog() -> Any:
            s = series()
            return F.backlog(s) if s else None

        @render.plot(alt="court receipts and disposals over time")
        def receipts() -> Any:
            s = series()
            return F.receipts_disposals(s) if s else None

        @render.plot(alt="how fast each policy acts")
        def how_fast() -> Any:
            s = series()
            return F.how_fast(s[0], s[1:]) if s and len(s) > 1 and len(s[0].results) > 1 else None

        @render.plot(alt="paired differences from the base")
        def forest() -> Any:
            r = result()
            return F.forest(r.data) if r is not None and r.data["replications"] > 1 else None

        @render.ui
        def headline() -> Any:
            r = result()
            return _table(r, HEADLINE_ROWS) if r is not None else None

        @render.ui
        def added() -> Any:
            r = result()
            return _table(r, ADDED_LOAD) if r is not None else None

        def finished() -> Snapshot:
            s = snap.get()
            if s is None or s.state != "done" or s.folder is None:
                raise ValueError("the comparison has not finished yet")
            return s

        @render.download_button(filename=lambda: f"divertsim-{dt.datetime.now():%Y%m%d-%H%M%S}.zip")
        def download_folder() -> Any:
            folder = finished().folder
            assert folder is not None
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for p in sorted(folder.rglob("*")):
                    if p.is_file() and not p.name.endswith((".lock", "-journal", "-wal", "-shm")):
                        z.write(p, p.relative_to(folder.parent))
            yield buf.getvalue()

        @render.download_button(filename=lambda: f"divertsim-report-{dt.datetime.now():%Y%m%d-%H%M%S}.html")
        def download_report() -> Any:
            folder = finished().folder
            assert folder is not None
            yield api.report(folder).read_bytes()

    return App(page, server)
