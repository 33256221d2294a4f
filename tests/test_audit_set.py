"""Audit places a headline that carries ``set`` in the band with those inputs fixed (issue 12), and
the loader refuses a pair of inputs correlated twice."""

import re

import pytest

from flopcast import engine
from flopcast.analyze import audit
from flopcast.priors.errors import InputError
from flopcast.priors.scenario import load_scenario


def test_headline_set_applies_to_its_band():
    plan = engine.plan_for("llm-economics")
    au = audit.audit(plan, draws=20_000, seed=1)
    with_set = [ln for ln in au.lines if ln.set]
    assert with_set  # llm-economics has PaLM and BERT headlines with set
    for ln in with_set:
        # consistent at the point, so inside its own band: not at an extreme percentile
        assert ln.consistent and 5 < ln.percentile < 95, (ln.label, ln.percentile)
        # the reference: the band run directly with the headline's inputs fixed, same seed
        fixed = engine.plan_for("llm-economics", {k: v for k, v in ln.set.items()})
        ref = engine.run(fixed, draws=20_000, seed=1, columns=engine.sampled_columns(plan)).outputs[ln.output]
        assert ln.p_exceed == pytest.approx(float((ref >= ln.published).mean()), abs=1e-12)
    assert not any("0th percentile, P(>= published) = 1" in s for s in au.summary)


def test_constant_output_has_no_band():
    au = audit.audit(engine.plan_for("llm-economics"), draws=2_000, seed=1)
    fixed = [ln for ln in au.lines if ln.output == "annual_searches"]
    assert fixed and fixed[0].band_fixed and any("no band" in s for s in au.summary)


@pytest.mark.parametrize("second, fragment", [("0.5", "repeats correlations[0]"), ("-0.3", "contradicts")])
def test_repeated_correlation_pair_is_refused(write_scenario, second, fragment):
    from conftest import MINI

    text = (
        MINI
        + f"""
[[correlations]]
inputs = ["sora_params", "training_utilization"]
rank = 0.5

[[correlations]]
inputs = ["training_utilization", "sora_params"]
rank = {second}
"""
    )
    with pytest.raises(InputError, match=re.escape(fragment)) as exc:
        load_scenario(write_scenario(text))
    assert "correlations[1]" in str(exc.value)
