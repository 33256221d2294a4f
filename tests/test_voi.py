"""Value of information (analyze/voi.py): closed forms of a Gaussian case, the API, the CLI module."""

import json

import numpy as np
import pytest
from scipy import integrate, stats

from flopcast.analyze.voi import parse_decision, voi, voi_from_draws
from flopcast.priors.errors import InputError


def gaussian_evppi(a: np.ndarray, known: list[int], t: float) -> float:
    """log Y = a . Z, Z ~ N(0, I), decision log Y >= t under 0-1 loss. Learning Z_known fixes
    W = a_known . Z_known ~ N(0, s_w^2); then P(yes | W = w) = Phi((w - t) / s_r) with s_r the rest's sd:
    EVPPI = E_W[max(P, 1 - P)] - max(p, 1 - p) (Strong, Oakley & Brennan 2014, eq. 2), by quadrature."""
    s_w = float(np.sqrt(np.sum(a[known] ** 2)))
    s_r = float(np.sqrt(np.sum(a**2) - s_w**2))
    p = stats.norm.sf(t / np.hypot(s_w, s_r))

    def f(w):
        q = stats.norm.sf((t - w) / s_r)
        return max(q, 1 - q) * stats.norm.pdf(w, scale=s_w)

    return integrate.quad(f, -12 * s_w, 12 * s_w, points=[t], limit=200)[0] - max(p, 1 - p)


@pytest.mark.parametrize(
    "a, t, rho, tol_share, tol_evppi",
    [
        ((1.0, 0.7, 0.4), 0.5, 0.0, 0.02, 0.01),
        ((0.3, 1.0, 0.5), -0.2, 0.0, 0.02, 0.01),
        ((1.0, 0.7, 0.4), 0.5, 0.6, 0.02, 0.01),  # Z0, Z1 correlated: the regression handles dependence
    ],
)
def test_gaussian_closed_form(a, t, rho, tol_share, tol_evppi):
    a = np.array(a)
    cov = np.eye(3)
    cov[0, 1] = cov[1, 0] = rho
    z = np.random.default_rng(0).multivariate_normal(np.zeros(3), cov, 20_000)
    # the same problem in independent coordinates: log Y = b . E with E ~ N(0, I), E_0 = Z_0
    chol = np.linalg.cholesky(cov)
    b = chol.T @ a
    total, p, rows = voi_from_draws({f"z{i}": z[:, i] for i in range(3)}, z @ a, z @ a >= t, {"z01": ("z0", "z1")})
    by = {r.name: r for r in rows}
    var = float(a @ cov @ a)
    # Var(E[a.Z | Z_0]) = (cov[0] . a)^2 ; Var(E[. | Z_0, Z_1]) = the (0, 1) block's part
    want_share = {"z0": (cov[0] @ a) ** 2 / var, "z01": (b[0] ** 2 + b[1] ** 2) / var}
    for name, want in want_share.items():
        assert by[name].share == pytest.approx(want, abs=tol_share), name
    assert total == pytest.approx(var, rel=0.03) and p == pytest.approx(stats.norm.sf(t / np.sqrt(var)), abs=0.01)
    if rho == 0:
        for i in range(3):
            assert by[f"z{i}"].evppi == pytest.approx(gaussian_evppi(a, [i], t), abs=tol_evppi)
    assert by["z01"].evppi == pytest.approx(gaussian_evppi(b, [0, 1], t), abs=tol_evppi)


def test_plappert_names_the_input_that_matters_for_720k():
    v = voi(
        "plappert-2024",
        "peak_fleet_h100",
        decision=">= 720000",
        seed=1,
        groups={"utilisation": ["inference_utilization", "peak_factor"]},
    )
    assert v.rows[0].name == "sora_params" and max(v.rows, key=lambda r: r.evppi).name == "sora_params"
    assert "pin down sora_params" in v.headline()
    j = v.to_json()
    assert j["decision"]["op"] == ">=" and j["ranking"][0]["name"] == "sora_params"
    assert any(r["name"] == "utilisation" for r in j["ranking"])
    json.dumps(j, allow_nan=False)


@pytest.mark.parametrize("text", ["720000", ">= lots", "=> 5", ">= inf"])
def test_bad_decision_is_refused(text):
    with pytest.raises(InputError, match="^decision: "):  # the API names the parameter (the CLI: --decision)
        parse_decision(text)


@pytest.mark.parametrize(
    "groups, fragment",
    [
        (["g=sora_params"], "at least two"),
        (["g=sora_params,nonsense"], "nonsense"),
        (["sora_params=peak_factor,inference_utilization"], "already an input"),
        (["nothing"], "NAME=input1,input2"),
    ],
)
def test_bad_group_is_refused(groups, fragment):
    with pytest.raises(InputError, match=fragment):
        voi("plappert-2024", "peak_fleet_h100", groups=groups, draws=2000, seed=1)


