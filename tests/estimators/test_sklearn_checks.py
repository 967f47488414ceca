"""scikit-learn's own estimator checks, on tiny epochs."""
from sklearn.utils.estimator_checks import parametrize_with_checks

from aekit import AutoEncoder


def tiny(**kw):
    return AutoEncoder(latent_dim=1, hidden=(4,), epochs=2, batch_size=16, random_state=0, device="cpu", **kw)


@parametrize_with_checks([tiny(), tiny(model="dae", model_kwargs={"noise": "mask", "noise_level": 0.2})])
def test_sklearn_compatible(estimator, check):
    check(estimator)
