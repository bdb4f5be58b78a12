"""Neural models: fine-tuning of HF audio encoders, LR cross-validation, frozen features + heads,
block expansion (ExHuBERT) and speech+text (HuBERT+BERT). Heavy imports live inside functions."""