def test_cli_module_writes_table_figure_and_report(tmp_path, capsys):
    from flopcast.cli import voi as voi_cli
    from flopcast.cli.options import Parser
    from flopcast.cli.skeleton import execute

    parser = Parser(prog="flopcast")
    voi_cli.register(parser.add_subparsers(dest="command", parser_class=Parser))
    args = parser.parse_args(
        [
            "voi",
            "sora-2026",
            "--output",
            "peak_fleet_gpus",
            "--decision",
            ">= 1e7",
            "--group",
            "geometry=width,height,frames",
            "--draws",
            "5000",
            "--seed",
            "2",
            "--out",
            str(tmp_path / "v"),
        ]
    )
    assert execute(args.handler, args) == 0
    out = capsys.readouterr().out
    assert "P(flip)" in out and "pin down" in out
    files = {p.name for p in (tmp_path / "v").iterdir()}
    assert {"voi.json", "voi.md", "voi.png", "report.html"} <= files
    j = json.loads((tmp_path / "v" / "voi.json").read_text())
    assert j["draws"] == 5000 and j["decision"]["threshold"] == 1e7
    assert sum(r["share"] for r in j["ranking"] if len(r["inputs"]) == 1) > 0.5


# An input whose flip region holds less than 1/64 of its mass (issue 24: 64 fixed bins gave P(flip) = 0).
# log Y = Z0 + a Z1, Z ~ N(0, I), decision log Y >= t: P(yes | Z1 = z) < 1/2 iff a z < t, so learning Z1
# flips the "yes" taken now with probability Phi(t / a) (closed form); EVPPI by quadrature as above.
@pytest.mark.parametrize(
    "a, t, draws, tol_flip",
    [
        (0.6, -1.5, 200_000, 0.002),  # Phi(-2.5) = 0.0062: 0.4 of a 64th
        (0.5, -1.2, 100_000, 0.003),  # Phi(-2.4) = 0.0082
    ],
)
def test_small_flip_region_is_resolved(a, t, draws, tol_flip):
    z = np.random.default_rng(3).standard_normal((draws, 2))
    log_y = z[:, 0] + a * z[:, 1]
    _, p, rows = voi_from_draws({"z0": z[:, 0], "z1": z[:, 1]}, log_y, log_y >= t, rng=np.random.default_rng(4))
    z1 = {r.name: r for r in rows}["z1"]
    exact = stats.norm.cdf(t / a)
    assert exact < 1 / 64 and z1.p_flip > 0
    assert z1.p_flip == pytest.approx(exact, abs=tol_flip)
    assert abs(z1.p_flip - exact) < 4 * z1.p_flip_mcse + tol_flip / 2
    assert z1.evppi == pytest.approx(gaussian_evppi(np.array([1.0, a]), [1], t), abs=0.001)


def test_mcse_matches_the_spread_over_seeds():
    """Each figure's bootstrap MCSE against the standard deviation of the same figure over 12 independent
    seeds (log Y = Z . (1, 0.7, 0.4), decision log Y >= 0.5): the ratio of the two within [0.5, 2]."""
    a, t = np.array([1.0, 0.7, 0.4]), 0.5
    figs, errs = [], []
    for seed in range(12):
        z = np.random.default_rng(seed).standard_normal((10_000, 3))
        _, _, rows = voi_from_draws(
            {f"z{i}": z[:, i] for i in range(3)}, z @ a, z @ a >= t, rng=np.random.default_rng(100 + seed)
        )
        by = {r.name: r for r in rows}
        figs.append([[by[n].share, by[n].evppi, by[n].p_flip] for n in ("z0", "z1")])
        errs.append([[by[n].share_mcse, by[n].evppi_mcse, by[n].p_flip_mcse] for n in ("z0", "z1")])
    ratio = np.mean(errs, axis=0) / np.std(figs, axis=0, ddof=1)
    assert np.all((ratio > 0.5) & (ratio < 2.0)), ratio


def test_temporal_compression_flip_at_400k_draws():
    """The issue's reference: exact integration gives temporal_compression P(flip) = 0.0074 for
    peak_fleet_h100 >= 720000 (lognormal 2.5-12 prior); 64 fixed bins gave 0."""
    v = voi("plappert-2024", "peak_fleet_h100", decision=">= 720000", draws=400_000, seed=1)
    tc = {r.name: r for r in v.rows}["temporal_compression"]
    assert 0.004 <= tc.p_flip <= 0.012 and 0 < tc.p_flip_mcse < 0.002
    assert v.to_json()["ranking"][1]["mcse"]["p_flip"] == tc.p_flip_mcse
