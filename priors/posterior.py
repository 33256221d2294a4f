"""Posterior draws that replace some inputs' priors: the ``[posterior]`` table of a calibrated
scenario (written by ``flopcast calibrate``), with the effective sample size of its chains."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flopcast.priors.errors import InputError


@dataclass(frozen=True)
class Posterior:
    """Joint draws of some inputs (from ``flopcast calibrate``) that replace their priors."""

    file: Path
    inputs: tuple[str, ...]
    draws: Any = field(repr=False, compare=False)  # (n, len(inputs)) array, chain after chain
    note: str = ""
    chains: int = 1  # the draws are ``chains`` equal runs of consecutive (autocorrelated) draws
    _ess: dict = field(default_factory=dict, repr=False, compare=False)

    def ess(self, name: str, prob: float) -> float:
        """Effective sample size of input ``name``'s posterior draws for its ``prob`` quantile:
        ArviZ's quantile ESS (``arviz.ess(method="quantile")``, chains kept apart); the draw count
        for a constant input. Computed once per (name, prob)."""
        key = (name, round(float(prob), 12))
        if key not in self._ess:
            import arviz as az

            chains = self.draws[:, self.inputs.index(name)].reshape(self.chains, -1)
            value = float(az.ess(chains, method="quantile", prob=float(prob)))
            self._ess[key] = value if math.isfinite(value) and value > 0 else float(self.draws.shape[0])
        return self._ess[key]


def load_posterior(spec: Any, file: str, path: Path | None) -> Posterior:
    """``[posterior] file = "posterior.nc", inputs = [...]``: the draws are the ``posterior`` group
    (dimensions chain, draw) of an ArviZ NetCDF file, relative to the scenario file."""
    where = f"{file}: posterior"
    if not isinstance(spec, dict):
        raise InputError(where, "must be a table with file and inputs")
    _no_extra(spec, {"file", "inputs", "note"}, file, "posterior")
    if not isinstance(spec.get("file"), str):
        raise InputError(f"{where}.file", "missing or not a string")
    inputs = spec.get("inputs")
    if not isinstance(inputs, list) or not inputs or not all(isinstance(n, str) for n in inputs):
        raise InputError(f"{where}.inputs", "must be a non-empty list of input names")
    nc = Path(spec["file"])
    if not nc.is_absolute() and path is not None:
        nc = path.parent / nc
    if not nc.is_file():
        raise InputError(f"{where}.file", f"no such file: {nc}")
    import numpy as np
    import xarray as xr

    try:
        with xr.open_dataset(nc, group="posterior", engine="h5netcdf") as ds:
            missing = [n for n in inputs if n not in ds]
            if missing:
                raise InputError(f"{where}.inputs", f"{missing[0]!r} is not in {nc.name}'s posterior group")
            draws = np.column_stack([ds[n].values.reshape(-1) for n in inputs]).astype(float)
            chain_major = all(ds[n].dims[:1] == ("chain",) for n in inputs)
            chains = int(ds.sizes["chain"]) if chain_major and ds.sizes["chain"] > 0 else 1
    except InputError:
        raise
    except (OSError, ValueError) as exc:
        raise InputError(f"{where}.file", f"cannot read a posterior group from {nc.name}: {exc}") from None
    if not np.all(np.isfinite(draws)) or draws.shape[0] < 2:
        raise InputError(f"{where}.file", "the posterior draws must be finite and at least two")
    if draws.shape[0] % chains:
        chains = 1
    return Posterior(nc, tuple(inputs), draws, str(spec.get("note", "")), chains)


def _no_extra(table, allowed: set[str], file: str, prefix: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise InputError(f"{file}: {prefix}.{extra[0]}", f"unknown key; allowed here: {', '.join(sorted(allowed))}")
