"""Labelled draws: an ``xarray.Dataset`` with dimension ``draw``, saved in ArviZ's NetCDF layout.

On disk (``samples.nc``) the draws are the ``prior`` group of an ``arviz.InferenceData`` (they are
prior predictive draws; ArviZ adds a ``chain`` dimension of length 1) and fixed inputs are its
``constant_data`` group, so ``arviz.from_netcdf("samples.nc")`` works directly and
``load_samples`` gives back the flat Dataset.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from flopcast.priors.errors import InputError

SAVE_AT_MOST = 1_000_000  # samples.nc keeps at most this prefix of the draws


class Draws:
    """The draws of a run as variables ``name -> (dims, values, attrs)`` plus global attrs: what
    ``to_dataset`` returns. It converts itself to an ``xarray.Dataset`` on first use (``to_xarray``;
    attribute and item access go to that Dataset), so writing samples.nc (``save_samples``) needs
    neither xarray nor the pandas and dask it imports."""

    def __init__(self, variables: dict[str, tuple[tuple[str, ...], Any, dict]], n: int, attrs: dict):
        self.variables, self.n, self.attrs = variables, n, attrs
        self._ds = None

    def to_xarray(self):
        if self._ds is None:
            import xarray as xr

            data = {k: xr.Variable(dims, values, attrs) for k, (dims, values, attrs) in self.variables.items()}
            self._ds = xr.Dataset(data, coords={"draw": np.arange(self.n)}, attrs=self.attrs)
        return self._ds

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("variables", "n", "attrs", "_ds"):
            raise AttributeError(name)
        return getattr(self.to_xarray(), name)

    def __getitem__(self, key):
        return self.to_xarray()[key]

    def __contains__(self, key) -> bool:
        return key in self.variables

    def __iter__(self):
        return iter(self.variables)

    def __repr__(self) -> str:
        return repr(self.to_xarray())

    def _repr_html_(self) -> str:
        return self.to_xarray()._repr_html_()


def to_dataset(result, limit: int | None = None) -> Draws:
    """The draws (a ``Draws``, an ``xarray.Dataset`` on use); ``limit`` keeps only the first draws
    (a streamed run already did)."""
    plan = result.plan
    n = min(len(next(iter(result.outputs.values()))), limit or result.draws)
    data: dict[str, tuple[tuple[str, ...], Any, dict]] = {}
    for name, values in result.inputs.items():
        data[name] = (("draw",), _read_only(values[:n]), _attrs(plan, name, "input (sampled)"))
    for name, value in plan.constants.items():
        data[name] = ((), np.float64(value), _attrs(plan, name, "input (fixed)"))
    for name, values in result.outputs.items():
        spec = plan.model.outputs[name]
        data[name] = (
            ("draw",),
            _read_only(values[:n]),
            {"unit": spec.unit, "units": spec.unit, "kind": "output", "description": spec.description},
        )
    attrs = {k: _text(v if not isinstance(v, list) else "; ".join(v)) for k, v in result.provenance().items()}
    attrs["stored_draws"] = n
    if n < result.draws:
        attrs["note"] = (
            f"the first {n:,} of {result.draws:,} draws (same seed and sampler reproduce them); summaries use all draws"
        )
    return Draws(data, n, attrs)


def _read_only(values: np.ndarray) -> np.ndarray:
    """A view the caller cannot write through: ``r.samples`` shares the run's draws (no copy), so an
    edit there would change what ``save()`` writes to samples.nc but not its summaries."""
    view = np.asarray(values).view()
    view.flags.writeable = False
    return view


def _text(value):
    """NetCDF attributes cannot hold NUL; other control characters are shown as ``?``."""
    if not isinstance(value, str):
        return value
    return "".join("?" if (ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F else c for c in value)


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
    import resource

    need = int(nbytes * 1.05) + (1 << 20)
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft != resource.RLIM_INFINITY and need > soft:
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG), str(path))
    if shutil.disk_usage(path.parent).free < need:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def save_samples(ds, path: Path) -> None:
    """Write the two groups ArviZ's ``InferenceData.to_netcdf`` would write (``prior`` with dimensions
    chain (1) and draw; ``constant_data`` with the fixed inputs and the run's attrs), with h5netcdf
    directly: ``import arviz`` costs ~5 s and xarray's writer pulls in pandas and dask. ``ds``: a
    ``Draws`` or an ``xarray.Dataset`` of the same layout."""
    if not isinstance(ds, Draws):
        ds = Draws(
            {k: (v.dims, v.values, dict(v.attrs)) for k, v in ds.data_vars.items()},
            int(ds.sizes.get("draw", 0)),
            dict(ds.attrs),
        )
    import h5netcdf

    path = Path(path)
    check_room(path, sum(np.asarray(v).nbytes for _, v, _ in ds.variables.values()))
    with h5netcdf.File(path, "w") as f:
        prior = f.create_group("prior")
        prior.dimensions = {"chain": 1, "draw": ds.n}
        prior.create_variable("chain", ("chain",), data=np.zeros(1, dtype=np.int64))
        prior.create_variable("draw", ("draw",), data=np.arange(ds.n, dtype=np.int64))
        const = f.create_group("constant_data")
        for name, (dims, values, attrs) in ds.variables.items():
            data = np.asarray(values)
            data = data if data.dtype.kind == "f" else data.astype(float)  # float32 stays float32
            if "draw" in dims:
                v = prior.create_variable(name, ("chain", "draw"), data=data[None, :], fillvalue=np.nan)
            else:
                v = const.create_variable(name, (), data=data)
            v.attrs.update(_netcdf_attrs(attrs))
        prior.attrs.update(_netcdf_attrs(ds.attrs))
        const.attrs.update(_netcdf_attrs(ds.attrs))


def _netcdf_attrs(attrs: dict) -> dict:
    return {k: (np.int64(v) if isinstance(v, bool) else v) for k, v in attrs.items() if v is not None}


def load_samples(path: str | Path):
    """Read a run's ``samples.nc`` back into the flat ``xarray.Dataset`` (dimension ``draw``)."""
    import xarray as xr

    try:
        with xr.open_dataset(path, group="prior", engine="h5netcdf") as prior:
            ds = prior.load().squeeze("chain", drop=True)
        with xr.open_dataset(path, group="constant_data", engine="h5netcdf") as const:
            ds = ds.merge(const.load())
    except (OSError, ValueError, KeyError) as exc:  # not a file, not NetCDF/HDF5, no such group
        raise InputError(
            str(path),
            f"not a flopcast samples.nc ({type(exc).__name__}: {str(exc)[:160]}); give the samples.nc of a run folder",
        ) from None
    return ds
