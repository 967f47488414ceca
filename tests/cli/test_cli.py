"""The aekit command end to end on tiny data: outputs, exit codes, no partial files."""
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from aekit.cli import main


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def csv_data(tmp_path, table):
    path = tmp_path / "table.csv"
    pd.DataFrame(table, columns=[f"c{i}" for i in range(6)]).to_csv(path, index=False)
    return path


@pytest.fixture
def image_folder(tmp_path, images):
    folder = tmp_path / "imgs"
    for i, img in enumerate(images[:20]):
        (folder / f"k{i % 2}").mkdir(parents=True, exist_ok=True)
        Image.fromarray((img[0] * 255).astype(np.uint8)).save(folder / f"k{i % 2}" / f"{i:02d}.png")
    return folder


@pytest.fixture
def model_dir(tmp_path, csv_data):
    assert run("fit", csv_data, "-o", tmp_path / "m", "--epochs", 3, "--latent-dim", 2) == 0
    return tmp_path / "m"


def test_help_is_fast():
    tic = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "aekit.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "fit" in out.stdout
    assert time.perf_counter() - tic < 5  # generous for loaded CI; it is ~0.2 s here
    probe = "import sys, aekit.cli; print(any(m in sys.modules for m in ('torch', 'sklearn', 'pandas')))"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "False"


def test_fit_encode_reconstruct_score_info(model_dir, csv_data, tmp_path, capsys):
    assert sorted(p.name for p in model_dir.iterdir()) == ["config.json", "metrics.csv", "model.safetensors"]
    assert run("encode", model_dir, csv_data, "-o", tmp_path / "codes.npy") == 0
    assert np.load(tmp_path / "codes.npy").shape == (60, 2)
    assert run("encode", model_dir, csv_data, "-o", tmp_path / "codes.csv") == 0
    assert list(pd.read_csv(tmp_path / "codes.csv").columns) == ["z0", "z1"]
    assert run("reconstruct", model_dir, csv_data, "-o", tmp_path / "rec.csv") == 0
    assert list(pd.read_csv(tmp_path / "rec.csv").columns) == [f"c{i}" for i in range(6)]
    assert run("score", model_dir, csv_data, "-o", tmp_path / "scores.csv") == 0
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert list(scores.columns) == ["id", "score", "outlier"] and len(scores) == 60
    assert run("info", model_dir) == 0
    assert "input        table of shape (6,)" in capsys.readouterr().out


def test_image_folder_round_trip(image_folder, tmp_path):
    assert run("fit", image_folder, "-o", tmp_path / "m", "--epochs", 2, "--latent-dim", 3,
               "--model", "dae", "--model-arg", "noise=salt_pepper", "--model-arg", "noise_level=0.1") == 0
    assert run("reconstruct", tmp_path / "m", image_folder, "-o", tmp_path / "rec") == 0
    written = sorted(p.relative_to(tmp_path / "rec").as_posix() for p in (tmp_path / "rec").rglob("*.png"))
    assert written[:2] == ["k0/00.png", "k0/02.png"] and len(written) == 20
    assert Image.open(tmp_path / "rec" / "k0" / "00.png").size == (9, 10)


def test_builtin_dataset_and_models_and_datasets(tmp_path, capsys):
    assert run("fit", "breast-cancer", "-o", tmp_path / "m", "--epochs", 2, "--latent-dim", 4) == 0
    assert run("models") == 0
    assert run("datasets") == 0
    out = capsys.readouterr().out
    assert "dae" in out and "breast-cancer" in out


def test_resume_after_kill(csv_data, tmp_path):
    """A killed `aekit fit` leaves DIR.partial; --resume finishes with the same model."""
    code = ("import sys; from aekit.cli import main; from aekit.train import trainer as t\n"
            "orig = t.Trainer._after_epoch\n"
            "def die(self, epoch, *a):\n"
            "    orig(self, epoch, *a)\n"
            "    if epoch == 1: import os; os._exit(9)\n"
            "t.Trainer._after_epoch = die\n"
            "main(sys.argv[1:])")
    args = ["fit", str(csv_data), "-o", str(tmp_path / "m"), "--epochs", "4", "--latent-dim", "2"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    killed = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True)
    assert killed.returncode == 9
    assert not (tmp_path / "m").exists() and (tmp_path / "m.partial" / "last.pt").exists()
    assert run(*args, "--resume") == 0
    assert run(*[a if a != str(tmp_path / "m") else str(tmp_path / "full") for a in args]) == 0
    import aekit

    resumed, full = aekit.load(tmp_path / "m"), aekit.load(tmp_path / "full")
    np.testing.assert_array_equal(resumed.transform(pd.read_csv(csv_data).to_numpy()), full.transform(pd.read_csv(csv_data).to_numpy()))
    assert not (tmp_path / "m.partial").exists()


