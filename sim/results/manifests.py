"""The typed records of a results folder: its manifest, a comparison's comparison.json, a store's meta table.

Every folder divertsim writes says what it holds in ``manifest.json``: its kind, its status
(``running`` until the last file is written), the hash of what its results depend on, the seed and
the work asked for, and how it was made. One model per kind of folder, all on :class:`Manifest`,
is the only way a manifest is written or read, so a writer cannot drop a key a reader needs and a
reader never guesses a folder's kind from the files beside it. A record that does not validate is
refused in one line (:class:`ManifestError`), never half used.

The kinds are those of :data:`sim.results.identity.KINDS`. A comparison and each scenario of it
both record the kind ``compare`` (``divertsim compare --resume`` continues either): the
comparison's manifest lists its scenarios, a scenario's holds that scenario.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    TypeAdapter,
    ValidationError,
    model_serializer,
)

from sim import NOTICE
from sim.errors import ScenarioError
from sim.inputs.reading import read_bounded
from sim.results.identity import KINDS, Identity, IdentityError
from sim.results.output import package_versions, write_json

MANIFEST_NAME = "manifest.json"
COMPARISON_NAME = "comparison.json"

#: ``running`` while work is under way (and after a kill, which leaves no chance to say more),
#: ``interrupted`` after a Ctrl-C (finished replications are kept; ``--resume`` continues),
#: ``complete`` once every table is written
Status = Literal["running", "interrupted", "complete"]


class ManifestError(IdentityError):
    """A folder's record is missing, damaged or of no kind divertsim knows (one line, exit 2)."""


class Record(BaseModel):
    """A JSON record as divertsim writes it: every key known and of its type, read strictly."""

    model_config = ConfigDict(extra="forbid", strict=True)
    #: keys written only when they hold a value (a finished run's warnings, a sweep's summary...)
    omitted_when_none: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _without_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if v is not None or k not in self.omitted_when_none}

    def as_json(self) -> dict[str, Any]:
        """The record as the file holds it."""
        return self.model_dump(mode="json")


class Manifest(Record):
    """What every manifest holds first: the notice, the status and the folder's identity."""

    notice: str = NOTICE
    status: Status
    kind: str
    scenario_hash: str
    seed: int
    work: dict[str, Any]

    @staticmethod
    def of(identity: Identity) -> dict[str, Any]:
        """The identity's fields, to build a manifest from."""
        return {"kind": identity.kind, "scenario_hash": identity.digest, "seed": identity.seed, "work": identity.work}


# ------------------------------------------------------------------------------------------ kinds
class _Scenario(Manifest):
    """A scenario's folder: a run, or one scenario of a comparison (kind ``compare``)."""

    omitted_when_none = frozenset({"cpu_seconds_in_replications", "warnings", "warmup", "stopping"})

    scenario_name: str | None
    replications: Annotated[int, Field(ge=0)] | None = None
    runtime_s: float | None = None
    command: list[str] = Field(default_factory=lambda: list(sys.argv))
    versions: dict[str, str] = Field(default_factory=package_versions)
    platform: str = Field(default_factory=platform.platform)
    cpu_seconds_in_replications: float | None = None
    warnings: list[str] | None = None
    warmup: dict[str, Any] | None = None
    #: how ``--reps auto`` chose the number of replications
    stopping: dict[str, Any] | None = None
    scenario: dict[str, Any]


class RunManifest(_Scenario):
    kind: Literal["run"] = "run"


class ComparedManifest(_Scenario):
    """One scenario of a comparison (``OUT/<name>``)."""

    kind: Literal["compare"] = "compare"


class ComparisonManifest(Manifest):
    """A comparison's own folder: the scenarios it compares, each in a folder of its name."""

    kind: Literal["compare"] = "compare"
    scenarios: list[str] = Field(min_length=1)
    replications: Annotated[int, Field(ge=0)] | None = None
    command: list[str] = Field(default_factory=lambda: list(sys.argv))
    versions: dict[str, str] = Field(default_factory=package_versions)


class Failure(Record):
    point: int
    replication: int
    error: str


class SweepSummary(Record):
    """How a sweep's tasks ended (at most the first 100 failures are listed)."""

    tasks: int
    done: int
    failed: int
    failures: list[Failure]
    retried_failures: int


class SweepManifest(Manifest):
    omitted_when_none = frozenset({"summary"})

    kind: Literal["sweep"] = "sweep"
    scenario_name: str | None
    replications: None = None
    runtime_s: float | None = None
    command: list[str] = Field(default_factory=lambda: list(sys.argv))
    versions: dict[str, str] = Field(default_factory=package_versions)
    platform: str = Field(default_factory=platform.platform)
    sweep: dict[str, Any]
    sweep_file: str
    base_file: str
    points: Annotated[int, Field(ge=0)]
    tasks: Annotated[int, Field(ge=0)]
    failed_tasks: Annotated[int, Field(ge=0)]
    summary: SweepSummary | None = None
    #: the base scenario
    scenario: dict[str, Any]
    #: the scenario every point is compared with (``effect.*`` metrics), if any, and its file
    against: dict[str, Any] | None = None
    against_file: str | None = None


