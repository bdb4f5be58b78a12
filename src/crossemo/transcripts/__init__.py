"""Transcripts of the preprocessed audio, and the filter that compares them with a corpus's own.

* :mod:`~crossemo.transcripts.transcribe` -- Whisper transcription of audio shards;
* :mod:`~crossemo.transcripts.filters` -- the transcript-similarity (CMU-MOSEI) filter.
"""
