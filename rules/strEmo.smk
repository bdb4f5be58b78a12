# StrEmo from its spreadsheet: download each video's audio once (yt-dlp), then cut the
# clips and write the corpus manifest. Downloaded WAVs live in results/strEmo/{corpus}/audio, a
# cache that is not a declared output (Snakemake would delete it before a rerun): a rerun, e.g.
# `--forcerun download_videos` to retry missing videos, downloads only what is not there yet.


rule download_videos:
    input:
        sheet=INPUTS.sheet,
    output:
        status=ensure(paths.DOWNLOAD_STATUS, non_empty=True),
        table=paths.DOWNLOAD_STATUS_TABLE,
        page=table_page(
            paths.DOWNLOAD_STATUS_TABLE,
            category="Data accounting",
            labels={"table": "download status", "corpus": "{corpus}"},
        ),
    log:
        "logs/download_videos/{corpus}.log",
    benchmark:
        "benchmarks/download_videos/{corpus}.tsv"
    wildcard_constraints:
        corpus=_alternatives(PLAN.sheet_corpora),
    conda:
        "../envs/download.yaml"
    threads: 1
    resources:
        mem_mb=RESOURCES.download_mem_mb,
    params:
        sheet=PARAMS.sheet,
        audio_dir=paths.DOWNLOAD_AUDIO,
        settings=PARAMS.download_settings,
        serve_dir=PARAMS.download_serve_dir,
    script:
        "../workflow/scripts/download_videos.py"


rule segment_clips:
    input:
        sheet=INPUTS.sheet,
        status=paths.DOWNLOAD_STATUS,
    output:
        manifest=ensure(paths.MANIFEST, non_empty=True),
        rejects=paths.MANIFEST_REJECTS,
        overlaps=paths.OVERLAPS,
        clips=directory(paths.CLIPS),
    log:
        "logs/segment_clips/{corpus}.log",
    benchmark:
        "benchmarks/segment_clips/{corpus}.tsv"
    wildcard_constraints:
        corpus=_alternatives(PLAN.sheet_corpora),
    conda:
        "../envs/download.yaml"
    threads: RESOURCES.io_threads
    resources:
        mem_mb=RESOURCES.shard_mem_mb,
    params:
        sheet=PARAMS.clip_sheet,
        tolerance_s=PARAMS.clip_tolerance_s,
    script:
        "../workflow/scripts/segment_clips.py"
