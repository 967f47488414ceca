"""``aekit voice train DATA -o DIR`` and ``aekit voice convert DIR SOURCE [TARGET] -o out.wav``
(DIR ``espeak``: the shipped model).

Training checkpoints go to ``DIR.partial/`` every few minutes; ``--resume`` continues a
killed run. When ``--max-minutes`` ends a run before ``--steps``, the model reached so far
is saved to DIR and ``DIR.partial/`` is kept, so the same command with ``--resume``
continues it.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from aekit.cli.common import add_output_arguments
from aekit.cli.fit_cmd import non_negative_float, positive_int
from aekit.voice import ADVERSARY_WEIGHT, DEFAULT_STRENGTH, MAX_STRENGTH


def register(sub) -> None:
    p = sub.add_parser("voice", help="voice conversion: train on speech, convert voices",
                       description="Voice conversion with disentangled content and speaker codes.")
    voice = p.add_subparsers(dest="voice_command", metavar="COMMAND", required=True)
    t = voice.add_parser("train", help="train on a multi-speaker corpus",
                         description="Train on DATA: a folder with one sub-folder of WAV/FLAC/OGG files per "
                                     "speaker, or a built-in corpus (espeak, tuxpaint; espeak+tuxpaint joins "
                                     "them). A built-in corpus trains on its training split.")
    t.add_argument("data", metavar="DATA")
    add_output_arguments(t, "model folder to write")
    t.add_argument("--steps", type=positive_int, default=20000, help="optimisation steps (default: 20000)")
    t.add_argument("--max-minutes", type=float, default=None, help="stop after this long (resume later)")
    t.add_argument("--batch-size", type=positive_int, default=16)
    t.add_argument("--lr", type=float, default=5e-4)
    t.add_argument("--channels", type=positive_int, default=192, help="width of the convolutions")
    t.add_argument("--content-dim", type=positive_int, default=16, help="content code channels (the bottleneck)")
    t.add_argument("--content-stride", type=positive_int, default=1,
                   help="mel frames per content code frame (1: every frame; AutoVC-style downsampling)")
    t.add_argument("--content-codebook", type=codebook_size, default=0, metavar="K",
                   help="vector-quantise the content code to K learned units (VQVC; default 0: continuous)")
    t.add_argument("--adversary-weight", type=non_negative_float, default=ADVERSARY_WEIGHT,
                   help=f"weight of the speaker adversary on the content code (0: none; default: {ADVERSARY_WEIGHT})")
    t.add_argument("--exclude-speakers", type=speaker_names, default=(), metavar="NAMES",
                   help="comma-separated speakers to leave out of training (e.g. to try one-shot conversion "
                        "to voices the model never heard)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--resume", action="store_true", help="continue from DIR.partial/")
    t.set_defaults(run=run_train)
    c = voice.add_parser("convert", help="say SOURCE's words in another voice",
                         description="Convert SOURCE to the voice of TARGET (a recording, any speaker) "
                                     "or of a trained speaker (--target-speaker).")
    c.add_argument("model", metavar="DIR", type=Path,
                   help="a trained model folder, or a shipped model: espeak (72 synthetic voices) or "
                        "tuxpaint (13 real voices, one per language: fr, ro, ru, ca, bg, es, be, el, da, lt, nl, "
                        "en, ml)")
    c.add_argument("source", metavar="SOURCE", type=Path)
    c.add_argument("target", metavar="TARGET", type=Path, nargs="?", default=None)
    c.add_argument("--target-speaker", default=None, help="name of a speaker seen in training")
    c.add_argument("--strength", type=float, default=DEFAULT_STRENGTH,
                   help="how far the voice moves: 1 is the target's speaker code, above 1 past it, "
                        f"away from the source's (at most {MAX_STRENGTH:g}; default {DEFAULT_STRENGTH})")
    add_output_arguments(c, "WAV file to write")
    c.set_defaults(run=run_convert)


def codebook_size(text: str) -> int:
    """0 (a continuous content code) or a codebook of at least 2 units."""
    value = int(text) if text.lstrip("-").isdigit() else None
    if value is None or value == 1 or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (continuous) or an integer >= 2, got {text!r}")
    return value


def speaker_names(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected comma-separated speaker names, got {text!r}")
    return names


def run_train(args: argparse.Namespace) -> int:
    from aekit.cli.common import check_output
    from aekit.voice.converter import VoiceModel

    check_output(args.output, args.force)
    partial = args.output.with_name(args.output.name + ".partial")
    if partial.exists() and not args.resume:
        shutil.rmtree(partial)
    vm = VoiceModel.train(args.data, partial, steps=args.steps, batch=args.batch_size, lr=args.lr, seed=args.seed,
                          max_minutes=args.max_minutes, channels=args.channels, content_dim=args.content_dim,
                          content_stride=args.content_stride, content_codebook=args.content_codebook,
                          adversary_weight=args.adversary_weight, exclude_speakers=args.exclude_speakers)
    vm.save(args.output, force=args.force)
    done = vm.info["steps"]
    if done >= args.steps:
        shutil.rmtree(partial, ignore_errors=True)
        print(f"saved voice model to {args.output}: {len(vm.speakers)} speakers, {done} steps")
    else:
        print(f"saved voice model to {args.output} after {done} of {args.steps} steps; "
              f"run again with --resume --force to continue")
    return 0


def run_convert(args: argparse.Namespace) -> int:
    from aekit.cli.common import check_output
    from aekit.voice.audio import save_wav
    from aekit.voice.converter import VoiceModel

    check_output(args.output, args.force)
    vm = VoiceModel.load(args.model)
    wav = vm.convert(args.source, target=args.target, target_speaker=args.target_speaker,
                     strength=args.strength)
    save_wav(wav, args.output)  # written to a temporary file and renamed
    print(f"{args.output}: {len(wav) / 16000:.2f} s")
    return 0
