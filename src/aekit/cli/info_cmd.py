"""``aekit info MODEL`` describes a saved model; ``aekit models`` lists the registry."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("info", help="describe a saved model", description="Describe a saved model folder.")
    p.add_argument("model", metavar="MODEL", type=Path)
    p.set_defaults(run=run_info)
    p = sub.add_parser("models", help="list the registered model families",
                       description="List the model names accepted by --model.")
    p.set_defaults(run=run_models)


def run_info(args: argparse.Namespace) -> int:
    import aekit

    est = aekit.load(args.model)
    n_params = sum(p.numel() for p in est.module_.parameters())
    last = est.history_[-1] if est.history_ else {}
    lines = [
        f"model        {est.module_.registry_name} ({type(est.module_).__name__}), {n_params:,} parameters",
        f"input        {'images' if est.is_image_ else 'table'} of shape {tuple(est.input_shape_)}",
        f"code size    {est.module_.latent_dim}",
        f"scaling      {est.scaler_.kind}",
        f"arguments    {est.module_.config}",
        f"training     {len(est.history_)} epochs; last: "
        + ", ".join(f"{k}={v:.5g}" for k, v in last.items() if k.endswith("loss")),
        f"threshold    offset_={est.offset_:.5g} from {_threshold_text(est.threshold_)}; "
        f"anomaly score: {est.anomaly_score}",
    ]
    print("\n".join(lines))
    return 0


def _threshold_text(threshold: dict | None) -> str:
    if not threshold:
        return "an unknown rule"
    where = "held-out normal samples" if threshold["rule"] == "target_fpr" else "training samples"
    return f"{threshold['rule']}={threshold['value']} on {threshold['n_samples']} {where}"


def run_models(args: argparse.Namespace) -> int:
    from aekit.registry import get_model_class, model_names

    for name in model_names():
        doc = (get_model_class(name).__doc__ or "").strip().splitlines()
        print(f"{name:10s} {doc[0] if doc else ''}")
    return 0
