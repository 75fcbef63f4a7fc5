"""Funnel-plot statistics: control limits around a national value, adjusted for overdispersion.

Pure Python (``math`` only, no Django), so it can be tested and reused anywhere.  The method
follows Spiegelhalter (2005) "Funnel plots for comparing institutional performance" as
implemented by NHS-R's FunnelPlotR 0.6.0 with its defaults; the deliberate differences are listed
in ``docs/variation.md``.

Three data types:

* ``"proportion"``: numerator events out of a denominator of cases.  Arcsine square-root
  transform; target is the pooled proportion sum(O) / sum(N); 10 % winsorisation.
* ``"standardised-ratio"``: observed / expected, the denominator being the expected count.  The
  SHMI method (log transform, target 1, 10 % truncation), or ``sr_method="cqc"`` (square-root
  transform, winsorisation).
* ``"rate"``: events per ``multiplier`` of a population denominator.  Treated as an indirectly
  standardised ratio whose expected count is national rate x denominator (a deliberate
  difference: FunnelPlotR's "ratio of counts" is for two Poisson counts, not a rate).

Overdispersion: z-scores on the transformed scale are winsorised (or truncated), the dispersion
ratio phi is their mean square, and when phi > 1 the limits are widened, either additively with a
between-organisation variance tau² (DerSimonian-Laird style, the default, as FunnelPlotR) or
multiplicatively by sqrt(phi) (``adjustment="multiplicative"``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

__all__ = [
    "BANDS",
    "DATA_TYPES",
    "Z95",
    "Z998",
    "FunnelPoint",
    "FunnelResult",
    "Limits",
    "funnel",
    "gamma_quantile",
]

DATA_TYPES = ("proportion", "rate", "standardised-ratio")
SR_METHODS = ("shmi", "cqc")
ADJUSTMENTS = ("additive", "multiplicative")
BANDS = ("above_998", "above_95", "within", "below_95", "below_998")

# FunnelPlotR's fixed two-sided normal quantiles for 95 % and 99.8 % limits.
Z95 = 1.959964
Z998 = 3.090232
# Tail probabilities used for the exact Poisson (unadjusted standardised-ratio) limits.
_P95 = 0.025
_P998 = 0.001

# Above this gamma shape (expected count) the Wilson-Hilferty quantile is used as it stands.
_WH_SHAPE = 1e5

# Guard against inputs whose squares or sums would overflow a float.
MAX_VALUE = 1e12


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Limits:
    """95 % and 99.8 % control limits at one denominator, on the reported (multiplied) scale."""

    denominator: float
    lower_95: float
    upper_95: float
    lower_998: float
    upper_998: float
    adjusted: bool

    def band(self, value: float) -> str:
        """Where ``value`` falls; a value exactly on a limit counts as inside it."""
        if value > self.upper_998:
            return "above_998"
        if value > self.upper_95:
            return "above_95"
        if value < self.lower_998:
            return "below_998"
        if value < self.lower_95:
            return "below_95"
        return "within"


@dataclass(frozen=True)
class FunnelPoint:
    name: str
    numerator: float
    denominator: float
    value: float  # numerator / denominator x multiplier (a rate or ratio, on the plotted scale)
    z_score: float | None  # unadjusted, on the transformed scale; None where undefined
    adjusted_z_score: float | None  # allowing for overdispersion (equals z_score when none)
    band: str  # one of BANDS, judged against the limits in `limits`
    in_dispersion_estimate: bool  # False if winsorised away (truncated) or z undefined
    limits: Limits


@dataclass(frozen=True)
class FunnelResult:
    data_type: str
    target: float  # national value, on the plotted scale (multiplied)
    phi: float  # dispersion ratio: mean squared winsorised/truncated z-score
    tau2: float  # between-organisation variance on the transformed scale (additive model)
    overdispersed: bool  # phi > 1 (with at least two organisations)
    adjusted: bool  # limits in `points` and by default are overdispersion-adjusted
    method: str
    points: tuple[FunnelPoint, ...]
    multiplier: float = 1.0
    sr_method: str = "shmi"
    adjustment: str = "additive"
    trim_by: float = 0.1
    n_dispersion: int = 0  # organisations whose z-scores entered phi
    excluded: tuple[str, ...] = ()  # names left out (zero denominator and zero numerator)
    notes: tuple[str, ...] = ()
    _model: _Model | None = field(default=None, repr=False, compare=False)

    def limits_at(self, denominator: float, adjusted: bool | None = None) -> Limits:
        """Limits at ``denominator``; ``adjusted=None`` uses the result's own choice."""
        d = _number(denominator, "denominator")
        if d <= 0:
            raise ValueError("denominator must be greater than zero to place limits")
        use = self.adjusted if adjusted is None else bool(adjusted)
        return self._model.limits(d, use)

    def limit_curve(
        self, denominators: Iterable[float] | None = None, adjusted: bool | None = None, count=200
    ) -> list[Limits]:
        """Limits along a range of denominators, for drawing.

        Without ``denominators``: ``count`` evenly spaced points from FunnelPlotR's start (1.1
        for standardised ratios, 3 otherwise, but never above the smallest organisation) to the
        largest denominator, plus every organisation's own denominator.
        """
        if denominators is None:
            if not isinstance(count, int) or isinstance(count, bool) or not 2 <= count <= 10_000:
                raise ValueError("count must be a whole number from 2 to 10000")
            own = [p.denominator for p in self.points]
            start = 1.1 if self.data_type == "standardised-ratio" else 3.0
            start = min(start, min(own))
            stop = max(own)
            step = (stop - start) / (count - 1)
            values = {start + i * step for i in range(count)} | set(own)
        else:
            values = {_number(d, "denominator") for d in denominators}
        return [self.limits_at(d, adjusted) for d in sorted(values) if d > 0]

    def point(self, name: str) -> FunnelPoint:
        for p in self.points:
            if p.name == name:
                return p
        raise KeyError(name)

    def counts(self) -> dict[str, int]:
        """How many organisations fall in each band."""
        out = dict.fromkeys(BANDS, 0)
        for p in self.points:
            out[p.band] += 1
        return out


