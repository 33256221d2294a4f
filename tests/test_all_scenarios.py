"""Every bundled scenario works with every analysis (nothing in simulate/ is model-specific)."""

import math

import pytest

from flopcast import engine
from flopcast.analyze import audit, sensitivity, stress, tail
from flopcast.priors.scenario import bundled_scenarios

NAMES = [p.stem for p in bundled_scenarios()]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k_mcse", [4.0])  # importance sampling vs the count: within k combined MCSEs
def test_every_analysis_runs(name, k_mcse):
    plan = engine.plan_for(name)
    result = engine.run(plan, draws=4000, seed=1)
    key = next(o for o in plan.model.key_outputs if result.summary[o].p95 > result.summary[o].p05)
    s = result.summary[key]
    sens = sensitivity.analyze(plan, key, n=128, seed=1)
    assert set(sens.inputs) == set(plan.uncertain)
    headline = 2 * s.median if s.median > 0 else s.p95
    st = stress.stress(plan, key, headline, draws=4000, seed=1, tail="mc")
    # the same seed and draw count give the run's draws: P is their exceedance share, counted here
    assert st.p_exceed == float((result.outputs[key] >= headline).mean())
    est = tail.estimate_tail(plan, key, headline, ">=", seed=1, draws=4000, ce_draws=2000)
    assert abs(est.p - st.p_exceed) < k_mcse * math.hypot(est.mcse, st.p_exceed_mcse)
    assert set(st.goal_seek) == set(plan.uncertain)
    if plan.scenario.headlines:
        lines = audit.audit(plan, draws=2000, seed=1).lines
        assert len(lines) == len(plan.scenario.headlines)