class PointHashes(Record):
    label: str
    scenario_hashes: dict[str, str]


class RobustnessManifest(Manifest):
    kind: Literal["robustness"] = "robustness"
    scenarios: list[str] = Field(min_length=2, max_length=2)
    scenario_hashes: dict[str, str]
    points: list[PointHashes]
    replications: Annotated[int, Field(ge=1)]
    runtime_s: float | None = None
    cpu_seconds_in_replications: float | None = None
    command: list[str] = Field(default_factory=lambda: list(sys.argv))
    versions: dict[str, str] = Field(default_factory=package_versions)
    platform: str = Field(default_factory=platform.platform)
    effective_scenarios: dict[str, dict[str, Any]]


class _Calibration(Manifest):
    """A calibration folder: its record (``checks.json`` or ``fit.json``) says what was found."""

    status: Literal["complete"] = "complete"
    scenario_name: str
    targets: str
    targets_name: str
    replications: Annotated[int, Field(ge=1)]
    command: list[str] = Field(default_factory=lambda: list(sys.argv))
    versions: dict[str, str] = Field(default_factory=package_versions)
    platform: str = Field(default_factory=platform.platform)


class CheckManifest(_Calibration):
    """``divertsim calibrate-check``: checks.json and checks.csv."""

    kind: Literal["calibrate-check"] = "calibrate-check"


class FitManifest(_Calibration):
    """``divertsim calibrate``: calibrated.toml and fit.json."""

    kind: Literal["calibrate"] = "calibrate"


def _tag(data: Any) -> str | None:
    """The model of a manifest: its kind, and for ``compare`` whether it lists scenarios (the
    comparison) or holds one (a scenario of it)."""
    get = data.get if isinstance(data, dict) else lambda key: getattr(data, key, None)
    kind = get("kind")
    if kind == "compare":
        return "comparison" if get("scenarios") is not None else "compare"
    return kind if isinstance(kind, str) else None


AnyManifest = Annotated[
    Annotated[RunManifest, Tag("run")]
    | Annotated[ComparedManifest, Tag("compare")]
    | Annotated[ComparisonManifest, Tag("comparison")]
    | Annotated[SweepManifest, Tag("sweep")]
    | Annotated[RobustnessManifest, Tag("robustness")]
    | Annotated[CheckManifest, Tag("calibrate-check")]
    | Annotated[FitManifest, Tag("calibrate")],
    Discriminator(_tag),
]
_MANIFEST: TypeAdapter[AnyManifest] = TypeAdapter(AnyManifest)


# ------------------------------------------------------------------------------------ comparison
class Interval(Record):
    """A summary across replications (:func:`sim.results.stats.summarise`)."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    sd: float | None
    n: int


class Paired(Record):
    """A paired difference from the base and the share of replications below it."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    share_lower: float | None


class Compared(Record):
    """One scenario's value of one metric; the difference from the base for every other scenario."""

    omitted_when_none = frozenset({"diff"})

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    diff: Paired | None = None


class Widening(Record):
    diverted: Interval
    under_base: dict[str, Interval]


class ComparisonRecord(Record):
    """``comparison.json``: every headline metric per scenario and paired against the base."""

    omitted_when_none = frozenset({"stopping", "warnings"})

    notice: str = NOTICE
    base: str
    scenarios: list[str] = Field(min_length=1)
    replications: int
    paired_differences: str
    metrics: dict[str, dict[str, Compared]]
    sitting_days_freed: dict[str, dict[str, Interval]]
    net_widening: dict[str, Widening]
    net_widening_note: str
    #: per reported year (1, 2, ...), each scenario's cost and each other's paired difference from the base
    costs_by_year: list[dict[str, Any]] = Field(default_factory=list)
    #: per other scenario, how fast its effect comes (see sim.experiments.how_fast)
    how_fast: dict[str, dict[str, Any]] = Field(default_factory=dict)
    stopping: dict[str, Any] | None = None
    warnings: dict[str, list[str]] | None = None