# --------------------------------------------------------------------------------------------
# Validation


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        raise ValueError(f"{what} must be a number, not {type(value).__name__}")
    try:
        f = float(value)
    except (OverflowError, ValueError) as exc:
        raise ValueError(f"{what} must be a finite number") from exc
    if not math.isfinite(f):
        raise ValueError(f"{what} must be a finite number, not {f!r}")
    return f


def _validate_rows(rows, data_type):
    if isinstance(rows, str | bytes) or not isinstance(rows, Iterable):
        raise ValueError("rows must be a list of (name, numerator, denominator)")
    totals: dict[str, list[float]] = {}
    for i, row in enumerate(rows):
        if isinstance(row, str | bytes) or not isinstance(row, Sequence) or len(row) != 3:
            raise ValueError(f"row {i + 1} must be (name, numerator, denominator)")
        name, num, den = row
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"row {i + 1}: name must be a non-empty string")
        o = _number(num, f"{name}: numerator")
        d = _number(den, f"{name}: denominator")
        if o < 0:
            raise ValueError(f"{name}: numerator must not be negative ({o:g})")
        if d < 0:
            raise ValueError(f"{name}: denominator must not be negative ({d:g})")
        if o > MAX_VALUE or d > MAX_VALUE:
            raise ValueError(f"{name}: values above {MAX_VALUE:g} are not supported")
        # Repeated names are summed, as FunnelPlotR aggregates by group.
        acc = totals.setdefault(name, [0.0, 0.0])
        acc[0] += o
        acc[1] += d
    if not totals:
        raise ValueError("no rows: a funnel plot needs at least one organisation")
    kept, excluded = [], []
    for name, (o, d) in totals.items():
        if d == 0:
            if o > 0:
                raise ValueError(f"{name}: numerator {o:g} with a zero denominator")
            excluded.append(name)
            continue
        if data_type == "proportion" and o > d:
            raise ValueError(f"{name}: numerator ({o:g}) exceeds denominator ({d:g})")
        kept.append((name, o, d))
    if not kept:
        raise ValueError("every organisation has a zero denominator: nothing to plot")
    return kept, excluded


