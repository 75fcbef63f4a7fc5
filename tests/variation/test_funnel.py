"""Funnel-plot statistics, checked against examples worked by hand and published table values.

The worked figures in the comments were computed step by step with a calculator (plain
arithmetic on the formulas in docs/variation.md), independently of kb.variation.funnel.
"""

import math
from decimal import Decimal

import pytest

from kb.variation.funnel import BANDS, Z95, Z998, funnel, gamma_quantile

approx = pytest.approx


# --------------------------------------------------------------------------------------------
# Proportions, worked by hand
#
# Rows (O/N): A 10/100, B 30/120, C 5/80, D 50/300, E 2/10.
# target p = 97/610 = 0.159016;  theta = asin(sqrt(p)) = 0.410174
# y = asin(sqrt(O/N)), s = 1/(2 sqrt N), z = (y - theta)/s:
#   A y 0.321751 s 0.050000 z -1.768462
#   B y 0.523599 s 0.045644 z  2.485020
#   C y 0.252680 s 0.055902 z -2.817328
#   D y 0.420534 s 0.028868 z  0.358904
#   E y 0.463648 s 0.158114 z  0.338199
# sorted z: -2.817328 -1.768462 0.338199 0.358904 2.485020
# R type-7 quantiles: 10 % at h = 0.4 -> -2.817328 + 0.4 x 1.048866 = -2.397782
#                     90 % at h = 3.6 ->  0.358904 + 0.6 x 2.126116 =  1.634573
# winsorised: A -1.768462, B 1.634573, C -2.397782, D 0.358904, E 0.338199
# phi = mean of squares = 11.791836 / 5 = 2.358367
# weights w = 1/s² = 4N: 400 480 320 1200 40; sum 2440; sum of squares 1934400
# tau² = (5 x 2.358367 - 4) / (2440 - 1934400/2440) = 7.791836 / 1647.213115 = 0.004730
# at N = 100: sd = sqrt(1/400 + 0.004730) = 0.085031
#   95 %:   sin²(theta -/+ 1.959964 sd) = 0.058137 / 0.297430
#   99.8 %: sin²(theta -/+ 3.090232 sd) = 0.021572 / 0.388488
#   unadjusted (sd = 0.05): 0.094329 / 0.236761 and 0.063951 / 0.286385
# at N = 50 (adjusted): 0.046286 / 0.322096 and 0.011057 / 0.429836

PROPORTIONS = [("A", 10, 100), ("B", 30, 120), ("C", 5, 80), ("D", 50, 300), ("E", 2, 10)]


def test_proportion_target_z_scores_phi_and_tau2():
    r = funnel(PROPORTIONS, "proportion")
    assert r.target == approx(97 / 610)
    z = {p.name: p.z_score for p in r.points}
    assert z == approx(
        {"A": -1.768462, "B": 2.485020, "C": -2.817328, "D": 0.358904, "E": 0.338199}, abs=1e-6
    )
    assert r.phi == approx(2.358367, abs=1e-6)
    assert r.tau2 == approx(0.004730, abs=1e-6)
    assert r.overdispersed and r.adjusted
    assert r.n_dispersion == 5  # winsorisation keeps everyone, only clipped
    assert "winsorisation" in r.method and "arcsine" in r.method


def test_proportion_limits_adjusted_and_unadjusted():
    r = funnel(PROPORTIONS, "proportion")
    a = r.limits_at(100)
    assert (a.lower_95, a.upper_95) == approx((0.058137, 0.297430), abs=1e-6)
    assert (a.lower_998, a.upper_998) == approx((0.021572, 0.388488), abs=1e-6)
    assert a.adjusted
    u = r.limits_at(100, adjusted=False)
    assert (u.lower_95, u.upper_95) == approx((0.094329, 0.236761), abs=1e-6)
    assert (u.lower_998, u.upper_998) == approx((0.063951, 0.286385), abs=1e-6)
    b = r.limits_at(50)
    assert (b.lower_95, b.upper_95, b.lower_998, b.upper_998) == approx(
        (0.046286, 0.322096, 0.011057, 0.429836), abs=1e-6
    )
    # The organisation's own limits are those at its denominator.
    assert r.point("A").limits == r.limits_at(100)


def test_proportion_multiplier_scales_values_and_limits():
    r = funnel(PROPORTIONS, "proportion", multiplier=100)
    assert r.target == approx(9700 / 610)
    assert r.point("A").value == approx(10.0)
    assert r.limits_at(100).upper_95 == approx(29.7430, abs=1e-4)
    assert r.phi == approx(2.358367, abs=1e-6)


