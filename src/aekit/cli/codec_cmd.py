"""``aekit compress IMAGE -o FILE.aek`` and ``aekit decompress FILE.aek -o IMAGE.png``."""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from aekit.cli.common import add_output_arguments


def register(sub) -> None:
    p = sub.add_parser("compress", help="compress an image with the learned codec",
                       description="Compress an image (PNG, JPEG, ...) into an .aek file.")
    p.add_argument("image", metavar="IMAGE", type=Path)
    add_output_arguments(p, "the .aek file to write")
    p.add_argument("-q", "--quality", type=int, default=None,
                   help="1 (smallest file) .. 6 (best quality); default 3")
    p.set_defaults(run=run_compress)
    p = sub.add_parser("decompress", help="decompress an .aek file to an image",
                       description="Decompress an .aek file; the output format follows the suffix (.png, ...).")
    p.add_argument("file", metavar="FILE", type=Path)
    add_output_arguments(p, "the image to write (.png keeps every decoded pixel exactly)")
    p.set_defaults(run=run_decompress)


def run_compress(args: argparse.Namespace) -> int:
    from aekit import codec
    from aekit.cli.common import check_output, write_file_atomically
    from aekit.codec.fileformat import unpack
    from aekit.codec.images import CodecNotice

    check_output(args.output, args.force)
    quality = codec.DEFAULT_QUALITY if args.quality is None else args.quality
    with warnings.catch_warnings(record=True) as notices:
        warnings.simplefilter("always", CodecNotice)
        data = codec.compress(args.image, quality)
    _print_notices(args.command, notices)
    write_file_atomically(args.output, lambda tmp: tmp.write_bytes(data), args.force)
    header = unpack(data)[0]
    print(f"{args.output}: {len(data):,} bytes, {8 * len(data) / (header.height * header.width):.3f} bits per "
          f"pixel ({header.width}x{header.height}, quality {quality})")
    return 0


def run_decompress(args: argparse.Namespace) -> int:
    from aekit import codec
    from aekit.cli.common import check_output, write_file_atomically
    from aekit.codec.images import image_format, save_image
    from aekit.errors import DataError

    check_output(args.output, args.force)
    fmt = image_format(args.output)
    if not args.file.is_file():
        raise DataError(f"{args.file}: no such file")
    try:
        pixels = codec.decompress(args.file.read_bytes())
    except DataError as exc:
        raise DataError(f"{args.file}: {exc}") from None
    write_file_atomically(args.output, lambda tmp: save_image(pixels, tmp, fmt), args.force)
    print(f"{args.output}: {pixels.shape[1]}x{pixels.shape[0]}")
    return 0


def _print_notices(command: str, notices) -> None:
    for notice in notices:
        print(f"aekit {command}: notice: {notice.message}", file=sys.stderr)
