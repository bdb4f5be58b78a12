"""Reject reasons: the stable slugs in the ``reason`` column of reject tables, defined once.

Ingestion (``results/manifests/{corpus}.rejects.parquet``), preprocessing (the shards' rejects)
and anything else that refuses an input (``crossemo predict``) import these names instead of
spelling the strings, so a reason means the same thing wherever it appears.
"""

from __future__ import annotations

# -- finding files (crossemo.corpora.base) ------------------------------------------------------
#: a macOS AppleDouble ``._name`` file or anything under ``__MACOSX/``: metadata, not audio
MACOS_RESOURCE_FORK = "macos_resource_fork"
#: a folder (or file) the walk could not list or read (permissions, I/O error)
UNREADABLE = "unreadable"
#: a symbolic link whose target does not exist
BROKEN_LINK = "broken_link"
#: a folder reached again through a symbolic link to one of its own ancestors
SYMLINK_LOOP = "symlink_loop"
#: a folder reached a second time through another symbolic link (its files are listed once)
DUPLICATE_FOLDER = "duplicate_folder"
#: a second copy of a file (same name, another folder); the detail names the copy kept
DUPLICATE_FILE = "duplicate_file"
#: two inputs the adapter gives the same utterance id
DUPLICATE_UTT_ID = "duplicate_utt_id"

# -- reading names and sheets (corpus adapters) --------------------------------------------------
UNPARSABLE_NAME = "unparsable_name"
UNKNOWN_EMOTION_CODE = "unknown_emotion_code"
UNKNOWN_SPEAKER = "unknown_speaker"
UNKNOWN_LABEL = "unknown_label"
NO_LABEL = "no_label"
NO_SPEAKER = "no_speaker"
NO_AUDIO_FOR_LABEL = "no_audio_for_label"
MISSING_PATH = "missing_path"
VOCAL_CHANNEL_EXCLUDED = "vocal_channel_excluded"
#: an utterance id holding a marker the pipeline reserves (crossemo.core.names.RESERVED_ID_MARKERS,
#: e.g. the augmented-copy marker ``#aug``); the detail names the marker
RESERVED_ID_MARKER = "reserved_id_marker"
#: a file under no folder whose label sheet the corpus holds (MELD's ``<split>_sent_emo.csv``,
#: MER2023's ``<subset>-label.csv`` absent, or a folder no sheet is for); the detail names it
NO_LABEL_SHEET = "no_label_sheet"
#: a sheet's audio path that leads outside the corpus root (``..`` or absolute) while the
#: adapter's ``allow_outside_root`` option is off
OUTSIDE_ROOT = "outside_root"
#: a file whose name and folder give different labels (an EmoV-DB ``anger_...`` file under
#: ``sam_Amused/``, an eNTERFACE ``s1_an_1.avi`` under ``fear/``); the detail names both
CONFLICTING_LABEL = "conflicting_label"
#: a copy made from a corpus's recordings, not one the publisher ships as a recording (audio
#: extracted from eNTERFACE's videos); the detail names the publisher's form
DERIVED_COPY = "derived_copy"

# -- segment times --------------------------------------------------------------------------------
#: a time cell that is not a number
BAD_TIME = "bad_time"
#: a time that is NaN or infinite
NON_FINITE_TIME = "non_finite_time"
#: a time below 0
NEGATIVE_TIME = "negative_time"
#: ``end <= start``
EMPTY_SEGMENT = "empty_segment"
#: ``start`` at or past the end of the audio
SEGMENT_OUT_OF_RANGE = "segment_out_of_range"
#: ``end`` past the end of the audio (beyond ``crossemo.corpora.base.END_TOLERANCE_S``)
END_BEYOND_FILE = "end_beyond_file"

# -- audio files (crossemo.audio.decode) ---------------------------------------------------------
MISSING_FILE = "missing_file"
EMPTY_FILE = "empty_file"
TRUNCATED = "truncated"
NO_AUDIO_FRAMES = "no_audio_frames"
NOT_AUDIO = "not_audio"
#: a path that is not a regular file (a FIFO, socket, device or directory): never opened, since
#: reading a FIFO or a device can block forever
NOT_REGULAR_FILE = "not_regular_file"
#: a header sample rate outside [MIN_SAMPLE_RATE, MAX_SAMPLE_RATE] of crossemo.audio.decode
#: (a broken or forged header: resampling it would make minutes of garbage from a few bytes)
BAD_SAMPLE_RATE = "bad_sample_rate"

# -- StrEmo sheet rows (crossemo.strEmo.sheet) -----------------------------------------------------
#: an empty Video_Id cell
MISSING_VIDEO_ID = "missing_video_id"
#: a Video_Id that is not 11 characters of ``[A-Za-z0-9_-]`` (never put in a URL, path or command)
INVALID_VIDEO_ID = "invalid_video_id"
#: a clip time cell that is no time: malformed text, a negative number, a calendar date
INVALID_TIME = "invalid_time"
#: Clip Time From equal to Clip Time To
ZERO_LENGTH = "zero_length"
#: Clip Time To before Clip Time From
INVERTED_SEGMENT = "inverted_segment"
#: a second row whose Filename gives the same clip id
DUPLICATE_CLIP = "duplicate_clip"
#: a video the status table lists as downloaded whose WAV is gone
VIDEO_MISSING_FILE = "video_missing_file"
#: a clip of a video that did not download: this prefix and the download status (below)
VIDEO_NOT_OK_PREFIX = "video_"

# -- video downloads (crossemo.strEmo.download statuses; a clip of such a video is video_<status>)
#: no complete download within the per-video deadline (config ``download.timeout_s``); a download
#: that decodes shorter than its source's duration (yt-dlp's info, the container header) is
#: :data:`TRUNCATED`
TIMED_OUT = "timed_out"

# -- audio content (crossemo.audio.checks, crossemo.audio.preprocess) ----------------------------
#: samples that are NaN or infinite (a broken float WAV)
NON_FINITE_SAMPLES = "non_finite_samples"
#: no sample reaches the absolute silence level (all-zero or near-zero audio)
SILENT = "silent"
TOO_SHORT = "too_short"
TOO_LONG = "too_long"
#: more of the stored samples at full scale than ``preprocess.max_clipping_share`` allows
CLIPPING = "clipping"
#: an unexpected error while decoding, cutting or processing one utterance (detail: the error)
PROCESSING_FAILED = "processing_failed"

# -- EmoBox corpus adapters -----------------------------------------------------------------------
#: a file whose name's emotion code and the emotion folder it sits in disagree (which is right
#: cannot be told; the detail names both)
LABEL_CONFLICT = "label_conflict"
#: a file that looks like the corpus but is another modality or a derived copy (a video track's
#: audio beside the publisher's speech files, a processed copy); the detail names which
NOT_A_RECORDING = "not_a_recording"