# ------------------------------------------------------------------------------------ store meta
class StoreMeta(Record):
    """A store's meta table: its identity, and what a run (its scenario) or a sweep (its sweep file
    and design) needs to be read back. Every value is text in the table; JSON where it is not."""

    kind: str
    hash: str
    seed: int
    work: dict[str, Any]
    scenario: dict[str, Any] | None = None
    spec: dict[str, Any] | None = None
    design: dict[str, Any] | None = None

    #: the entries the store writes itself, checked before anything else is read
    OWN: ClassVar[tuple[str, ...]] = ("schema_version", "monthly_columns")

    @classmethod
    def of(cls, identity: Identity, **more: dict[str, Any]) -> StoreMeta:
        return cls(kind=identity.kind, hash=identity.digest, seed=identity.seed, work=identity.work, **more)

    def rows(self) -> dict[str, str]:
        """The meta table's entries (``work`` with sorted keys, as the identity compares it)."""
        out = {
            "kind": self.kind,
            "hash": self.hash,
            "seed": str(self.seed),
            "work": json.dumps(self.work, sort_keys=True),
        }
        for key in ("scenario", "spec", "design"):
            value = getattr(self, key)
            if value is not None:
                out[key] = json.dumps(value)
        return out

    @classmethod
    def from_rows(cls, rows: dict[str, str], where: Path) -> StoreMeta:
        """The meta table read back; an entry that does not parse is damage, named in one line
        (the design before the sweep file: an analysis needs the design first)."""
        data: dict[str, Any] = {k: v for k, v in rows.items() if k not in cls.OWN}
        key = "seed"
        try:
            if "seed" in data:
                data["seed"] = int(data["seed"])
            for key in ("work", "scenario", "design", "spec"):
                if key in data:
                    data[key] = _OBJECT.validate_json(data[key])
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = str(err["loc"][0]) if err["loc"] else key
            shown = f"({key}: {err['msg'][0].lower()}{err['msg'][1:]})"
        except ValueError as exc:
            shown = f"({key}: {type(exc).__name__})"
        what = _DAMAGED.get(key, "the store's record of its run is damaged")
        raise ManifestError(f"{where}: {what} {shown}") from None


_OBJECT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])
_DAMAGED = {
    "spec": "the sweep's record of its sweep file is damaged",
    "design": "the sweep's design is damaged",
}


# ------------------------------------------------------------------------------------ reading
def problem(exc: ValidationError, tagged: bool = False) -> str:
    """The first problem of a failed validation, as ``(key value): what is wrong`` or ``(no key)``
    (``tagged``: the first step of its location names the model of a union, not a key)."""
    err = exc.errors()[0]
    loc = err["loc"][1:] if tagged else err["loc"]
    where = ".".join(str(p) for p in loc) or "the record"
    if err["type"] == "missing":
        return f"(no {where})"
    return f"({where} {shorten(err.get('input'))}): {err['msg'][0].lower()}{err['msg'][1:]}"


def shorten(value: Any) -> str:
    """A value as an error line shows it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _object(path: Path, what: str) -> Any:
    """A record's JSON, parsed: missing, unreadable or not an object is one line."""
    if not path.is_file():
        raise ManifestError(f"{path}: missing")
    try:
        data = json.loads(read_bounded(path, what))
    except ScenarioError as exc:
        raise ManifestError(f"{path}: {exc.problem}") from None
    except ValueError as exc:
        raise ManifestError(f"{path}: damaged ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: damaged (not a JSON object)")
    return data


def held_kind(folder: Path) -> str | None:
    """The kind a folder's manifest records (None: no manifest, or no kind divertsim knows), read
    before the rest of it, so that a folder of another kind is named as such."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None
    kind = _object(path, "a manifest").get("kind")
    return kind if isinstance(kind, str) and kind in KINDS else None


def read(folder: Path) -> AnyManifest:
    """The folder's manifest as the model of its kind; anything else is one line of ManifestError."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise ManifestError(f"{folder}: not a run, comparison or sweep folder (no {MANIFEST_NAME})")
    data = _object(path, "a manifest")
    if data.get("kind") not in KINDS:
        raise ManifestError(f"{path}: records no kind of folder divertsim knows (kind {shorten(data.get('kind'))})")
    try:
        return _MANIFEST.validate_python(data)
    except ValidationError as exc:
        raise ManifestError(f"{path}: damaged {problem(exc, tagged=True)}") from None


def write(folder: Path, manifest: Manifest) -> None:
    """Write the manifest whole or not at all."""
    write_json(folder / MANIFEST_NAME, manifest.as_json())


def mark_interrupted(folder: Path) -> None:
    """After a Ctrl-C: the folder's manifest, and those of a comparison's scenario folders inside
    it, say ``interrupted`` where they said ``running``. Best effort: a folder that cannot be read
    or written keeps what it says, and ``--resume`` treats both states alike."""
    for where in (folder, *(sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else ())):
        try:
            held = read(where)
            if held.status == "running":
                write(where, held.model_copy(update={"status": "interrupted"}))
        except (ManifestError, OSError):
            continue


def read_comparison(folder: Path) -> ComparisonRecord:
    path = folder / COMPARISON_NAME
    data = _object(path, "a comparison")
    try:
        return ComparisonRecord.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(f"{path}: damaged {problem(exc)}") from None


def write_comparison(folder: Path, record: ComparisonRecord) -> None:
    write_json(folder / COMPARISON_NAME, record.as_json())