def test_overdispersion_off_gives_unadjusted_limits_but_reports_phi():
    r = funnel(PROPORTIONS, "proportion", overdispersion=False)
    assert not r.adjusted and r.overdispersed
    assert r.phi == approx(2.358367, abs=1e-6)
    assert r.limits_at(100).lower_95 == approx(0.094329, abs=1e-6)
    # A (0.10 at N=100) is inside the adjusted 95 % limits but it is inside the unadjusted too;
    # C (0.0625 at N=80) is below the unadjusted 95 % limit only.
    assert r.point("C").band == "below_95"
    assert funnel(PROPORTIONS, "proportion").point("C").band == "within"


# --------------------------------------------------------------------------------------------
# Standardised ratios (SHMI method), worked by hand
#
# FunnelPlotR's own test data: O 100 150 180 80 120 225, E 108 112 165 95 100 220.
# z = sqrt(E) ln(O/E): -0.799803 3.091681 1.117681 -1.674989 1.823216 0.333326
# Truncation with n = 6: groups floor(rank x 10 / 7) = 1 2 4 5 7 8, all strictly inside 0..9,
# so nobody is truncated.  phi = mean z² = 2.948033.
# weights 1/s² = E: sum 800, sum of squares 118858 -> 800 - 118858/800 = 651.4275
# tau² = (6 x 2.948033 - 5) / 651.4275 = 0.019478
# at E = 100: sd = sqrt(0.01 + 0.019478) = 0.171690
#   exp(-/+ 1.959964 sd) = 0.714261 / 1.400048;  exp(-/+ 3.090232 sd) = 0.588274 / 1.699888
# multiplicative: sd = sqrt(phi / 100) -> 0.714250 / 1.400071

SR = [
    ("a", 100, 108),
    ("b", 150, 112),
    ("c", 180, 165),
    ("d", 80, 95),
    ("e", 120, 100),
    ("f", 225, 220),
]


def test_standardised_ratio_shmi_worked_example():
    r = funnel(SR, "standardised-ratio")
    assert r.target == 1.0
    assert [p.z_score for p in r.points] == approx(
        [-0.799803, 3.091681, 1.117681, -1.674989, 1.823216, 0.333326], abs=1e-6
    )
    assert r.phi == approx(2.948033, abs=1e-6)
    assert r.tau2 == approx(0.019478, abs=1e-6)
    assert r.n_dispersion == 6
    lim = r.limits_at(100)
    assert (lim.lower_95, lim.upper_95, lim.lower_998, lim.upper_998) == approx(
        (0.714261, 1.400048, 0.588274, 1.699888), abs=1e-6
    )
    assert "truncation" in r.method and "log" in r.method
    # b's unadjusted z (3.09) would be beyond 99.8 %, but adjusted it is inside:
    # ln(150/112) / sqrt(1/112 + 0.019478) = 0.292136 / 0.168541 = 1.733325
    assert r.point("b").band == "within"
    assert r.point("b").adjusted_z_score == approx(1.733325, abs=1e-5)


def test_standardised_ratio_multiplicative_adjustment():
    r = funnel(SR, "standardised-ratio", adjustment="multiplicative")
    lim = r.limits_at(100)
    assert (lim.lower_95, lim.upper_95) == approx((0.714250, 1.400071), abs=1e-6)
    assert "multiplicative" in r.method


# 12 organisations: z (sqrt(E) ln(O/E)) lowest is g (-2.573107), highest b (3.091681).
# groups floor(rank x 10 / 13): rank 1 -> 0 and rank 12 -> 9 are truncated, the rest kept.
# phi over the 10 kept = 1.918966; weights E of the kept: sum - sum²/sum = 1119.460094
# tau² = (10 x 1.918966 - 9) / 1119.460094 = 0.009102
SR12 = SR + [
    ("g", 60, 80),
    ("h", 300, 250),
    ("i", 45, 50),
    ("j", 90, 90),
    ("k", 130, 140),
    ("l", 70, 60),
]


def test_shmi_truncation_drops_the_extreme_tenths():
    r = funnel(SR12, "standardised-ratio")
    assert r.n_dispersion == 10
    dropped = {p.name for p in r.points if not p.in_dispersion_estimate}
    assert dropped == {"g", "b"}
    assert r.phi == approx(1.918966, abs=1e-6)
    assert r.tau2 == approx(0.009102, abs=1e-6)


