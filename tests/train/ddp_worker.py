"""Run by tests/train/test_ddp.py under torchrun: trains, then saves this rank's weights."""
import sys

import numpy as np
import torch
import torch.distributed as dist

from aekit.registry import create_model
from aekit.train import Trainer

out_dir = sys.argv[1]
rng = np.random.default_rng(0)
X = rng.normal(size=(256, 8)).astype(np.float32)
torch.manual_seed(dist.get_rank() if dist.is_initialized() else 0)  # different init per rank on purpose
model = create_model("ae", input_shape=(8,), latent_dim=3, hidden=[16])
trainer = Trainer(epochs=3, batch_size=32, progress=False, seed=0, patience=None, lr_schedule="none")
history = trainer.fit(model, X)
rank = dist.get_rank()
np.save(f"{out_dir}/weights-{rank}.npy", torch.cat([p.detach().flatten() for p in model.parameters()]).numpy())
np.save(f"{out_dir}/steps-{rank}.npy", np.array([trainer.world, len(history)]))
dist.destroy_process_group()
