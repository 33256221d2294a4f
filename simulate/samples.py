"""Labelled draws: an ``xarray.Dataset`` with dimension ``draw``, saved in ArviZ's NetCDF layout.

On disk (``samples.nc``) the draws are the ``prior`` group of an ``arviz.InferenceData`` (they are
prior predictive draws; ArviZ adds a ``chain`` dimension of length 1) and fixed inputs are its
``constant_data`` group, so ``arviz.from_netcdf("samples.nc")`` works directly and
``load_samples`` gives back the flat Dataset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr


SAVE_AT_MOST = 1_000_000  # samples.nc keeps at most this prefix of the draws


def to_dataset(result, limit: int | None = None) -> xr.Dataset:
    """The draws as a Dataset; ``limit`` keeps only the first draws (a streamed run already did)."""
    plan = result.plan
    n = min(len(next(iter(result.outputs.values()))), limit or result.draws)
    data = {}
    for name, values in result.inputs.items():
        values = values[:n]
        data[name] = xr.Variable(("draw",), values, _attrs(plan, name, "input (sampled)"))
    for name, value in plan.constants.items():
        data[name] = xr.Variable((), np.float64(value), _attrs(plan, name, "input (fixed)"))
    for name, values in result.outputs.items():
        spec = plan.model.outputs[name]
        data[name] = xr.Variable(
            ("draw",), values[:n], {"unit": spec.unit, "units": spec.unit, "kind": "output", "description": spec.description}
        )
    attrs = {k: _text(v if not isinstance(v, list) else "; ".join(v)) for k, v in result.provenance().items()}
    attrs["stored_draws"] = n
    if n < result.draws:
        attrs["note"] = (f"the first {n:,} of {result.draws:,} draws (same seed and sampler reproduce them); "
                         "summaries use all draws")
    return xr.Dataset(data, coords={"draw": np.arange(n)}, attrs=attrs)


def _text(value):
    """NetCDF attributes cannot hold NUL; other control characters are shown as ``?``."""
    if not isinstance(value, str):
        return value
    return "".join("?" if (ord(c) < 32 and c not in "\t\n") or 0x7f <= ord(c) <= 0x9f else c for c in value)


def _attrs(plan, name: str, kind: str) -> dict:
    spec = plan.model.inputs[name]
    prior = plan.scenario.priors.get(name)
    return {
        "unit": spec.unit,
        "units": spec.unit,
        "kind": kind,
        "description": spec.description,
        "prior": _text(prior.dist.describe()) if prior is not None else f"model default {spec.default:g}",
        "point": float(plan.points[name]),
        "source": _text(plan.prior_source(name)),
    }


def check_room(path: Path, nbytes: int) -> None:
    """Refuse before writing when the file cannot fit: free disk space and the process's file-size
    limit. HDF5 does not recover from a write that fails half-way (closing such a file can crash
    the interpreter), so the NetCDF writer must not start one it cannot finish."""
    import errno
    import os
    import resource
    import shutil

    need = int(nbytes * 1.05) + (1 << 20)
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft != resource.RLIM_INFINITY and need > soft:
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG), str(path))
    if shutil.disk_usage(path.parent).free < need:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def save_samples(ds: xr.Dataset, path: Path) -> None:
    """Write the groups ArviZ's ``InferenceData.to_netcdf`` would write, with xarray directly
    (``import arviz`` alone costs ~5 s)."""
    check_room(path, sum(v.nbytes for v in ds.data_vars.values()))
    draws = [n for n, v in ds.data_vars.items() if "draw" in v.dims]
    fixed = [n for n, v in ds.data_vars.items() if "draw" not in v.dims]
    prior = ds[draws].expand_dims(chain=[0])
    const = ds[fixed].drop_vars("draw", errors="ignore")
    const.attrs = dict(ds.attrs)
    prior.to_netcdf(path, group="prior", engine="h5netcdf", mode="w")
    const.to_netcdf(path, group="constant_data", engine="h5netcdf", mode="a")


def load_samples(path: str | Path) -> xr.Dataset:
    """Read a run's ``samples.nc`` back into the flat Dataset (dimension ``draw``)."""
    with xr.open_dataset(path, group="prior", engine="h5netcdf") as prior:
        ds = prior.load().squeeze("chain", drop=True)
    with xr.open_dataset(path, group="constant_data", engine="h5netcdf") as const:
        ds = ds.merge(const.load())
    return ds
