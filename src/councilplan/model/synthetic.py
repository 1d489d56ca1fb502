"""Random but realistic productive economies, for benchmarks and tests.

:func:`random_economy` builds a sparse activity-analysis economy in a handful of
vectorised numpy passes (no Python loop over goods or non-zeros), so that 10^6
goods take a few seconds and 10^7 fit in memory.

Construction
------------
1. **Goods** ``g0 … g{n-1}`` (ids zero-padded, so they sort), each with a unit.
2. **Processes.** Process ``g<i>`` makes one unit of good ``i`` (the *primary*
   technique). A random ``alt_share`` of the goods get a second process
   ``g<i>-alt`` that also makes one unit of good ``i`` (an *alternative
   technique*) with independently drawn inputs and labour. With
   ``alt_share = 0`` the economy is square (Leontief, ``B = I``).
3. **Inputs** (``A``). Process ``j`` uses ``1 + Poisson(inputs_per_good - 1)``
   input goods (at most ``n``). Which goods is drawn from a power law (Zipf with
   exponent ``zipf``) over a random ranking of the goods, by the inverse of the
   continuous Zipf CDF: the few top-ranked goods ("energy", "steel") feed almost
   every process and most goods feed a few. Repeated draws are merged. Raw
   weights are log-normal; each column is then rescaled to a total drawn
   uniformly from ``[column_sum_low, 1 - margin]``.
4. **Productivity by construction.** Every column of ``A`` sums to at most
   ``1 - margin < 1``. For any choice of one technique per good the square
   matrix ``A_S`` has ``ρ(A_S) ≤ ‖A_S‖₁ ≤ 1 - margin < 1`` (Hawkins–Simon), so
   the technology produces a surplus of every good (``x = (I - A_S)^{-1} 1``).
5. **Labour** (``L``). Each process uses ``hours ~ LogNormal(0, 0.5)`` of one
   random labour kind and, for half of the processes (when there are several
   kinds), a share of 10–50 % of them of a second kind. Every process uses
   labour, so finite labour limits bound every plan.
6. **Resources** (``R``, when ``resources > 0``). A ``resource_share`` of the
   processes use one random resource, ``amount ~ LogNormal(0, 1)``.
7. **Targets.** A ``target_share`` of the goods (at least one) get a final
   demand ``d_i ~ LogNormal(0, 1)``; these are the proportions of ``ray``.
8. **Limits** are calibrated on a baseline gross output ``x⁰`` of the primary
   techniques for ``d``, ``x⁰ = Σ_{k<K} A_P^k d`` (a truncated Neumann series,
   ``K = baseline_terms``). Labour and resources available are ``L x⁰`` and
   ``R x⁰`` (so the ``ray`` scale is near 1 and ``ray`` is bounded). A
   ``capacity_share`` of the processes get a capacity of ``U(0.8, 1.5)`` times
   their good's baseline output (``U(0.2, 1)`` times for alternatives; the
   baseline is at least 1 % of the mean, so no capacity is 0).
   Floors stay 0, so ``x = 0, s = 0`` is always feasible.
9. With ``feasible_targets=True`` the targets themselves fit the limits:
   ``x⁰`` is summed until a term's total is below ``1e-12`` of the sum (at most
   ``max(baseline_terms, 300)`` terms), labour and resources available are
   ``headroom · L x⁰`` and ``headroom · R x⁰``, and primary capacities are
   ``U(1.05, 1.5)`` times the baseline. Then ``x = x⁰`` meets the targets with
   slack: ``min-labour`` has a plan and the ``ray`` scale is at least 1.05.

Everything is drawn from one ``numpy.random.Generator`` seeded with ``seed``:
the same arguments give the same economy.

>>> from councilplan.model.synthetic import random_economy
>>> random_economy(1000, seed=1)
Economy('random-1000-s1': 1000 goods, 1300 processes, 3 labour kinds, 0 resources, nnz(A)=...)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from councilplan.model.economy import Economy
from councilplan.model.errors import InputError

UNITS = ("t", "MWh", "unit", "m3", "hour", "km")


def _ids(prefix: str, n: int) -> np.ndarray:
    """Fixed-width string array of ``prefix + zero-padded i`` for ``i < n`` (vectorised)."""
    width = len(str(max(n - 1, 0)))
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(f"U{width}"), width))


def _zipf_draws(rng: np.random.Generator, n: int, size: int, exponent: float) -> np.ndarray:
    """``size`` ranks in ``[0, n)`` with ``P(rank r) ≈ ∝ (r + 1)^-exponent``.

    Inverse of the continuous CDF on ``[1, n + 1)``: no table, no search.
    """
    u = rng.random(size, dtype=np.float32)  # single precision: twice as fast, ranks within ±1
    if abs(exponent - 1.0) < 1e-12:
        r = np.exp(u * np.float32(np.log(n + 1.0)))
    else:
        a = np.float32(1.0 - exponent)
        r = (np.float32(1.0) + u * np.float32((n + 1.0) ** a - 1.0)) ** (np.float32(1.0) / a)
    return np.minimum(r.astype(np.int64) - 1, n - 1).clip(0)


def random_economy(
    n_goods: int,
    *,
    inputs_per_good: float = 8,
    alt_share: float = 0.3,
    labour_kinds: int = 3,
    resources: int = 0,
    capacity_share: float = 0.1,
    seed: int = 0,
    zipf: float = 1.0,
    margin: float = 0.1,
    column_sum_low: float = 0.3,
    target_share: float = 0.5,
    resource_share: float = 0.3,
    baseline_terms: int = 20,
    feasible_targets: bool = False,
    headroom: float = 1.2,
    joint_share: float = 0.0,
) -> Economy:
    """A random productive economy with ``n_goods`` goods (construction in the module docstring).

    Parameters
    ----------
    n_goods : number of goods (≥ 1).
    inputs_per_good : mean number of input goods per process (≥ 1).
    alt_share : share of goods with a second, alternative technique.
    labour_kinds : number of labour kinds (one kind is called ``labour``).
    resources : number of resources (land, emissions, plant), 0 for none.
    capacity_share : share of processes with a capacity limit.
    seed : seed of the random generator; equal seeds give equal economies.
    zipf : power-law exponent of input popularity (larger: more concentrated).
    margin : every column of ``A`` sums to at most ``1 - margin``.
    column_sum_low : the smallest column sum of ``A``.
    target_share : share of goods with a final-demand target.
    resource_share : share of processes that use a resource.
    baseline_terms : terms of the Neumann series of the calibration output.
    feasible_targets : calibrate the limits so that the targets can be met (item 9 above).
    headroom : with ``feasible_targets``, labour and resources available as a multiple (≥ 1)
        of what the baseline needs.
    joint_share : share of processes with a by-product (joint production): a second output
        ``B[k, j] ~ U(0.05, 0.3)`` of a random other good ``k``. By-products only add net output,
        so the economy stays productive; they are drawn from their own stream (``[seed, 11]``),
        so ``joint_share = 0`` gives the same economy as before the option existed.
    """
    if n_goods < 1:
        raise InputError("n_goods must be at least 1")
    if not 0 < margin < 1 or not 0 <= column_sum_low <= 1 - margin:
        raise InputError("need 0 < margin < 1 and 0 ≤ column_sum_low ≤ 1 - margin")
    if headroom < 1:
        raise InputError("headroom must be at least 1 (the targets must be feasible)")
    if inputs_per_good < 1:
        raise InputError("inputs_per_good must be at least 1")
    if labour_kinds < 1:
        raise InputError("labour_kinds must be at least 1")
    if not 0 <= joint_share <= 1:
        raise InputError(f"joint_share must be in [0, 1], not {joint_share}")
    rng = np.random.default_rng(seed)
    n = int(n_goods)

    # --- processes: primaries 0..n-1 make good j; alternatives make good alt_of
    n_alt = round(alt_share * n)
    alt_of = np.sort(rng.choice(n, size=n_alt, replace=False)) if n_alt else np.zeros(0, dtype=np.int64)
    n_proc = n + n_alt
    makes = np.concatenate([np.arange(n), alt_of])

    # --- inputs: counts per process, power-law goods, log-normal weights
    counts = np.minimum(1 + rng.poisson(inputs_per_good - 1.0, size=n_proc), n)
    indptr = np.zeros(n_proc + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    nnz = int(indptr[-1])
    ranking = rng.permutation(n)
    rows = ranking[_zipf_draws(rng, n, nnz, zipf)].astype(np.int32)
    weights = rng.lognormal(0.0, 1.0, size=nnz)
    col_of = np.repeat(np.arange(n_proc, dtype=np.int32), counts)
    col_total = np.bincount(col_of, weights=weights, minlength=n_proc)
    col_sum = rng.uniform(column_sum_low, 1.0 - margin, size=n_proc)
    weights *= (col_sum / col_total)[col_of]
    del col_of
    A = sp.csc_matrix((weights, rows, indptr), shape=(n, n_proc))
    A.sum_duplicates()  # repeated draws of one good in one column are merged
    del rows, weights

    B = sp.csc_matrix((np.ones(n_proc), makes.astype(np.int32), np.arange(n_proc + 1)), shape=(n, n_proc))
    if joint_share > 0 and n > 1:  # by-products: a second output of another good
        jr = np.random.default_rng([seed, 11])
        joint = np.flatnonzero(jr.random(n_proc) < joint_share)
        other = (makes[joint] + jr.integers(1, n, size=joint.size)) % n
        B = (B + sp.csc_matrix((jr.uniform(0.05, 0.3, size=joint.size), (other, joint)), shape=(n, n_proc))).tocsc()

    # --- labour: one kind, half of the processes also a second kind
    kinds = ["labour"] + [f"labour{k + 1}" for k in range(1, labour_kinds)]
    hours = rng.lognormal(0.0, 0.5, size=n_proc)
    k1 = rng.integers(labour_kinds, size=n_proc)
    if labour_kinds > 1:
        second = rng.random(n_proc) < 0.5
        k2 = (k1 + rng.integers(1, labour_kinds, size=n_proc)) % labour_kinds
        share2 = np.where(second, rng.uniform(0.1, 0.5, size=n_proc), 0.0)
        j2 = np.flatnonzero(second)
        L = sp.csr_matrix(
            (np.concatenate([hours * (1.0 - share2), hours[j2] * share2[j2]]),
             (np.concatenate([k1, k2[j2]]), np.concatenate([np.arange(n_proc), j2]))),
            shape=(labour_kinds, n_proc))
    else:
        L = sp.csr_matrix((hours, (k1, np.arange(n_proc))), shape=(1, n_proc))

    # --- resources
    res_names = [f"resource{r + 1}" for r in range(resources)]
    R = None
    if resources:
        uses = np.flatnonzero(rng.random(n_proc) < resource_share)
        R = sp.csr_matrix((rng.lognormal(0.0, 1.0, size=uses.size), (rng.integers(resources, size=uses.size), uses)),
                          shape=(resources, n_proc))

    # --- targets: a share of the goods, at least one
    n_t = max(1, round(target_share * n))
    t_goods = np.sort(rng.choice(n, size=n_t, replace=False)) if n_t < n else np.arange(n)
    d = np.zeros(n)
    d[t_goods] = rng.lognormal(0.0, 1.0, size=n_t)

    # --- baseline gross output of the primary techniques: x0 = Σ_k A_P^k d
    A_P = A[:, :n]
    x0 = d.copy()
    term: np.ndarray = d
    terms = max(baseline_terms, 300) if feasible_targets else baseline_terms
    for _ in range(terms - 1):
        term = np.asarray(A_P @ term)
        x0 += term
        if feasible_targets and term.sum() <= 1e-12 * x0.sum():
            break
    del A_P
    x_base = np.concatenate([x0, np.zeros(n_alt)])

    # --- limits
    scale = headroom if feasible_targets else 1.0
    lab_avail = pd.Series(scale * (L @ x_base), index=pd.Index(kinds, dtype=object), dtype=float)
    res_avail = pd.Series(scale * (R @ x_base), index=pd.Index(res_names, dtype=object), dtype=float) if R is not None else None
    cap = np.full(n_proc, np.inf)
    capped = rng.random(n_proc) < capacity_share
    factor = np.where(np.arange(n_proc) < n, rng.uniform(1.05 if feasible_targets else 0.8, 1.5, size=n_proc), rng.uniform(0.2, 1.0, size=n_proc))
    base = np.maximum(x0, 0.01 * x0.mean())  # goods nobody needs still get some capacity
    cap[capped] = (base[makes] * factor)[capped]

    # --- labels
    gstr = _ids("g", n)
    gids = gstr.astype(object)
    pids = np.concatenate([gids, np.char.add(gstr[alt_of], "-alt").astype(object)]) if n_alt else gids
    goods = pd.DataFrame({"name": gids, "unit": np.asarray(UNITS, dtype=object)[rng.integers(len(UNITS), size=n)]},
                         index=pd.Index(gids, dtype=object, name="id"))
    processes = pd.DataFrame({"name": pids}, index=pd.Index(pids, dtype=object, name="id"))
    targets = pd.DataFrame({"amount": d, "weight": 1.0, "floor": 0.0}, index=goods.index)
    return Economy.build(
        goods=goods, processes=processes, A=A, B=B, L=L, labour_kinds=kinds, R=R, resources=res_names,
        labour_available=lab_avail, resource_available=res_avail,
        capacity=pd.Series(cap, index=processes.index), targets=targets,
        meta={"name": f"random-{n}-s{seed}",
              "description": (f"random economy: {n} goods, {n_alt} alternative techniques, "
                              + (f"by-products in {joint_share:.0%} of processes, " if joint_share > 0 else "")
                              + f"{labour_kinds} labour kinds, "
                              f"{resources} resources, Zipf({zipf}) input popularity, column sums of A ≤ {1 - margin:g}"),
              "source": f"councilplan.model.synthetic.random_economy(n_goods={n}, seed={seed})"},
    )
