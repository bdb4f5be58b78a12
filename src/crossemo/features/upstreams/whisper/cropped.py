"""Whisper's encoder on cropped input: each utterance's log-mel computed alone and the encoder
cut after its frames (positions ``0 .. T-1``, attention masked to each row's own frames).

Written once here, used by the ``packing: cropped`` features
(:mod:`~crossemo.features.upstreams.whisper.features`), the fine-tuning's cropped batches
(:mod:`~crossemo.features.upstreams.whisper.inputs`, :mod:`crossemo.models.whisper_classifier`)
and frozen heads on a converted Whisper (:mod:`crossemo.models.frozen`). An utterance gets the
same hidden states in any batch as alone: its log-mel sees only its own samples (Whisper's
reflect padding at both ends, its own peak), the convolutions see zeros past its end in both
cases, and no frame attends to padding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FRAME_SAMPLES = 320  # one encoder frame: 20 ms at 16 kHz
N_FFT, HOP = 400, 160  # Whisper's log-mel: 25 ms windows every 10 ms


def frame_count(n_samples: int) -> int:
    """Encoder frames (20 ms) of ``n_samples`` samples: at least one."""
    return max(1, -(-int(n_samples) // FRAME_SAMPLES))


def cropped_log_mel(waves: Sequence[np.ndarray], filters: np.ndarray
                    ) -> tuple[np.ndarray, list[int]]:  # fmt: skip
    """Log-mel ``[B, n_mels, 2 * max frames]`` float32 of each wave alone (zero-padded to whole
    encoder frames, Whisper's reflect padding and floor 8 below its own peak; zero past its
    frames), in one batched STFT, and each wave's encoder frames; ``filters`` ``[n_mels, 201]``."""
    import torch

    frames = [frame_count(len(w)) for w in waves]
    longest = max(frames)
    audio = np.zeros((len(waves), longest * FRAME_SAMPLES + N_FFT), dtype=np.float32)
    for i, (w, n) in enumerate(zip(waves, frames, strict=True)):
        own = np.zeros(n * FRAME_SAMPLES, dtype=np.float32)
        own[: len(w)] = w
        audio[i, : len(own) + N_FFT] = np.pad(own, N_FFT // 2, mode="reflect")
    stft = torch.stft(torch.from_numpy(audio), N_FFT, HOP, window=torch.hann_window(N_FFT),
                      center=False, return_complex=True)  # fmt: skip
    power = (stft[..., : 2 * longest].abs() ** 2).contiguous()
    spec = (torch.from_numpy(np.ascontiguousarray(filters)) @ power).clamp(min=1e-10).log10()
    valid = torch.arange(2 * longest)[None, :] < 2 * torch.tensor(frames)[:, None]
    peak = spec.masked_fill(~valid[:, None], -torch.inf).amax(dim=(1, 2), keepdim=True)
    mel = ((torch.maximum(spec, peak - 8.0) + 4.0) / 4.0).masked_fill(~valid[:, None], 0.0)
    return mel.numpy(), frames


def padding_mask(lengths, frames: int, dtype, device=None):
    """Additive attention mask ``[B, 1, 1, frames]`` that hides each row's frames past its
    length (None when no row is padded)."""
    import torch

    lengths = torch.as_tensor(lengths, device=device)
    if bool((lengths >= frames).all()):
        return None
    padding = torch.arange(frames, device=device)[None, :] >= lengths[:, None]
    mask = torch.zeros(padding.shape, dtype=dtype, device=device)
    return mask.masked_fill(padding, torch.finfo(dtype).min)[:, None, None, :]


def encoder_states(encoder, mel, lengths=None, keep: Sequence[int] | None = None) -> list:
    """Hidden states of a ``transformers`` Whisper ``encoder`` on log-mel ``mel`` ``[B, n_mels,
    2T]`` of any length up to a window: Whisper's own forward, positions cut to the input.
    State ``0`` is conv + positions, ``i`` layer i's output, the last layer-normed (as
    ``output_hidden_states``); ``keep`` (default: every one) picks which are returned, in
    order. With ``lengths`` (valid encoder frames per row), no frame attends to padding."""
    import torch.nn.functional as F

    wanted = range(len(encoder.layers) + 1) if keep is None else list(keep)
    last = len(encoder.layers)
    x = F.gelu(encoder.conv1(mel))
    x = F.gelu(encoder.conv2(x)).permute(0, 2, 1)
    x = x + encoder.embed_positions.weight[: x.shape[1]]
    x = F.dropout(x, p=encoder.dropout, training=encoder.training)
    mask = None if lengths is None else padding_mask(lengths, x.shape[1], x.dtype, x.device)
    states = {0: x} if 0 in wanted else {}
    for i, layer in enumerate(encoder.layers, start=1):
        if i > max(wanted):
            break
        x = layer(x, mask)
        if i in wanted:
            states[i] = encoder.layer_norm(x) if i == last else x
    return [states[i] for i in wanted]


def length_batches(frames: Sequence[int], budget: int) -> list[list[int]]:
    """Indices of ``frames`` in batches of similar lengths: sorted by length, each batch as
    many as fit ``rows x longest <= budget`` frames (at least one)."""
    order = sorted(range(len(frames)), key=lambda i: (frames[i], i))
    batches: list[list[int]] = []
    for i in order:
        if batches and (len(batches[-1]) + 1) * frames[i] <= budget:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches
