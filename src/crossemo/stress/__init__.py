"""Stress tests: trained models scored on perturbed copies of their test audio (noise, codecs,
telephone band, reverberation, gain, clipping, speed, pitch, spectral tilt) and per speaker.

:mod:`crossemo.stress.conditions` is the one grammar of conditions (config -> named, single
settings); it imports nothing heavy, so the plan reads it at every parse."""
