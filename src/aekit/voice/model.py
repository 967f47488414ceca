"""Voice conversion by disentangled codes (AdaIN-VC: Chou, Yeh & Lee, Interspeech 2019).

    source mel (B, 80, T) --content encoder (instance norm, narrow)--> content (B, 16, T)
    reference mel (B, 80, T') --speaker encoder--> mean over time --> speaker (B, 128)
    content + speaker --decoder (AdaIN: scale and shift from the speaker code)--> mel (B, 80, T)

Instance normalisation without learned affine parameters removes each channel's mean and
spread over time — global properties of the voice — so the content code keeps what
changes within an utterance: what is said. The narrow content code (16 channels), read as
the mean of a unit-variance Gaussian (noise added in training, a KL penalty on the mean, as
in AdaIN-VC), squeezes out the rest. With ``content_stride`` r > 1 the code also keeps one
frame per r mel frames (averaged; the decoder repeats it r times), AutoVC's other squeeze
(Qian et al., ICML 2019): speech sounds last several frames, a voice's fine detail does not.
The decoder gets the voice back only through AdaIN. During training the speaker code comes
from a *different* utterance of the same speaker, so it cannot carry the words. To convert,
combine one utterance's content with another speaker's code.

Optionally (``content_codebook`` K > 0) the content code is vector-quantised instead: each
code frame is snapped to the nearest of K learned vectors (VQ-VAE's bottleneck, as VQVC: Wu &
Lee, ICASSP 2020, and VQVC+), so a frame can say no more than which of K units it is
(log2 K bits), and the codebook tends to learn sound units. Noise and KL give way to
VQ-VAE's commitment loss; the codebook follows its assignments by moving averages.

Optionally (``adversary_weight > 0``) a speaker classifier reads the content code and the
content encoder is trained to leave it guessing (Chou, Yeh, Lee & Lee, Interspeech 2018:
"adversarially learning disentangled audio representations"): whatever still tells the
speaker apart in the content code is pushed out, so the decoder must take the voice from
the speaker code.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call
from torch.nn import functional as F

from aekit.nn.quantize import VectorQuantizer

COMMITMENT = 0.25  # VQ-VAE's beta: how hard the content encoder is pulled towards its codes


def _conv(cin: int, cout: int, kernel: int) -> nn.Conv1d:
    return nn.Conv1d(cin, cout, kernel, padding=kernel // 2)


class AdaIN(nn.Module):
    """Normalise each channel over time, then scale and shift it from a conditioning vector."""

    def __init__(self, channels: int, cond_dim: int):
        super().__init__()
        self.affine = nn.Linear(cond_dim, 2 * channels)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        scale, shift = self.affine(cond).unsqueeze(-1).chunk(2, dim=1)  # (B, C, 1) each
        return F.instance_norm(x) * (1 + scale) + shift


class ContentEncoder(nn.Module):
    def __init__(self, n_mels: int, channels: int, content_dim: int, blocks: int, kernel: int, stride: int = 1):
        super().__init__()
        self.inp = _conv(n_mels, channels, kernel)
        self.blocks = nn.ModuleList(_conv(channels, channels, kernel) for _ in range(blocks))
        self.out = _conv(channels, content_dim, 1)
        self.stride = stride

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        h = F.relu(F.instance_norm(self.inp(mel)))
        for conv in self.blocks:
            h = h + F.relu(F.instance_norm(conv(h)))
        code = self.out(h)  # (B, content_dim, T): the mean of a unit-variance Gaussian code
        if self.stride > 1:  # one code frame per ``stride`` mel frames (the last one may average fewer)
            code = F.avg_pool1d(code, self.stride, ceil_mode=True)
        return code  # (B, content_dim, ceil(T / stride))


class SpeakerEncoder(nn.Module):
    def __init__(self, n_mels: int, channels: int, speaker_dim: int, blocks: int, kernel: int):
        super().__init__()
        self.inp = _conv(n_mels, channels, kernel)
        self.blocks = nn.ModuleList(_conv(channels, channels, kernel) for _ in range(blocks))
        self.out = nn.Linear(channels, speaker_dim)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.inp(mel))
        for conv in self.blocks:
            h = h + F.relu(conv(h))
        return self.out(h.mean(dim=2))  # (B, speaker_dim): pooled over time


class Decoder(nn.Module):
    def __init__(self, n_mels: int, channels: int, content_dim: int, speaker_dim: int, blocks: int, kernel: int,
                 stride: int = 1):
        super().__init__()
        self.inp = _conv(content_dim, channels, kernel)
        self.blocks = nn.ModuleList(_conv(channels, channels, kernel) for _ in range(blocks))
        self.norms = nn.ModuleList(AdaIN(channels, speaker_dim) for _ in range(blocks))
        self.out = _conv(channels, n_mels, 1)
        self.stride = stride

    def forward(self, content: torch.Tensor, speaker: torch.Tensor, frames: int | None = None) -> torch.Tensor:
        """Mel frames (B, n_mels, ``frames``) from content codes (B, content_dim, T / stride);
        ``frames`` defaults to stride x the code frames."""
        if self.stride > 1:  # each code frame stands for ``stride`` mel frames
            content = content.repeat_interleave(self.stride, dim=2)[..., :frames]
        h = F.relu(self.inp(content))
        for conv, norm in zip(self.blocks, self.norms):
            h = h + F.relu(norm(conv(h), speaker))
        return self.out(h)  # (B, n_mels, T)


class SpeakerAdversary(nn.Module):
    """Guesses the training speaker from a content code: convolutions, then the mean over time."""

    def __init__(self, content_dim: int, channels: int, n_speakers: int, kernel: int):
        super().__init__()
        self.convs = nn.Sequential(_conv(content_dim, channels, kernel), nn.ReLU(),
                                   _conv(channels, channels, kernel), nn.ReLU())
        self.out = nn.Linear(channels, n_speakers)

    def forward(self, content: torch.Tensor) -> torch.Tensor:
        return self.out(self.convs(content).mean(dim=2))  # (B, n_speakers) logits


class VoiceConverter(nn.Module):
    """Content + speaker auto-encoder over normalised log-mel frames."""

    def __init__(self, n_mels: int = 80, channels: int = 192, content_dim: int = 16, speaker_dim: int = 128,
                 blocks: int = 4, kernel: int = 5, kl_weight: float = 0.01, adversary_weight: float = 0.0,
                 n_speakers: int = 0, content_stride: int = 1, content_codebook: int = 0):
        super().__init__()
        if content_codebook == 1 or content_codebook < 0:
            raise ValueError(f"content_codebook must be 0 (continuous code) or >= 2, got {content_codebook}")
        if adversary_weight < 0:
            raise ValueError(f"adversary_weight must be >= 0, got {adversary_weight}")
        if content_stride < 1:
            raise ValueError(f"content_stride must be >= 1, got {content_stride}")
        if adversary_weight > 0 and n_speakers < 2:
            raise ValueError("a speaker adversary needs n_speakers >= 2")
        self.config = {"n_mels": n_mels, "channels": channels, "content_dim": content_dim,
                       "speaker_dim": speaker_dim, "blocks": blocks, "kernel": kernel, "kl_weight": kl_weight,
                       "adversary_weight": adversary_weight, "n_speakers": n_speakers}
        if content_stride > 1:  # only then, so that models saved before the option load unchanged
            self.config["content_stride"] = content_stride
        if content_codebook:
            self.config["content_codebook"] = content_codebook
        self.kl_weight = kl_weight
        self.adversary_weight = adversary_weight
        self.content_encoder = ContentEncoder(n_mels, channels, content_dim, blocks, kernel, content_stride)
        self.speaker_encoder = SpeakerEncoder(n_mels, channels, speaker_dim, blocks, kernel)
        self.decoder = Decoder(n_mels, channels, content_dim, speaker_dim, blocks, kernel, content_stride)
        self.adversary = SpeakerAdversary(content_dim, channels, n_speakers, kernel) if adversary_weight > 0 else None
        self.quantizer = VectorQuantizer(content_codebook, content_dim) if content_codebook else None
        # Per-band statistics of the training log-mels, set before training, saved with the weights.
        self.register_buffer("mel_mean", torch.zeros(n_mels))
        self.register_buffer("mel_std", torch.ones(n_mels))

    def normalise(self, log_mel: torch.Tensor) -> torch.Tensor:
        return (log_mel - self.mel_mean[:, None]) / self.mel_std[:, None]

    def denormalise(self, mel: torch.Tensor) -> torch.Tensor:
        return mel * self.mel_std[:, None] + self.mel_mean[:, None]

    def content_codes(self, mel: torch.Tensor) -> dict:
        """``content`` (B, content_dim, T / stride): the code the decoder reads. With a codebook
        also ``content_raw`` (the encoder's output before quantisation) and ``units`` (B, T / stride),
        each code frame's codebook index."""
        code = self.content_encoder(mel)
        if self.quantizer is None:
            return {"content": code}
        q = self.quantizer(code.transpose(1, 2))
        return {"content": q["z_q"].transpose(1, 2), "content_raw": code, "units": q["indices"]}

    def encode(self, mel: torch.Tensor, reference: torch.Tensor) -> dict:
        return {**self.content_codes(mel), "speaker": self.speaker_encoder(reference)}

    def forward(self, mel: torch.Tensor, reference: torch.Tensor) -> dict:
        """Normalised mels (B, n_mels, T) and (B, n_mels, T') of the same speaker."""
        codes = self.encode(mel, reference)
        content = codes["content"]
        if self.training and self.quantizer is None:
            content = content + torch.randn_like(content)
        return {"x_hat": self.decoder(content, codes["speaker"], mel.shape[2]), **codes}

    def loss(self, mel: torch.Tensor, out: dict, speaker: torch.Tensor | None = None) -> dict:
        """Reconstruction + KL (or, with a codebook, commitment); with an adversary and the
        ``speaker`` ids, its two terms too."""
        recon = F.l1_loss(out["x_hat"], mel)
        if self.quantizer is None:
            kl = out["content"].pow(2).mean()
            parts = {"loss": recon + self.kl_weight * kl, "recon": recon.detach(), "kl": kl.detach()}
        else:
            parts = self._codebook_terms(recon, out)
        if self.adversary is not None and speaker is not None:
            parts = self._adversary_terms(out["content"], speaker, parts)
        return parts

    def _codebook_terms(self, recon: torch.Tensor, out: dict) -> dict:
        z_e, z_q = out["content_raw"].transpose(1, 2), out["content"].transpose(1, 2)
        commit = self.quantizer.loss_terms(z_e, z_q, out["units"])["commit"]
        stats = self.quantizer.stats(out["units"])
        return {"loss": recon + COMMITMENT * commit, "recon": recon.detach(), "commit": commit.detach(),
                "perplexity": stats["perplexity"], "usage": stats["usage"]}

    def _adversary_terms(self, content: torch.Tensor, speaker: torch.Tensor, parts: dict) -> dict:
        # The classifier learns from a detached code, so only it improves at guessing ...
        guess = F.cross_entropy(self.adversary(content.detach()), speaker)
        # ... and the encoder is pushed towards codes it finds uniform, through frozen classifier
        # weights, so the classifier is not taught to be uncertain. Bounded, unlike a reversed CE.
        frozen = {name: p.detach() for name, p in self.adversary.named_parameters()}
        log_p = F.log_softmax(functional_call(self.adversary, frozen, (content,)), dim=1)
        confusion = -log_p.mean()  # cross-entropy to the uniform distribution: log(n) at best
        parts["loss"] = parts["loss"] + guess + self.adversary_weight * confusion
        parts.update(adversary=guess.detach(), confusion=confusion.detach())
        return parts