# ------------------------------------------------------------ user mistakes
def expect_error(capsys, args, pattern):
    assert run(*args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert pattern in err, err


def test_output_exists(capsys, model_dir, csv_data, tmp_path):
    expect_error(capsys, ["fit", csv_data, "-o", model_dir], "already exists; pass --force")
    (tmp_path / "codes.npy").write_text("keep me")
    expect_error(capsys, ["encode", model_dir, csv_data, "-o", tmp_path / "codes.npy"], "already exists")
    assert (tmp_path / "codes.npy").read_text() == "keep me"
    assert run("encode", model_dir, csv_data, "-o", tmp_path / "codes.npy", "--force") == 0


def test_non_numeric_column(capsys, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,city,b\n1,paris,2\n3,rome,4\n")
    expect_error(capsys, ["fit", path, "-o", tmp_path / "m"], "'city'")
    assert not (tmp_path / "m").exists()


def test_nan_in_csv(capsys, tmp_path):
    path = tmp_path / "nan.csv"
    path.write_text("a,b\n1,2\n3,\n5,6\n")
    expect_error(capsys, ["fit", path, "-o", tmp_path / "m"], "row(s) 1")


def test_wrong_feature_count(capsys, model_dir, tmp_path):
    path = tmp_path / "narrow.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    expect_error(capsys, ["encode", model_dir, path, "-o", tmp_path / "c.npy"], "expecting 6 features")
    assert not (tmp_path / "c.npy").exists()


def test_image_model_given_a_table(capsys, image_folder, csv_data, tmp_path):
    assert run("fit", image_folder, "-o", tmp_path / "m", "--epochs", 1, "--latent-dim", 2) == 0
    expect_error(capsys, ["score", tmp_path / "m", csv_data, "-o", tmp_path / "s.csv"], "fitted on images")


def test_empty_folder_and_corrupt_image(capsys, tmp_path, image_folder):
    (tmp_path / "empty").mkdir()
    expect_error(capsys, ["fit", tmp_path / "empty", "-o", tmp_path / "m"], "no images")
    (image_folder / "k0" / "00.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    expect_error(capsys, ["fit", image_folder, "-o", tmp_path / "m"], "00.png")


def test_corrupt_model(capsys, model_dir, csv_data, tmp_path):
    (model_dir / "model.safetensors").write_bytes(b"oops")
    expect_error(capsys, ["encode", model_dir, csv_data, "-o", tmp_path / "c.npy"], "corrupt or truncated")


def test_latent_dim_too_large(capsys, csv_data, tmp_path):
    expect_error(capsys, ["fit", csv_data, "-o", tmp_path / "m", "--latent-dim", 7], "larger than the input")
    assert not (tmp_path / "m").exists() and not (tmp_path / "m.partial").exists()


def test_bad_suffix_and_unknown_things(capsys, model_dir, csv_data, tmp_path):
    expect_error(capsys, ["encode", model_dir, csv_data, "-o", tmp_path / "c.txt"], ".npy or .csv")
    expect_error(capsys, ["fit", "no-such-data", "-o", tmp_path / "m2"], "unknown dataset or missing path")
    expect_error(capsys, ["fit", csv_data, "-o", tmp_path / "m2", "--model", "nope"], "unknown model 'nope'")
    expect_error(capsys, ["fit", csv_data, "-o", tmp_path / "m2", "--model-arg", "oops"], "NAME=VALUE")


def test_argparse_errors_exit_2(tmp_path):
    with pytest.raises(SystemExit) as exc:
        run("fit", "digits", "-o", tmp_path / "m", "--latent-dim", 0)
    assert exc.value.code == 2