def test_cqc_method_squares_limits_back():
    # sqrt transform: y = sqrt(O/E), s = 1/(2 sqrt E), target 1; winsorised, not truncated.
    r = funnel(SR, "standardised-ratio", sr_method="cqc")
    sd = math.sqrt(1 / 400 + r.tau2)
    lim = r.limits_at(100)
    assert lim.lower_95 == approx((1 - Z95 * sd) ** 2)
    assert lim.upper_998 == approx((1 + Z998 * sd) ** 2)
    assert "winsorisation" in r.method and "square-root" in r.method
    # a z-score on the square-root scale: (sqrt(100/108) - 1) x 2 sqrt(108)
    assert r.point("a").z_score == approx((math.sqrt(100 / 108) - 1) * 2 * math.sqrt(108))


# --------------------------------------------------------------------------------------------
# Exact Poisson (unadjusted) limits against published tables


def test_gamma_quantile_closed_forms_and_tables():
    # shape 1: P = 1 - exp(-x)
    assert gamma_quantile(0.025, 1) == approx(-math.log(0.975), rel=1e-12)
    # shape 2: P = 1 - exp(-x)(1 + x); check by substitution
    x = gamma_quantile(0.9, 2)
    assert 1 - math.exp(-x) * (1 + x) == approx(0.9, rel=1e-12)
    # Exact 95 % Poisson interval for a count of 10: 4.7954 to 18.3904 (standard tables)
    assert gamma_quantile(0.025, 10) == approx(4.795389, abs=1e-6)
    assert gamma_quantile(0.975, 11) == approx(18.390356, abs=1e-6)
    # chi-square tables: 20 df lower 0.001 point 5.921; 22 df upper 0.001 point 48.268
    assert 2 * gamma_quantile(0.001, 10) == approx(5.921, abs=5e-4)
    assert 2 * gamma_quantile(0.999, 11) == approx(48.268, abs=5e-4)
    # above 1e5 the Wilson-Hilferty approximation takes over, seamlessly
    below, above = gamma_quantile(0.001, 99_999.999), gamma_quantile(0.001, 100_000)
    assert above - below == approx(0.001, abs=1e-3)  # both within 6e-9 relative
    # huge and tiny shapes stay finite
    assert gamma_quantile(0.999, 1e9) == approx(1e9 + Z998 * math.sqrt(1e9), rel=1e-6)
    assert 0 <= gamma_quantile(0.001, 0.01) < 1e-200


def test_standardised_ratio_unadjusted_limits_are_exact_poisson():
    r = funnel(SR, "standardised-ratio", overdispersion=False)
    lim = r.limits_at(10)
    assert (lim.lower_95, lim.upper_95) == approx((0.4795389, 1.8390356), abs=1e-7)
    assert (lim.lower_998, lim.upper_998) == approx((0.29605, 2.4134), abs=1e-4)
    assert not lim.adjusted
    assert "exact Poisson" in r.method


# --------------------------------------------------------------------------------------------
# Rates per N


def test_rate_is_a_ratio_against_the_national_rate():
    rows = [("x", 5, 1000), ("y", 20, 2000), ("z", 12, 3000), ("w", 3, 1500)]
    r = funnel(rows, "rate", multiplier=1000)
    national = 40 / 7500
    assert r.target == approx(national * 1000)
    assert r.point("x").value == approx(5.0)
    # the same as a standardised ratio with E = national x N, scaled by the national rate
    sr = funnel(
        [(n, o, national * d) for n, o, d in rows], "standardised-ratio", shmi_rounding=False
    )
    assert r.phi == approx(sr.phi)
    assert r.tau2 == approx(sr.tau2)
    for p, q in zip(r.points, sr.points, strict=True):
        assert p.z_score == approx(q.z_score)
        assert p.band == q.band
        assert p.limits.upper_95 == approx(q.limits.upper_95 * national * 1000)


def test_rate_with_no_events_is_refused():
    with pytest.raises(ValueError, match="no events"):
        funnel([("x", 0, 100), ("y", 0, 50)], "rate")


# --------------------------------------------------------------------------------------------
# Overdispersed or not, all equal, too few


def test_not_overdispersed_uses_unadjusted_limits():
    rows = [("a", 20, 100), ("b", 21, 100), ("c", 19, 100), ("d", 40, 200), ("e", 10, 50)]
    r = funnel(rows, "proportion")
    assert r.phi < 1
    assert not r.overdispersed and not r.adjusted
    assert r.limits_at(100) == r.limits_at(100, adjusted=False)
    assert "no overdispersion" in r.method
    assert all(p.band == "within" for p in r.points)