# --------------------------------------------------------------------------------------------
# Incomplete gamma and its inverse (exact Poisson limits)


def _gamma_p(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x)."""
    if x <= 0:
        return 0.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        # Series: P = x^a e^-x / Gamma(a+1) * sum x^k / ((a+1)...(a+k))
        term = total = 1.0 / a
        ap = a
        for _ in range(100_000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return min(1.0, math.exp(log_front) * total)
    # Continued fraction for Q = 1 - P (modified Lentz).
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16:
            break
    return max(0.0, 1.0 - math.exp(log_front) * h)


def gamma_quantile(p: float, shape: float) -> float:
    """x with P(shape, x) = p: the gamma(shape, 1) quantile (= qchisq(p, 2*shape) / 2)."""
    if not 0 < p < 1:
        raise ValueError("p must lie strictly between 0 and 1")
    if not shape > 0:
        raise ValueError("shape must be positive")
    # Work in u = log x; P is increasing in u.  Start from Wilson-Hilferty, then Newton steps,
    # falling back to bisection inside a bracket.
    zp = _normal_quantile(p)
    wh = shape * (1 - 1 / (9 * shape) + zp / (3 * math.sqrt(shape))) ** 3
    if shape >= _WH_SHAPE:
        # Wilson-Hilferty is within 1e-8 (relative) here, and the series would be slow.
        return wh
    # Small shape: P ~ x^a / Gamma(a+1) near zero.
    small = shape < 1 or wh <= 0
    u = (math.log(p) + math.lgamma(shape + 1)) / shape if small else math.log(wh)
    lo, hi = -750.0, math.log(shape + 50 * math.sqrt(shape) + 50)
    u = min(max(u, lo), hi)
    for _ in range(200):
        x = math.exp(u)
        f = _gamma_p(shape, x) - p
        if f > 0:
            hi = u
        else:
            lo = u
        slope = math.exp(shape * u - x - math.lgamma(shape))
        step = f / slope if slope > 0 else math.inf
        new = u - step
        if not lo < new < hi:
            new = (lo + hi) / 2
        # 1e-10 relative on the log scale: far below anything shown, and reachable in a few
        # steps (a tighter test costs three times the iterations for no visible change).
        if abs(new - u) < 1e-10 * max(1.0, abs(u)):
            u = new
            break
        u = new
    return math.exp(u)


def _normal_quantile(p: float) -> float:
    """Standard normal quantile (Acklam's rational approximation; only a starting guess)."""
    a = (-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690,
         -30.66479806614716, 2.506628277459239)  # fmt: skip
    b = (-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
         -13.28068155288572)  # fmt: skip
    c = (-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
         4.374664141464968, 2.938163982698783)  # fmt: skip
    d = (0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416)
    if p < 0.02425:
        q = math.sqrt(-2 * math.log(p))
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
        )
    if p > 1 - 0.02425:
        return -_normal_quantile(1 - p)
    q = p - 0.5
    r = q * q
    return (
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    )


# --------------------------------------------------------------------------------------------
# Models: transform, z-score and limits per data type


class _Model:
    """Transformed scale y(O, D) ~ Normal(theta, s(D)^2 [+ tau2]) for one data type."""

    # set in subclasses
    kind = ""
    winsorise = True  # False: truncate (SHMI)

    def __init__(self, target, multiplier, tau2=0.0, phi=0.0, adjustment="additive"):
        self.target = target  # natural scale, unmultiplied
        self.multiplier = multiplier
        self.tau2 = tau2
        self.phi = phi
        self.adjustment = adjustment

    def sd(self, d: float, adjusted: bool) -> float:
        s2 = self.s(d) ** 2
        if not adjusted:
            return math.sqrt(s2)
        if self.adjustment == "multiplicative":
            return math.sqrt(s2 * max(self.phi, 1.0))
        return math.sqrt(s2 + self.tau2)

    def z(self, o: float, d: float, adjusted=False) -> float | None:
        y = self.y(o, d)
        if y is None:
            return None
        return (y - self.theta()) / self.sd(d, adjusted)

    def limits(self, d: float, adjusted: bool) -> Limits:
        m = self.multiplier
        if not adjusted and self.exact_unadjusted():
            lo95, hi95, lo998, hi998 = self.exact(d)
        else:
            sd = self.sd(d, adjusted)
            lo95, hi95 = self.back(-Z95 * sd), self.back(Z95 * sd)
            lo998, hi998 = self.back(-Z998 * sd), self.back(Z998 * sd)
        return Limits(d, lo95 * m, hi95 * m, lo998 * m, hi998 * m, adjusted)

    def exact_unadjusted(self) -> bool:
        return False


