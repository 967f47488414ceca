"""The ``aekit`` command. Each sub-command lives in its own module with ``register``
(argparse only, so ``aekit --help`` starts fast) and ``run`` (imports what it needs)."""
from __future__ import annotations

import argparse
import sys

from aekit.cli import (anomaly_cmd, codec_cmd, datasets_cmd, demo_cmd, fit_cmd, generate_cmd, info_cmd,
                       inference_cmd, text_cmd, voice_cmd)

COMMAND_MODULES = (fit_cmd, inference_cmd, generate_cmd, anomaly_cmd, codec_cmd, info_cmd, datasets_cmd, demo_cmd,
                   text_cmd, voice_cmd)


def build_parser() -> argparse.ArgumentParser:
    from aekit.version import __version__

    parser = argparse.ArgumentParser(
        prog="aekit", description="Auto-encoders and self-supervised representation learning.",
        epilog="DATA is a built-in dataset name (see `aekit datasets`) or a path: a folder of images, "
               ".npy/.npz, .csv or .parquet.")
    parser.add_argument("--version", action="version", version=f"aekit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from aekit.errors import AekitError

    try:
        return args.run(args) or 0
    except AekitError as exc:
        print(f"aekit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"aekit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
