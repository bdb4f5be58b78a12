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


localrules:
    make_corpus_fingerprints,


rule checksum_corpus:
    input:
        manifest="results/manifests/{corpus}.parquet",
    output:
        checksums=ensure("results/manifests/{corpus}.checksums.parquet", non_empty=True),
    log:
        "logs/checksum_corpus/{corpus}.log",
    benchmark:
        "benchmarks/checksum_corpus/{corpus}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 2
    script:
        "../workflow/scripts/checksum_corpus.py"


rule make_corpus_fingerprints:
    input:
        manifests=PLAN.manifests(),
        checksums=PLAN.source_checksums(),
    output:
        table=report(
            "results/tables/corpus_fingerprints.csv",
            caption="../workflow/report/corpus_fingerprints.rst",
            category="Data accounting",
            labels={"table": "corpus fingerprints"},
        ),
    log:
        "logs/make_corpus_fingerprints/all.log",
    conda:
        "../envs/audio.yaml"
    threads: 1
    params:
        corpora=PLAN.corpora,
    script:
        "../workflow/scripts/make_corpus_fingerprints.py"
