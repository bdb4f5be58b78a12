"""Audio decoding, preprocessing and shard I/O."""
