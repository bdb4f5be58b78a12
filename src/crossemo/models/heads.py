"""Classification heads on frozen SSL features (iberspeech paper, Sect. 4.2; SUPERB style).

Every head takes ``x [B, L, T, H]`` (L layers, T frames; L = 1 for a single chosen layer, T = 1
for mean-pooled features) and ``mask [B, T]`` and returns logits. With L > 1 a learnt softmax-
weighted sum of the layers comes first (SUPERB). Heads: ``pooling_linear`` (masked mean +
linear), ``cnn_self_attention`` (projection, two blocks of dropout + 5 conv + ReLU, attention
pooling, FC-ReLU-FC) and ``ct_transformer`` (class token, 2 layers, 6 heads).
"""

from __future__ import annotations

import torch
from torch import nn


class WeightedLayerSum(nn.Module):
    """Softmax-normalised learnt weights over layers: [B, L, T, H] -> [B, T, H]."""

    def __init__(self, n_layers: int):
        super().__init__()
        self.weights = nn.Parameter(torch.zeros(n_layers))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = torch.softmax(self.weights, dim=0)
        return (x * w.view(1, -1, 1, 1)).sum(dim=1)


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.to(x.dtype).unsqueeze(-1)
    return (x * m).sum(1) / m.sum(1).clamp(min=1.0)


class _Head(nn.Module):
    def __init__(self, n_layers: int):
        super().__init__()
        self.layer_sum = WeightedLayerSum(n_layers) if n_layers > 1 else None

    def merge(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_sum(x) if self.layer_sum is not None else x[:, 0]


class PoolingLinear(_Head):
    def __init__(self, dim: int, n_classes: int, n_layers: int = 1, dropout: float = 0.0):
        super().__init__(n_layers)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(dim, n_classes)

    def forward(self, x, mask):
        return self.out(self.dropout(masked_mean(self.merge(x), mask)))


class CNNSelfAttention(_Head):
    def __init__(self, dim: int, n_classes: int, n_layers: int = 1, hidden: int = 256,
                 kernel: int = 5, dropout: float = 0.4, n_conv: int = 5):  # fmt: skip
        super().__init__(n_layers)
        self.proj = nn.Linear(dim, hidden)

        def block():
            convs = []
            for _ in range(n_conv):
                convs += [nn.Conv1d(hidden, hidden, kernel, padding=kernel // 2), nn.ReLU()]
            return nn.Sequential(nn.Dropout(dropout), *convs)

        self.blocks = nn.ModuleList([block(), block()])
        self.attention = nn.Linear(hidden, 1)
        self.out = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n_classes))  # fmt: skip

    def forward(self, x, mask):
        h = self.proj(self.merge(x))  # [B, T, hidden]
        m = mask.unsqueeze(-1).to(h.dtype)
        h = (h * m).transpose(1, 2)
        for blk in self.blocks:
            h = blk(h) * m.transpose(1, 2)
        h = h.transpose(1, 2)
        scores = self.attention(h).squeeze(-1).masked_fill(~mask.bool(), float("-inf"))
        att = torch.softmax(scores, dim=-1).unsqueeze(-1)
        return self.out((att * h).sum(1))


class ClassTokenTransformer(_Head):
    def __init__(self, dim: int, n_classes: int, n_layers: int = 1, d_model: int = 192,
                 layers: int = 2, heads: int = 6, dropout: float = 0.1,
                 max_frames: int = 4096):  # fmt: skip
        super().__init__(n_layers)
        self.proj = nn.Linear(dim, d_model)
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model))
        self.pos = nn.Parameter(torch.zeros(1, max_frames + 1, d_model))
        nn.init.normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout,
                                           batch_first=True, norm_first=True)  # fmt: skip
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.out = nn.Linear(d_model, n_classes)
        self.max_frames = max_frames

    def forward(self, x, mask):
        h = self.proj(self.merge(x))[:, : self.max_frames]
        mask = mask[:, : self.max_frames].bool()
        h = torch.cat([self.cls.expand(len(h), -1, -1), h], dim=1)
        h = h + self.pos[:, : h.shape[1]]
        pad = torch.cat([torch.zeros_like(mask[:, :1]), ~mask], dim=1)
        h = self.encoder(h, src_key_padding_mask=pad)
        return self.out(self.norm(h[:, 0]))


HEADS = {"pooling_linear": PoolingLinear, "cnn_self_attention": CNNSelfAttention,
         "ct_transformer": ClassTokenTransformer}  # fmt: skip


def build_head(name: str, dim: int, n_classes: int, n_layers: int = 1, **kwargs) -> nn.Module:
    if name not in HEADS:
        raise ValueError(f"unknown head {name!r}; one of {sorted(HEADS)}")
    return HEADS[name](dim, n_classes, n_layers=n_layers, **kwargs)
