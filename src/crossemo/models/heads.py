"""Classification heads on frozen SSL features (iberspeech paper, Sect. 4.2; SUPERB style).

Every head takes ``x [B, L, T, H]`` (L layers, T frames; L = 1 for a single chosen layer, T = 1
for mean-pooled features) and ``mask [B, T]`` and returns logits. With L > 1 a learnt softmax-
weighted sum of the layers comes first (SUPERB). Heads: ``pooling_linear`` (masked mean +
linear), ``cnn_self_attention`` (below), ``ct_transformer`` (class token, 2 layers, 6 heads) and
``superb_base`` (EmoBox's head, :class:`SuperbBase`).

``cnn_self_attention`` follows the iberspeech paper, Sect. 4.2.2: "a fully connected layer that
adapts the size of the input to the size of the network. The architecture consists of a block
repeated twice composed of dropout, five convolutional layers, and a non-linearity ReLU.
Finally, an output block contains the following sequence of layers: dropout, five convolutional
layers, fully connected, ReLU, and a final fully connected layer", with the self-attention
"secondary branch [...] multiplied by the result of the primary one". The paper ran SUPERB
("Experiments were executed in the SUPERB framework"), whose emotion head (s3prl
``downstream/emotion``: projector 256, ``CNNSelfAttention`` hidden 80, kernel 5, average
pooling 5, dropout 0.4) is exactly this sequence with *one* convolution of kernel width 5 per
block: "five convolutional layers" is read as that (``n_conv=1, kernel=5``; ``n_conv=5`` gives
the literal reading, five stacked convolutions per block). The secondary branch is SUPERB's
self-attention pooling: a linear score per frame, softmax over the valid frames, and the
weights multiply the primary branch's frames before they are summed.
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
    """Projector, average pooling, 2 x [dropout, conv, ReLU], [dropout, conv], self-attention
    pooling, FC-ReLU-FC (see the module docstring). Padded frames are zeroed before every
    convolution, so a padded batch computes what each utterance alone would."""

    def __init__(self, dim: int, n_classes: int, n_layers: int = 1, proj_dim: int = 256,
                 hidden: int = 80, kernel: int = 5, pool: int = 5, dropout: float = 0.4,
                 n_conv: int = 1, n_blocks: int = 2):  # fmt: skip
        super().__init__(n_layers)
        if kernel % 2 != 1:
            raise ValueError(f"cnn_self_attention: kernel must be odd (same padding), not {kernel}")
        self.proj = nn.Linear(dim, proj_dim)
        self.pool = int(pool)
        self.avgpool = (nn.AvgPool1d(self.pool, self.pool, padding=self.pool // 2)
                        if self.pool > 1 else None)  # fmt: skip

        def convs(c_in: int) -> list[nn.Module]:
            return [nn.Conv1d(c_in if i == 0 else hidden, hidden, kernel, padding=kernel // 2)
                    for i in range(n_conv)]  # fmt: skip

        self.blocks = nn.ModuleList(
            [nn.Sequential(nn.Dropout(dropout), *convs(proj_dim if b == 0 else hidden), nn.ReLU())
             for b in range(n_blocks)]
        )  # fmt: skip
        self.out_block = nn.Sequential(
            nn.Dropout(dropout), *convs(hidden if n_blocks else proj_dim)
        )
        self.attention = nn.Linear(hidden, 1)  # the secondary (self-attention) branch
        self.out = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

    def pooled_mask(self, mask: torch.Tensor, n_frames: int) -> torch.Tensor:
        """Valid frames after average pooling: as many as pooling the utterance alone gives
        (``ceil(len / pool)``, SUPERB's attention mask), for prefix masks ``[B, T]``."""
        lengths = mask.sum(1)
        if self.avgpool is not None:
            p = self.pool // 2
            lengths = torch.div(lengths + 2 * p - self.pool, self.pool, rounding_mode="floor") + 1
        return torch.arange(n_frames, device=mask.device).unsqueeze(0) < lengths.unsqueeze(1)

    def forward(self, x, mask):
        h = self.proj(self.merge(x))  # [B, T, proj]
        h = (h * mask.unsqueeze(-1).to(h.dtype)).transpose(1, 2)  # [B, proj, T]
        if self.avgpool is not None:
            h = self.avgpool(h)
        pmask = self.pooled_mask(mask, h.shape[-1])
        m = pmask.unsqueeze(1).to(h.dtype)
        h = h * m  # pooled frames an utterance alone would not have (see pooled_mask)
        for block in [*self.blocks, self.out_block]:
            for layer in block:
                h = layer(h)
                if isinstance(layer, nn.Conv1d):
                    h = h * m  # zero padding frames again, as an unpadded sequence would see
        h = h.transpose(1, 2)  # [B, T', hidden]
        scores = self.attention(h).squeeze(-1).masked_fill(~pmask, float("-inf"))
        att = torch.softmax(scores, dim=-1).unsqueeze(-1)
        return self.out((att * h).sum(1))


class SuperbBase(_Head):
    """EmoBox's downstream head, SUPERB's base downstream model (EmoBox
    ``examples/sb/classifier_head.py``, ``SuperbBaseModel``): per frame
    ``relu(Linear(dim, hidden))``, the mean over the valid frames, then ``Linear(hidden,
    n_classes)``; EmoBox's hparams set ``hidden_size: 256``. ``input_norm`` is EmoBox's
    ``--output_norm`` extraction option (``F.layer_norm(out, norm_shape[1:])``, the README's
    example passes it): each frame is layer-normalised without a learnt affine, after the layer
    merge and before the first linear layer."""

    def __init__(self, dim: int, n_classes: int, n_layers: int = 1, hidden: int = 256,
                 input_norm: bool = False):  # fmt: skip
        super().__init__(n_layers)
        self.input_norm = bool(input_norm)
        self.pre_net = nn.Linear(dim, hidden)
        self.post_net = nn.Linear(hidden, n_classes)

    def forward(self, x, mask):
        h = self.merge(x)
        if self.input_norm:
            h = nn.functional.layer_norm(h, h.shape[-1:])
        return self.post_net(masked_mean(torch.relu(self.pre_net(h)), mask))


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
         "ct_transformer": ClassTokenTransformer, "superb_base": SuperbBase}  # fmt: skip


def build_head(name: str, dim: int, n_classes: int, n_layers: int = 1, **kwargs) -> nn.Module:
    if name not in HEADS:
        raise ValueError(f"unknown head {name!r}; one of {sorted(HEADS)}")
    return HEADS[name](dim, n_classes, n_layers=n_layers, **kwargs)
