"""The shipped voice models, so that conversion works without two hours of training first.

* ``espeak``: trained on the built-in ``espeak`` corpus (72 synthetic voices); the default
  model of ``benchmarks/voice.py``: 14,500 steps, seed 0, on corpus version 2. It has heard
  synthetic voices only and does not carry over to real ones (``benchmarks/voice_real.py``:
  judged the target in about half of the pairs between real speakers).
* ``tuxpaint``: trained on the built-in ``tuxpaint`` corpus's training clips (13 real voices,
  one per language): 12,000 steps, seed 0. It converts between those voices, by name
  (``--target-speaker fr``) or from a clip of one of them; a voice it has not heard is not
  measured (13 speakers are too few to expect one-shot conversion to generalise).

``aekit voice convert espeak|tuxpaint SOURCE ...`` and ``VoiceModel.load("espeak")`` use them
(a folder of that name in the working directory wins). Both are stored in float16 (loaded
as float32; the log-mel statistics stay float32) without the speaker adversary, which only
training needs. Reproduce with ``make voice-weights`` (``VOICE_CORPUS=tuxpaint`` for the
second; about two hours on one CPU core):

    aekit voice train espeak -o benchmarks/work/voice-espeak --steps 14500 --seed 0
    python -m aekit.voice.shipped export benchmarks/work/voice-espeak -o src/aekit/voice/pretrained/espeak
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch

PRETRAINED = Path(__file__).resolve().parent / "pretrained"
SHIPPED = {name: PRETRAINED / name for name in ("espeak", "tuxpaint")}


def resolve(path) -> Path:
    """``path`` itself, or the shipped model's folder when ``path`` names one and is no folder here."""
    path = Path(path)
    if not path.exists() and str(path) in SHIPPED:
        return SHIPPED[str(path)]
    return path


def export(model_dir: str | os.PathLike, output: str | os.PathLike = SHIPPED["espeak"]) -> Path:
    """Write the trained model in ``model_dir`` as a shipped model: float16, no adversary."""
    from aekit.voice.converter import VoiceModel
    from aekit.voice.model import VoiceConverter

    trained = VoiceModel.load(model_dir)
    config = {**trained.net.config, "adversary_weight": 0.0, "n_speakers": 0}
    net = VoiceConverter(**config)
    state = {k: v for k, v in trained.net.state_dict().items() if not k.startswith("adversary.")}
    net.load_state_dict(state, strict=True)
    # the per-band log-mel statistics stay float32: 0.004 of rounding there shifts every frame
    half = {k: v if k.startswith("mel_") else v.half() for k, v in net.state_dict().items()}
    shipped = VoiceModel(net, trained.speakers, {**trained.info, "shipped": True, "dtype": "float16",
                                                  "trained_config": trained.net.config})
    return shipped.save(output, force=True, state_dict=half)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Export a trained voice model as the shipped one.")
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="write DIR's model (float16, no adversary) to the package")
    e.add_argument("dir", type=Path)
    e.add_argument("-o", "--output", type=Path, default=SHIPPED["espeak"])
    args = parser.parse_args(argv)
    torch.set_grad_enabled(False)
    print(f"wrote {export(args.dir, args.output)}")


if __name__ == "__main__":
    main()
