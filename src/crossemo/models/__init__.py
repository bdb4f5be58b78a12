"""Models: the family registry (:mod:`crossemo.models.families`, one module and one line per
family, classic and neural behind one contract), the predictions contract every family writes
(:mod:`crossemo.models.predictions`), the classic engine (:mod:`crossemo.models.classic`; its
jobs in :mod:`crossemo.models.classic_engine`), the neural engine (:mod:`crossemo.models.run`:
fine-tuning of HF audio encoders, LR cross-validation, frozen features + heads, block expansion
(ExHuBERT) and speech+text (HuBERT+BERT)) and ``crossemo predict``
(:mod:`crossemo.models.predict`). Heavy imports live inside functions."""
