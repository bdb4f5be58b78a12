# StrEmo from its spreadsheet: download each video's audio once (yt-dlp), then cut the
# clips and write the corpus manifest. Downloaded WAVs live in results/strEmo/{corpus}/audio, a
# cache that is not a declared output (Snakemake would delete it before a rerun): a rerun, e.g.
# `--forcerun download_videos` to retry missing videos, downloads only what is not there yet.


rule download_videos:
    input:
        sheet=lambda wildcards: PLAN.sheet_input(wildcards.corpus),
    output:
        status=ensure("results/downloads/{corpus}.status.parquet", non_empty=True),
        table=report(
            "results/tables/download_status_{corpus}.csv",
            caption="../workflow/report/download_status.rst",
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
        mem_mb=1000,
    params:
        sheet=lambda wildcards: inline_json(
            config["corpora"][wildcards.corpus]["sheet"]
        ),
        audio_dir="results/strEmo/{corpus}/audio",
        settings=lambda wildcards: inline_json(PLAN.download_settings(wildcards.corpus)),
        serve_dir=lambda wildcards: inline_json(
            PLAN.download_serve_dir(wildcards.corpus)
        ),
    script:
        "../workflow/scripts/download_videos.py"


rule segment_clips:
    input:
        sheet=lambda wildcards: PLAN.sheet_input(wildcards.corpus),
        status="results/downloads/{corpus}.status.parquet",
    output:
        manifest=ensure("results/manifests/{corpus}.parquet", non_empty=True),
        rejects="results/manifests/{corpus}.rejects.parquet",
        overlaps="results/tables/overlaps_{corpus}.csv",
        clips=directory("results/strEmo/{corpus}/clips"),
    log:
        "logs/segment_clips/{corpus}.log",
    benchmark:
        "benchmarks/segment_clips/{corpus}.tsv"
    wildcard_constraints:
        corpus=_alternatives(PLAN.sheet_corpora),
    conda:
        "../envs/download.yaml"
    threads: 2
    resources:
        mem_mb=2000,
    params:
        sheet=lookup(dpath="corpora/{corpus}/sheet", within=config),
        tolerance_s=lookup(
            dpath="corpora/{corpus}/clip_tolerance_s", within=config, default=0.5
        ),
    script:
        "../workflow/scripts/segment_clips.py"
