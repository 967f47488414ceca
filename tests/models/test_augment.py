"""Random views for consistency objectives (aekit.nn.augment)."""
import torch

from aekit.nn.augment import random_view


def test_views_keep_shape_and_change_the_input_a_little():
    torch.manual_seed(0)
    images = torch.zeros(8, 1, 28, 28)
    images[:, :, 10:18, 10:18] = 1.0  # a square in the middle
    view = random_view(images, 1.0)
    assert view.shape == images.shape and not torch.equal(view, images)
    assert (view - images).abs().mean() < 0.15  # a small warp, not a different image
    table = torch.randn(5, 3)
    assert random_view(table, 1.0).shape == (5, 3)
    assert random_view(images, 0.0) is images  # strength 0: the input itself


def test_views_follow_the_global_seed():
    x = torch.rand(4, 1, 10, 9)
    torch.manual_seed(3)
    a = random_view(x, 1.0)
    torch.manual_seed(3)
    assert torch.equal(a, random_view(x, 1.0))
