"""benchmarks/onehot_seeds.py: the benchmark's onehot estimator, scored after every epoch."""
import dataclasses

from bench_scripts import load_script

generative = load_script("generative")
onehot_seeds = load_script("onehot_seeds")


def test_run_seed_scores_every_epoch_until_stop_and_restores_the_trainer(tmp_path):
    import aekit.train

    plain = aekit.train.Trainer
    settings = dataclasses.replace(generative.QUICK, train_size=300, test_size=100)
    run = generative.DatasetRun("digits", settings, 3, tmp_path)
    result = onehot_seeds.run_seed(run, lr=1e-3, stop=2)
    assert (result["seed"], result["lr"], result["stop"]) == (3, 1e-3, 2)
    assert result["style_dim"] == settings.style_dim_digits  # the style code digits is trained with
    assert [e["epoch"] for e in result["epochs"]] == [1, 2]  # stopped before the schedule's 8 epochs
    assert all(0 <= e["accuracy"] <= 1 and e["val_loss"] > 0 for e in result["epochs"])
    assert aekit.train.Trainer is plain


def test_results_file_keeps_runs_and_refreshes_what_describes_it(tmp_path):
    path = tmp_path / "seeds.json"
    assert onehot_seeds.read_results(path)["runs"] == []
    path.write_text('{"runs": [{"seed": 1}], "epochs_of_schedule": 99}')
    results = onehot_seeds.read_results(path)
    assert results["runs"] == [{"seed": 1}]
    assert results["epochs_of_schedule"] == generative.Settings().large.cluster_epochs


def test_main_skips_runs_already_recorded_and_reads_old_ones_as_without_style_code(tmp_path, monkeypatch):
    path = tmp_path / "seeds.json"
    path.write_text('{"runs": [{"seed": 0, "lr": 0.002, "stop": 2, "epochs": []}]}')  # recorded before --style-dim

    def no_training(*args, **kwargs):
        raise AssertionError("a recorded run was trained again")

    monkeypatch.setattr(onehot_seeds, "run_seed", no_training)
    monkeypatch.setattr(onehot_seeds, "DatasetRun", no_training)
    results = onehot_seeds.main(["--seeds", "0", "--stop", "2", "--lr", "0.002", "--style-dim", "0",
                                 "--output", str(path)])
    assert len(results["runs"]) == 1