def test_all_values_equal_gives_phi_zero():
    rows = [("a", 10, 100), ("b", 20, 200), ("c", 5, 50)]
    r = funnel(rows, "proportion")
    assert r.phi == approx(0, abs=1e-20) and r.tau2 == 0 and not r.overdispersed
    r = funnel([("a", 10, 10), ("b", 20, 20)], "standardised-ratio")
    assert r.phi == 0 and r.tau2 == 0


def test_single_organisation():
    r = funnel([("only", 30, 100)], "proportion")
    assert not r.overdispersed and r.tau2 == 0
    assert r.point("only").band == "within"
    assert any("fewer than two" in n for n in r.notes)


def test_bands_from_outliers():
    rows = [("low", 1, 200), ("high", 90, 200)] + [(f"o{i}", 40 + i, 200) for i in range(8)]
    r = funnel(rows, "proportion", overdispersion=False)
    assert r.point("high").band == "above_998"
    assert r.point("low").band == "below_998"
    assert sum(r.counts().values()) == 10
    assert set(r.counts()) == set(BANDS)


# --------------------------------------------------------------------------------------------
# Zero numerators and tiny denominators


def test_zero_numerator_proportion():
    rows = [("a", 0, 50), ("b", 10, 100), ("c", 12, 110), ("d", 9, 95)]
    r = funnel(rows, "proportion")
    a = r.point("a")
    assert a.value == 0 and a.z_score is not None and math.isfinite(a.z_score)
    assert a.in_dispersion_estimate
    assert a.band in ("below_95", "below_998")


def test_zero_numerator_standardised_ratio_has_no_log_z():
    rows = SR + [("zero", 0, 40)]
    r = funnel(rows, "standardised-ratio")
    z = r.point("zero")
    assert z.z_score is None and z.adjusted_z_score is None
    assert not z.in_dispersion_estimate
    assert any("zero observed" in n for n in r.notes)
    assert math.isfinite(r.phi)
    # Judged by the Poisson chance of none, exp(-E): E = 40 -> 4e-18 (below 99.8 %);
    # E = 5 -> 0.0067 (below 95 % only); E = 0.5 -> 0.61 (unremarkable).  Continuous limits
    # would put every zero below them.
    assert z.band == "below_998"
    r = funnel(SR + [("five", 0, 5), ("tiny", 0, 0.5)], "standardised-ratio")
    assert r.point("five").band == "below_95"
    assert r.point("tiny").band == "within"
    assert r.point("tiny").limits.lower_95 > 0


def test_tiny_denominators_truncate_proportion_limits():
    r = funnel([("a", 1, 1), ("b", 0, 2), ("c", 30, 100)], "proportion")
    lim = r.limits_at(1)
    assert lim.lower_998 == 0.0 and lim.upper_998 == 1.0
    assert 0 <= lim.lower_95 <= lim.upper_95 <= 1
    for d in (0.01, 0.5, 1, 2, 3):
        lim = r.limits_at(d)
        assert 0 <= lim.lower_998 <= lim.lower_95 <= r.target <= lim.upper_95 <= lim.upper_998 <= 1


def test_limit_curve_is_a_funnel():
    r = funnel(PROPORTIONS + [("tiny", 0, 1)], "proportion")
    curve = r.limit_curve()
    ds = [c.denominator for c in curve]
    assert ds == sorted(ds) and {1.0, 10.0, 300.0} <= set(ds)
    for lo_hi in ("lower_95", "lower_998"):
        values = [getattr(c, lo_hi) for c in curve]
        assert all(b >= a - 1e-12 for a, b in zip(values, values[1:], strict=False))
    for lo_hi in ("upper_95", "upper_998"):
        values = [getattr(c, lo_hi) for c in curve]
        assert all(b <= a + 1e-12 for a, b in zip(values, values[1:], strict=False))
    assert [c.denominator for c in r.limit_curve([50, 10, 0])] == [10, 50]  # zero skipped


def test_tiny_expected_counts():
    rows = SR + [("tiny", 1, 0.004)]
    r = funnel(rows, "standardised-ratio")
    tiny = r.point("tiny")
    assert tiny.denominator == 0.004  # not rounded down to zero
    assert math.isfinite(tiny.limits.upper_998) and tiny.limits.lower_95 >= 0
    lim = r.limits_at(0.05, adjusted=False)
    assert 0 <= lim.lower_998 <= lim.lower_95 < 1 < lim.upper_95 <= lim.upper_998
    assert math.isfinite(lim.upper_998)
    # SHMI rounding of expected counts to two decimals
    assert funnel([("a", 5, 4.566), ("b", 4, 3.2)], "standardised-ratio").point(
        "a"
    ).denominator == approx(4.57)


