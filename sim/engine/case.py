"""Cases and the random numbers each one carries.

A case is a synthetic record of aggregate flags (drawn from population shares) plus, for every
random process it may meet, its own draw from that process's stream. The k-th case of an origin
(external arrival, self-referral, re-entry, initial stock) always receives the k-th number of each
stream, whether or not it reaches that process. That is the strongest form of common random
numbers: under two policies the same case pleads, is convicted and is sentenced alike, so paired
differences show the policy and not the noise.

The stages say what their cases carry; this module knows none of them. When the model is built,
each stage declares on a :class:`Layout` the yes/no decisions it needs (a stream, the share of yes
among those who admit and those who deny, and the flag it sets), its float draws (a stream and a
distribution: a column of the block, read by the stage as ``case.draw(column)``), and a
vectorised ``decide(block)`` for what takes more than a uniform against a share (the route a
policy rule chooses, the sentence band, the number of relistings). :class:`CaseFactory` draws its
cases' numbers in blocks (one NumPy call per stream per block) from those declarations alone.

Everything that is a yes/no decision or a small code is decided for the whole block in NumPy and
packed into one integer per case, ``Case.bits``: a flag is tested with ``case.bits & GUILTY`` and a
code read with ``field(case.bits, SENTENCE)``. The bits are a layout shared by the stages (below);
each stage sets the ones it decides. Outcomes that depend on the admission (no further action, the
charge, the plea) compare the same uniform with the share for those who admit or for those who
deny. Packing costs one integer per case instead of two dozen objects, and a case's draws are its
place in its block's vector of unboxed doubles (mypyc's typed vectors): compiled, a stage's read of
one is a load, where an ``array('d')`` boxed a float for every read.

A case's own flags, drawn here from the population's shares, are what every stage may read:
whether it admits, its priors, contact with children, making or distributing, the image category,
whether it was arrested, and whether it is a first-time case.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final, Protocol

import numpy as np
from librt.vecs import vec

from sim.engine.record import STATE_BITS
from sim.engine.servers import INF, Job
from sim.engine.streams import Streams
from sim.inputs.scenario import ROUTES, Scenario

#: the most cases of one origin drawn at once; an origin's first block is FIRST_BLOCK cases and each
#: next one twice as many. A stream's numbers do not depend on how they are split into blocks (the
#: k-th case gets the k-th number), so the size only spreads NumPy's cost per call over more cases.
BLOCK: Final = 2048
FIRST_BLOCK: Final = 256

# --- one-bit flags and decisions in Case.bits ----------------------------------------------------
PRIOR: Final = 1 << 0
MAKING: Final = 1 << 1
ADMITS: Final = 1 << 2
CONTACT: Final = 1 << 3
ARRESTED: Final = 1 << 4
FIRST_TIME: Final = 1 << 5
NFA: Final = 1 << 6
CHARGED: Final = 1 << 7
TO_CROWN: Final = 1 << 8
GUILTY: Final = 1 << 9
CONVICTED: Final = 1 << 10
PSR: Final = 1 << 11
LATE_GUILTY: Final = 1 << 12  # a not-guilty plea that changes to guilty at the trial date
LATE_PROCEEDS: Final = 1 << 13
CAUTION_SUITABLE: Final = 1 << 14
CAUTION_BREACH: Final = 1 << 15
SR_SUITABLE: Final = 1 << 16
SR_COMPLETES: Final = 1 << 17
TRIAGE_FAILS: Final = 1 << 41  # the triage examination finds the interview's diversion ineligible
DISPLACES: Final = 1 << 42  # a self-referral that would otherwise have been detected later
PRIORITY: Final = 1 << 43  # examined ahead of the rest (forensics.priority)
SR_EXCLUDED: Final = 1 << 44  # handed-in devices show making or distributing (self_referral.excluded_if_making)
TRIAGE_FAILS_BEFORE: Final = 1 << 51  # TRIAGE_FAILS of the routes before a policy's diversion rules are in force

# --- codes in Case.bits: (shift, mask) -----------------------------------------------------------
CATEGORY: Final = (18, 0x3)  # 0 = A, 1 = B, 2 = C
ROUTE_INTERVIEW: Final = (20, 0x7)  # route code + 1; 0 = no rule took the case
ROUTE_AFTER: Final = (23, 0x7)
RELISTINGS: Final = (26, 0x7F)  # ineffective listings before the trial is heard
SENTENCE: Final = (33, 0x3)  # CUSTODY, SUSPENDED, COMMUNITY, COMMUNITY_PROGRAMME
SCHEME_FAIL_SESSION: Final = (35, 0x3F)  # session at which attendance fails; 0 = attends all
#: the routes, and the triage verdict, before a policy's diversion rules are in force (see PoliceRoute.receive)
ROUTE_INTERVIEW_BEFORE: Final = (45, 0x7)
ROUTE_AFTER_BEFORE: Final = (48, 0x7)


def field(bits: int, code: tuple[int, int]) -> int:
    """Read a code packed in ``bits``."""
    return (bits >> code[0]) & code[1]


#: sentence codes
CUSTODY: Final = 0
SUSPENDED: Final = 1
COMMUNITY: Final = 2
COMMUNITY_PROGRAMME: Final = 3

NO_ROUTE = -1
ROUTE_CODE = {name: i for i, name in enumerate(ROUTES)}
R_DEFERRED, R_CONDITIONAL, R_SIMPLE, R_CHARGE, R_NFA = (ROUTE_CODE[r] for r in ROUTES)

ORIGINS = ("external", "self_referral", "reentry", "initial", "prior_reentry")
SELF_REFERRAL: Final = 1  # ORIGINS.index("self_referral")
INITIAL: Final = 3  # ORIGINS.index("initial"): the stock present at the start, not an arrival
#: origins whose cases are detected by the police (and arrested in a share)
DETECTED = ("external", "reentry", "prior_reentry")
#: origins of reoffenders' cases (never first-time)
REENTRIES = ("reentry", "prior_reentry")


_NO_DRAWS: Final = vec[float]()


class Case(Job):
    """One case moving through the pipeline: packed decisions ``bits`` and its float draws.

    The draws are the case's place ``at`` in its block's vector of unboxed doubles, which holds
    the block's draws column by column, ``stride`` (the block's size) numbers a column, one column
    per draw the stages declared (see :class:`Layout`): no copy per case, no boxed number per draw
    nor for a stage's read. Column by column because a stage reads one column for the cases it
    serves, which reach it roughly in the order they arrived, so neighbours' draws often share a
    cache line: at 8 times the national volume the first-level data cache misses a quarter less
    often (callgrind's cache simulation), and no block is transposed.
    """

    __slots__ = (
        "id",
        "key",
        "row",
        "origin",
        "bits",
        "draws",
        "at",
        "stride",
        "t_detected",
        "t_closed",
        "t_charged",
        "t_sent",
        "examined",
        "diverted",
        "relists_left",
        "hearing",
        "tried",
        "registered",
    )

    def __init__(self, cid: int, origin: int, bits: int, draws: vec[float], at: int, stride: int) -> None:
        self.ready = 0.0  # the Job's fields, set by the pool the case is offered to
        self.cls = 0
        self.work = 0.0
        self.deadline = INF
        self.id = cid
        self.key = cid << STATE_BITS  # the log entry of a move is key | state
        self.row = -1  # the case's latest entry in the log (each entry links to the one before)
        self.origin = origin
        self.bits = bits
        self.draws = draws
        self.at = at
        self.stride = stride
        self.t_detected = math.nan  # start of the time at risk of reoffending
        self.t_closed = INF  # when the case ends (known once decided)
        self.t_charged = math.nan
        self.t_sent = math.nan
        self.examined = False  # full forensic examination done
        self.diverted = False  # has left a diversion route unsuccessfully: no second diversion
        self.relists_left = 0  # ineffective listings still to come, set by the court on receipt
        self.hearing = 0
        self.tried = False  # an effective trial was held (the main hearing, if in the Crown Court)
        self.registered = False  # already on the register (a breached caution, then a conviction)

    def draw(self, column: int) -> float:
        """The case's draw in ``column`` (a column the stages declared on the :class:`Layout`)."""
        return self.draws[self.at + column * self.stride]

    def release(self) -> None:
        """Let go of the block's draws once the case has ended (a block is freed when all its cases
        have): a case that ended may still be held, by a reoffence to come, for years."""
        self.draws = _NO_DRAWS


class Sampler(Protocol):
    """A distribution of the scenario (:mod:`sim.inputs.distributions`): ``n`` draws from a generator."""

    def sample(self, gen: np.random.Generator, n: int) -> np.ndarray: ...


#: how a column of the block is drawn
UNIFORM: Final = 0
EXPONENTIAL: Final = 1  # a unit exponential, by inversion of a uniform
SAMPLE: Final = 2  # the scenario's distribution, times a scale

#: the streams of a case's own flags, drawn by the factory for every origin
POPULATION_STREAMS = (
    "case.prior_sexual_violent",
    "case.making_distributing",
    "case.admits",
    "case.contact_with_children",
    "case.arrested",
    "case.category",
)


class Layout:
    """What every case carries beyond its own flags, as the stages declare it when they are built.

    Each declaration names its stream, which is what common random numbers rest on: a stream is
    drawn once per block, ``n`` numbers (or its distribution's ``sample(gen, n)``), whatever else is
    declared, so the order of declarations changes no number. ``origins`` lists the origins whose
    cases can use a stream; the others' cases are given zeros and the stream is never drawn for them
    (streams are independent, so this changes no other draw).
    """

    def __init__(self) -> None:
        #: (flag, stream, share if the case admits, share if it denies, origins)
        self.decisions: list[tuple[int, str, float, float, tuple[str, ...] | None]] = []
        #: (stream, how it is drawn, distribution, scale, origins)
        self.columns: list[tuple[str, int, Sampler | None, float, tuple[str, ...] | None]] = []
        self.deciders: list[Callable[[Block], None]] = []
        self._streams: set[str] = set(POPULATION_STREAMS)

    def _claim(self, stream: str) -> None:
        if stream in self._streams:
            raise ValueError(f"stream {stream} is declared twice: a second use would change its numbers")
        self._streams.add(stream)

    def yes_no(
        self, stream: str, flag: int, share: float, denies: float = -1.0, origins: tuple[str, ...] | None = None
    ) -> None:
        """A yes/no decision: yes when the case's uniform from ``stream`` is below ``share`` (below
        ``denies`` instead for a case that denies, when given), setting ``flag`` in its bits. A flag
        of 0 is a decision only a ``decide`` reads (``Block.yes``)."""
        self._claim(stream)
        self.decisions.append((flag, stream, share, share if denies < 0.0 else denies, origins))

    def _column(
        self, stream: str, kind: int, dist: Sampler | None, scale: float, origins: tuple[str, ...] | None
    ) -> int:
        self._claim(stream)
        self.columns.append((stream, kind, dist, scale, origins))
        return len(self.columns) - 1

    def uniform(self, stream: str, origins: tuple[str, ...] | None = None) -> int:
        """A uniform draw in [0, 1); returns its column in ``case.draws``."""
        return self._column(stream, UNIFORM, None, 1.0, origins)

    def exponential(self, stream: str, origins: tuple[str, ...] | None = None) -> int:
        """A unit exponential draw; returns its column in ``case.draws``."""
        return self._column(stream, EXPONENTIAL, None, 1.0, origins)

    def sample(self, stream: str, dist: Sampler, scale: float = 1.0, origins: tuple[str, ...] | None = None) -> int:
        """A draw from the scenario's distribution ``dist`` times ``scale``; returns its column in ``case.draws``."""
        return self._column(stream, SAMPLE, dist, scale, origins)

    def decide(self, decider: Callable[[Block], None], *streams: str) -> None:
        """Run ``decider`` on every block, after the yes/no decisions are drawn; ``streams`` are the
        streams it draws itself (``Block.uniform``)."""
        for stream in streams:
            self._claim(stream)
        self.deciders.append(decider)

    @property
    def width(self) -> int:
        return len(self.columns)


class Block:
    """The next ``n`` cases of one origin, as a stage's ``decide`` sees them.

    ``flags`` holds the cases' own flags as boolean columns (``category`` as its code column), the
    conditions a policy rule can name; ``bits`` the packed decisions so far, to which a stage adds
    its flags (:meth:`flag`) and codes (:meth:`code`).
    """

    def __init__(
        self, factory: CaseFactory, n: int, flags: dict[str, np.ndarray | None], yes: np.ndarray, bits: np.ndarray
    ) -> None:
        self.factory = factory
        self.origin = factory.origin
        self.n = n
        self.flags = flags
        self._yes = yes
        self.bits = bits

    def yes(self, stream: str) -> np.ndarray:
        """The answers of the yes/no decision declared on ``stream``."""
        return self._yes[self.factory.row[stream]]

    def uniform(self, stream: str, origins: tuple[str, ...] | None = None) -> np.ndarray:
        """The cases' next uniforms from ``stream`` (zeros for an origin not in ``origins``); call it
        once per stream and block, as each call draws."""
        out = np.empty(self.n)
        self.factory.fill(stream, origins, out)
        return out

    def flag(self, flag: int, where: np.ndarray) -> None:
        """Set ``flag`` in the bits of the cases ``where`` is true."""
        self.bits |= np.where(where, flag, 0)

    def code(self, code: tuple[int, int], values: np.ndarray) -> None:
        """Pack ``values`` as the code ``code`` (shift, mask)."""
        self.bits |= (values.astype(np.int64) & code[1]) << code[0]


class CaseFactory:
    """Hands out cases of one origin, drawing their numbers block by block from named streams.

    ``layout`` is what the stages declared (see :class:`Layout`); without one, cases carry their
    own flags only.
    """

    def __init__(
        self,
        scenario: Scenario,
        streams: Streams,
        origin: str,
        layout: Layout | None = None,
        max_block: int = BLOCK,
    ) -> None:
        if origin not in ORIGINS:
            raise ValueError(f"unknown origin {origin}")
        self.sc = scenario
        self.streams = streams
        self.origin = origin
        self.origin_code = ORIGINS.index(origin)
        self.prefix = "" if origin == "external" else origin + "."
        self.layout = layout if layout is not None else Layout()
        self._bits: list[int] = []
        self._draws = vec[float]()  # the block's draws, a row of ``width`` numbers per case
        self._width = self.layout.width
        self._next = 0
        self._size = min(FIRST_BLOCK, max_block)  # cases in the next block
        self._max_block = max_block
        self.made = 0
        self._gens: dict[str, np.random.Generator | None] = {}  # see _stream
        pop = scenario.arrivals.population
        arrested = scenario.arrivals.arrested_share if origin in DETECTED else 0.0
        own: list[tuple[int, str, float, float, tuple[str, ...] | None]] = [
            (PRIOR, "case.prior_sexual_violent", pop.prior_sexual_violent, pop.prior_sexual_violent, None),
            (MAKING, "case.making_distributing", pop.making_distributing, pop.making_distributing, None),
            (ADMITS, "case.admits", pop.admits, pop.admits, None),
            (CONTACT, "case.contact_with_children", pop.contact_with_children, pop.contact_with_children, None),
            (ARRESTED, "case.arrested", arrested, arrested, None),
        ]
        # the yes/no decisions, fixed for the run: a block compares a row of uniforms per stream
        # with the column of shares (for those who admit and those who deny) and packs the answers
        decisions = own + self.layout.decisions
        self._share_admits = np.array([d[2] for d in decisions])[:, None]
        self._share_denies = np.array([d[3] for d in decisions])[:, None]
        self._weight = np.array([d[0] for d in decisions], dtype=np.int64)
        self._decisions = [(d[1], d[4]) for d in decisions]
        self.row = {d[1]: i for i, d in enumerate(decisions)}

    def _stream(self, name: str, origins: tuple[str, ...] | None) -> np.random.Generator | None:
        """The generator of stream ``name`` for this origin, or None if its cases never use it."""
        if name in self._gens:
            return self._gens[name]
        gen = self.streams[self.prefix + name] if origins is None or self.origin in origins else None
        self._gens[name] = gen
        return gen

    def fill(self, name: str, origins: tuple[str, ...] | None, out: np.ndarray) -> None:
        """Fill ``out`` with the next uniforms of stream ``name`` (zeros if it is never read)."""
        gen = self._stream(name, origins)
        if gen is None:
            out.fill(0.0)  # never read by a case of this origin under this scenario
        else:
            gen.random(out=out)

    def _block(self, n: int) -> tuple[list[int], vec[float]]:
        """Packed decisions and float draws for the next ``n`` cases of this origin.

        The yes/no decisions are one matrix of uniforms, a row per stream, compared with a column
        of shares and packed in a few NumPy calls, rather than a dozen calls per flag.
        """
        pop = self.sc.arrivals.population
        row = self.row
        u = np.empty((len(self._decisions), n))
        for i, (name, origins) in enumerate(self._decisions):
            self.fill(name, origins, u[i])
        admits = u[row["case.admits"]] < pop.admits
        if self.origin == "self_referral":
            admits[:] = True  # coming forward is an admission
        yes = u < np.where(admits, self._share_admits, self._share_denies)
        yes[row["case.admits"]] = admits
        # each row's flag where it says yes (the flags are distinct bits); not np.dot, which wakes a
        # BLAS thread pool that then spins on the other cores
        bits = (yes * self._weight[:, None]).sum(axis=0)
        prior = yes[row["case.prior_sexual_violent"]]
        first_time = ~prior if self.origin not in REENTRIES else np.zeros(n, dtype=bool)
        flags: dict[str, np.ndarray | None] = {
            "prior_sexual_violent": prior,
            "making_distributing": yes[row["case.making_distributing"]],
            "admits": admits,
            "contact_with_children": yes[row["case.contact_with_children"]],
            "first_time": first_time,
        }
        block = Block(self, n, flags, yes, bits)
        block.flag(FIRST_TIME, first_time)
        uc = block.uniform("case.category")
        category = (uc >= pop.category_a).astype(np.int64) + (uc >= pop.category_a + pop.category_b)
        flags["category"] = category
        block.code(CATEGORY, category)
        for decide in self.layout.deciders:
            decide(block)

        col = np.empty((self._width, n))  # a column per draw, kept so (see Case)
        for c, (name, kind, dist, scale, origins) in enumerate(self.layout.columns):
            if kind == SAMPLE and dist is not None:
                gen = self._stream(name, origins)
                if gen is None:
                    col[c] = 0.0  # never read
                    continue
                x = dist.sample(gen, n)
                col[c] = x * scale if scale != 1.0 else x
            else:
                self.fill(name, origins, col[c])
                if kind == EXPONENTIAL:
                    np.negative(np.log1p(-col[c]), out=col[c])  # unit exponential by inversion
        return block.bits.tolist(), vec[float](col.ravel().data)

    def clear(self) -> None:
        """Drop the rest of the current block."""
        self._bits, self._draws = [], vec[float]()
        self._next = 0

    def _refill(self) -> None:
        n = self._size
        self._bits, self._draws = self._block(n)
        self._next = 0
        self._size = min(2 * n, self._max_block)

    def skip(self) -> None:
        """Pass over the next case of this origin without making it (its draws stay its own)."""
        if self._next >= len(self._bits):
            self._refill()
        self._next += 1
        self.made += 1

    def new(self, cid: int) -> Case:
        """The next case of this origin, with id ``cid``."""
        i = self._next
        if i >= len(self._bits):
            self._refill()
            i = 0
        self._next = i + 1
        self.made += 1
        return Case(cid, self.origin_code, self._bits[i], self._draws, i, len(self._bits))
