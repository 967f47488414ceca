"""`aekit demo --quick`: the main job's whole pipeline on a small subset."""
import json

import pytest

from aekit import data
from aekit.apps.demo import run_demo


def fashion_mnist_ready() -> bool:
    return next(d for d in data.list_datasets() if d["name"] == "fashion-mnist")["available"]


@pytest.mark.slow
@pytest.mark.skipif(not fashion_mnist_ready(), reason="Fashion-MNIST is not installed (make data) or cached")
def test_quick_demo_writes_everything(tmp_path):
    out = tmp_path / "demo"
    results = run_demo(out, quick=True, progress=False, log=lambda *a: None)
    assert sorted(p.name for p in out.iterdir()) == [
        "code_maps.png", "loss.png", "model", "reconstructions.png", "report.html", "results.json"]
    saved = json.loads((out / "results.json").read_text())
    assert saved["test_mse"] == results["test_mse"]
    # Even the small run must learn something: it beats predicting the mean image by far.
    assert results["test_mse"]["autoencoder"] < 0.05
    for k in ("10", "100"):
        assert set(results["few_labels"][k]) == {"autoencoder", "pca", "pixels"}
        assert all(0.1 < v["mean"] <= 1 for v in results["few_labels"][k].values())
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3 and "auto-encoder" in html
    # Running again replaces the folder whole.
    run_demo(out, quick=True, progress=False, log=lambda *a: None)
    assert [p.name for p in tmp_path.iterdir()] == ["demo"]