# --------------------------------------------------------------------------------------------
# Input handling


def test_zero_denominator_excluded_with_a_note():
    r = funnel(PROPORTIONS + [("empty", 0, 0)], "proportion")
    assert r.excluded == ("empty",)
    assert any("empty" in n for n in r.notes)
    assert len(r.points) == 5
    assert r.phi == approx(2.358367, abs=1e-6)


def test_repeated_names_are_summed():
    r = funnel([("A", 4, 40), ("A", 6, 60)] + PROPORTIONS[1:], "proportion")
    assert r.phi == approx(2.358367, abs=1e-6)
    assert r.point("A").denominator == 100


def test_decimal_input_accepted():
    r = funnel([(n, Decimal(o), Decimal(d)) for n, o, d in PROPORTIONS], "proportion")
    assert r.phi == approx(2.358367, abs=1e-6)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([], "no rows"),
        ([("a", float("nan"), 10)], "finite"),
        ([("a", 1, float("inf"))], "finite"),
        ([("a", "3", 10)], "must be a number"),
        ([("a", None, 10)], "must be a number"),
        ([("a", True, 10)], "must be a number"),
        ([("a", -1, 10)], "negative"),
        ([("a", 1, -10)], "negative"),
        ([("a", 11, 10)], "exceeds denominator"),
        ([("a", 1, 0)], "zero denominator"),
        ([("a", 0, 0)], "every organisation"),
        ([("a", 1e300, 1e300)], "not supported"),
        ([("a", 10**400, 1)], "finite"),
        ([("", 1, 10)], "name"),
        ([(3, 1, 10)], "name"),
        ([("a", 1)], "name, numerator, denominator"),
        (["abc"], "name, numerator, denominator"),
        ("abc", "rows must be"),
        (None, "rows must be"),
    ],
)
def test_hostile_rows_refused(rows, message):
    with pytest.raises(ValueError, match=message):
        funnel(rows, "proportion")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"data_type": "percent"}, "data_type"),
        ({"data_type": "proportion", "multiplier": 0}, "multiplier"),
        ({"data_type": "proportion", "multiplier": float("nan")}, "finite"),
        ({"data_type": "proportion", "trim_by": 0}, "trim_by"),
        ({"data_type": "proportion", "trim_by": 0.5}, "trim_by"),
        ({"data_type": "proportion", "sr_method": "nhs"}, "sr_method"),
        ({"data_type": "proportion", "adjustment": "both"}, "adjustment"),
        ({"data_type": "proportion", "overdispersion": "yes"}, "overdispersion"),
    ],
)
def test_bad_options_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        funnel(PROPORTIONS, **kwargs)


def test_limits_at_refuses_bad_denominators():
    r = funnel(PROPORTIONS, "proportion")
    for bad in (0, -1, float("nan"), "10"):
        with pytest.raises(ValueError):
            r.limits_at(bad)


def test_large_but_allowed_values_stay_finite():
    rows = [("a", 4e11, 1e12), ("b", 3e11, 1e12), ("c", 1, 3)]
    r = funnel(rows, "proportion")
    assert math.isfinite(r.phi) and math.isfinite(r.tau2)
    r = funnel([("a", 1e9, 1e9 - 5e5), ("b", 2, 3)], "standardised-ratio", overdispersion=False)
    assert all(math.isfinite(p.limits.upper_998) for p in r.points)


def test_rate_zero_count_and_cqc_method():
    rows = [("x", 0, 100), ("y", 20, 2000), ("z", 12, 3000), ("w", 0, 5000), ("v", 9, 1500)]
    r = funnel(rows, "rate", multiplier=1000)
    # national rate 41 / 11600; expected for w = 5000 x 41/11600 = 17.67 -> exp(-E) ~ 2e-8
    assert r.point("w").band == "below_998"
    # x: expected 0.353, chance of none 0.70 -> within
    assert r.point("x").band == "within"
    c = funnel(rows, "rate", multiplier=1000, sr_method="cqc")
    assert c.point("x").z_score == approx(-2 * math.sqrt(100 * 41 / 11600))
    assert c.target == approx(41 / 11600 * 1000)
    assert c.limits_at(100, adjusted=False).lower_95 == approx(
        r.limits_at(100, adjusted=False).lower_95
    )
