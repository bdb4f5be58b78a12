rule ingest_corpus:
    input:
        root=lambda wildcards: PLAN.corpus_root_input(wildcards.scanned_corpus),
    output:
        manifest=ensure("results/manifests/{scanned_corpus}.parquet", non_empty=True),
        rejects="results/manifests/{scanned_corpus}.rejects.parquet",
    log:
        "logs/ingest_corpus/{scanned_corpus}.log",
    benchmark:
        "benchmarks/ingest_corpus/{scanned_corpus}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 2
    params:
        adapter=lookup(dpath="corpora/{scanned_corpus}/adapter", within=config),
        root=lookup(dpath="corpora/{scanned_corpus}/root", within=config),
        options=lookup(
            dpath="corpora/{scanned_corpus}/options", within=config, default={}
        ),
    script:
        "../workflow/scripts/ingest_corpus.py"