class _Proportion(_Model):
    kind = "proportion"

    def theta(self):
        return math.asin(math.sqrt(self.target))

    def y(self, o, d):
        return math.asin(math.sqrt(min(1.0, o / d)))

    def s(self, d):
        return 1 / (2 * math.sqrt(d))

    def back(self, offset):
        # Limits truncated to [0, 1]; past the ends of the arcsine scale sin² would turn back
        # (FunnelPlotR zeroes/caps such non-monotonic points), so clamp the angle instead.
        angle = self.theta() + offset
        if angle <= 0:
            return 0.0
        if angle >= math.pi / 2:
            return 1.0
        return math.sin(angle) ** 2


class _Ratio(_Model):
    """Standardised ratio O/E, SHMI method: y = log(O/E), s = 1/sqrt(E), target 1.

    Also serves rates, with E = national rate x denominator and `scale` = national rate.
    """

    kind = "standardised-ratio"
    winsorise = False

    def __init__(self, *args, scale=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = scale  # ratio 1 on this model = `scale` on the natural scale

    def expected(self, d):
        return d * self.scale if self.kind == "rate" else d

    def theta(self):
        return 0.0

    def y(self, o, d):
        e = self.expected(d)
        return math.log(o / e) if o > 0 else None

    def s(self, d):
        return 1 / math.sqrt(self.expected(d))

    def back(self, offset):
        return self.scale * math.exp(offset)

    def exact_unadjusted(self):
        return True

    def exact(self, d):
        # FunnelPlotR's exact Poisson limits: target x qchisq(p, 2E)/2 / E below and
        # target x qchisq(1-p, 2(E+1))/2 / E above.
        e = self.expected(d)
        return (
            self.scale * gamma_quantile(_P95, e) / e,
            self.scale * gamma_quantile(1 - _P95, e + 1) / e,
            self.scale * gamma_quantile(_P998, e) / e,
            self.scale * gamma_quantile(1 - _P998, e + 1) / e,
        )


class _Rate(_Ratio):
    kind = "rate"


class _RatioCQC(_Ratio):
    """Standardised ratio, CQC/Spiegelhalter method: y = sqrt(O/E), s = 1/(2 sqrt(E))."""

    winsorise = True

    def theta(self):
        return 1.0

    def y(self, o, d):
        return math.sqrt(o / self.expected(d))

    def s(self, d):
        return 1 / (2 * math.sqrt(self.expected(d)))

    def back(self, offset):
        # Squared back to the ratio scale (FunnelPlotR leaves these unsquared, issue #33).
        root = 1.0 + offset
        return self.scale * (root * root if root > 0 else 0.0)


# --------------------------------------------------------------------------------------------
# Dispersion


def _quantile7(values: list[float], p: float) -> float:
    """R's default (type 7) sample quantile."""
    xs = sorted(values)
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    if xs[lo] == xs[hi]:
        return xs[lo]
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def _winsorise(zs: list[float], trim_by: float) -> list[float]:
    lz = _quantile7(zs, trim_by)
    uz = _quantile7(zs, 1 - trim_by)
    return [min(max(z, lz), uz) for z in zs]


def _truncate_keep(zs: list[float], trim_by: float) -> list[bool]:
    """SHMI truncation: rank (ties averaged) into 1/trim_by groups; drop the first and last."""
    k = 1 / trim_by
    n = len(zs)
    order = sorted(range(n), key=lambda i: zs[i])
    ranks = [0.0] * n
    i = 0
    while i < n:
        j = i
        while j + 1 < n and zs[order[j + 1]] == zs[order[i]]:
            j += 1
        for t in range(i, j + 1):
            ranks[order[t]] = (i + j) / 2 + 1
        i = j + 1
    groups = [math.floor(r * k / (n + 1) + 1e-12) for r in ranks]
    return [0 < g < k - 1 for g in groups]


def _tau2(n: int, phi: float, s_values: list[float]) -> float:
    """Additive between-organisation variance (DerSimonian-Laird form with weights 1/s²)."""
    if n < 2 or n * phi < n - 1:
        return 0.0
    w = [1 / (s * s) for s in s_values]
    sw = math.fsum(w)
    denominator = sw - math.fsum(x * x for x in w) / sw
    if denominator <= 0:
        return 0.0
    return max(0.0, (n * phi - (n - 1)) / denominator)


# --------------------------------------------------------------------------------------------
# Entry point


def funnel(
    rows,
    data_type: str,
    overdispersion: bool = True,
    multiplier=1,
    *,
    sr_method: str = "shmi",
    adjustment: str = "additive",
    trim_by=0.1,
    shmi_rounding: bool = True,
    only=None,
) -> FunnelResult:
    """Funnel-plot statistics for ``rows`` of ``(name, numerator, denominator)``.

    ``overdispersion``: use overdispersion-adjusted limits when the data are overdispersed
    (phi > 1); when False, or when not overdispersed, the limits are the unadjusted ones.  phi
    and tau² are reported either way.  ``multiplier`` scales values and limits (100 for a
    percentage, 1000 for a rate per 1,000).  ``sr_method`` ("shmi" or "cqc") applies to
    standardised ratios and rates; ``trim_by`` is the winsorisation/truncation fraction at each
    end; ``shmi_rounding`` rounds expected counts to 2 decimals (SHMI, FunnelPlotR default).
    ``only``, a collection of names, keeps just those organisations' points (the target, phi
    and tau² still come from every row): what a page about one organisation needs, without
    working out every other organisation's limits.
    """
    if data_type not in DATA_TYPES:
        raise ValueError(f"data_type must be one of {', '.join(DATA_TYPES)}, not {data_type!r}")
    if sr_method not in SR_METHODS:
        raise ValueError(f"sr_method must be one of {', '.join(SR_METHODS)}")
    if adjustment not in ADJUSTMENTS:
        raise ValueError(f"adjustment must be one of {', '.join(ADJUSTMENTS)}")
    if not isinstance(overdispersion, bool):
        raise ValueError("overdispersion must be True or False")
    multiplier = _number(multiplier, "multiplier")
    if not 0 < multiplier <= 1e9:
        raise ValueError("multiplier must be positive (and at most 1e9)")
    trim_by = _number(trim_by, "trim_by")
    if not 0 < trim_by < 0.5:
        raise ValueError("trim_by must lie strictly between 0 and 0.5")

    kept, excluded = _validate_rows(rows, data_type)
    notes: list[str] = []
    if excluded:
        notes.append(
            f"{len(excluded)} organisation(s) with a zero denominator left out: "
            + ", ".join(excluded)
        )

    if data_type == "standardised-ratio" and shmi_rounding and sr_method == "shmi":
        rounded = []
        for name, o, d in kept:
            r = round(d, 2)
            rounded.append((name, o, r if r > 0 else d))
        kept = rounded

    total_o = math.fsum(o for _, o, _ in kept)
    total_d = math.fsum(d for _, _, d in kept)
    if data_type == "proportion":
        target = total_o / total_d
        model: _Model = _Proportion(target, multiplier, adjustment=adjustment)
        transform = "arcsine square-root transform"
    elif data_type == "standardised-ratio":
        target = 1.0
        cls = _Ratio if sr_method == "shmi" else _RatioCQC
        model = cls(target, multiplier, adjustment=adjustment)
        transform = "log transform (SHMI)" if sr_method == "shmi" else "square-root transform (CQC)"
    else:
        if total_o == 0:
            raise ValueError("no events in any organisation: a rate funnel needs at least one")
        target = total_o / total_d
        cls = _Rate if sr_method == "shmi" else _RatioCQC
        model = cls(target, multiplier, adjustment=adjustment, scale=target)
        if cls is _RatioCQC:
            model.kind = "rate"
        transform = (
            "log transform of observed / (national rate x denominator)"
            if sr_method == "shmi"
            else "square-root transform of observed / (national rate x denominator)"
        )

    # Unadjusted z-scores on the transformed scale; None where undefined (log of zero).
    zs = [model.z(o, d) for _, o, d in kept]
    defined = [i for i, z in enumerate(zs) if z is not None]
    n_all = len(kept)
    if model.winsorise:
        use = defined
        wz = _winsorise([zs[i] for i in use], trim_by) if use else []
        how = f"{trim_by:.0%} winsorisation at each end"
    else:
        # SHMI truncation ranks every z-score; a zero count (z = -inf) ranks lowest.
        ranked = [zs[i] if zs[i] is not None else -math.inf for i in range(n_all)]
        keep = _truncate_keep(ranked, trim_by)
        use = [i for i in range(n_all) if keep[i] and zs[i] is not None]
        wz = [zs[i] for i in use]
        how = f"{trim_by:.0%} truncation at each end"
    if len(defined) < n_all:
        notes.append(
            f"{n_all - len(defined)} organisation(s) with zero observed have no log-scale "
            "z-score and are left out of the overdispersion estimate"
        )
    n = len(use)
    phi = math.fsum(z * z for z in wz) / n if n else 0.0
    tau2 = _tau2(n, phi, [model.s(kept[i][2]) for i in use])
    overdispersed = n >= 2 and phi > 1
    if n < 2:
        notes.append("fewer than two organisations for the overdispersion estimate")
    model.phi, model.tau2 = phi, tau2
    adjusted = overdispersion and overdispersed

    points = []
    use_set = set(use)
    zero_counts = 0
    wanted = None if only is None else set(only)
    for i, (name, o, d) in enumerate(kept):
        if wanted is not None and name not in wanted:
            continue
        lim = model.limits(d, adjusted)
        value = o / d * multiplier
        z = zs[i]
        band = lim.band(value)
        if z is None:
            # A zero count has no place on the log scale and lies below every continuous lower
            # limit; judge it by the Poisson chance of seeing none at the expected count.
            zero_counts += 1
            none_chance = math.exp(-model.expected(d))
            band = (
                "below_998"
                if none_chance < _P998
                else "below_95"
                if none_chance < _P95
                else "within"
            )
        points.append(
            FunnelPoint(
                name=name,
                numerator=o,
                denominator=d,
                value=value,
                z_score=z,
                adjusted_z_score=model.z(o, d, adjusted=overdispersed) if z is not None else None,
                band=band,
                in_dispersion_estimate=i in use_set,
                limits=lim,
            )
        )

    if zero_counts:
        notes.append(
            f"{zero_counts} organisation(s) with zero observed judged by the Poisson chance of "
            "observing none (below 95 % if under 0.025, below 99.8 % if under 0.001)"
        )

    if adjusted:
        if adjustment == "additive":
            adj = f"additive random effects, tau² = {tau2:.6g}"
        else:
            adj = f"multiplicative, limits widened by sqrt(phi) = {math.sqrt(phi):.6g}"
        limits_text = f"overdispersion-adjusted limits ({adj})"
    else:
        why = "not requested" if not overdispersion else "phi <= 1, no overdispersion"
        exact = data_type != "proportion"
        limits_text = ("exact Poisson limits" if exact else "unadjusted limits") + f" ({why})"
    method = (
        f"{data_type}: {transform}; phi = {phi:.6g} from {n} organisation(s) after {how}; "
        f"{limits_text}; 95 % (z = {Z95}) and 99.8 % (z = {Z998}) limits"
    )

    return FunnelResult(
        data_type=data_type,
        target=target * multiplier,
        phi=phi,
        tau2=tau2,
        overdispersed=overdispersed,
        adjusted=adjusted,
        method=method,
        points=tuple(points),
        multiplier=multiplier,
        sr_method=sr_method,
        adjustment=adjustment,
        trim_by=trim_by,
        n_dispersion=n,
        excluded=tuple(excluded),
        notes=tuple(notes),
        _model=model,
    )
