rule ingest_corpus:
    input:
        root=INPUTS.corpus_root,
    output:
        manifest=ensure(
            paths.renamed(paths.MANIFEST, corpus="scanned_corpus"), non_empty=True
        ),
        rejects=paths.renamed(paths.MANIFEST_REJECTS, corpus="scanned_corpus"),
    log:
        "logs/ingest_corpus/{scanned_corpus}.log",
    benchmark:
        "benchmarks/ingest_corpus/{scanned_corpus}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: RESOURCES.io_threads
    params:
        adapter=PARAMS.adapter,
        adapter_module=PARAMS.adapter_module,
        root=PARAMS.root,
        options=PARAMS.adapter_options,
    script:
        "../workflow/scripts/ingest_corpus.py"


localrules:
    make_corpus_fingerprints,


rule checksum_corpus:
    input:
        manifest=paths.MANIFEST,
    output:
        checksums=ensure(paths.SOURCE_CHECKSUMS, non_empty=True),
    log:
        "logs/checksum_corpus/{corpus}.log",
    benchmark:
        "benchmarks/checksum_corpus/{corpus}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: RESOURCES.io_threads
    script:
        "../workflow/scripts/checksum_corpus.py"


rule make_corpus_fingerprints:
    input:
        manifests=PLAN.manifests(),
        checksums=PLAN.source_checksums(),
    output:
        table=paths.CORPUS_FINGERPRINTS,
        page=table_page(
            paths.CORPUS_FINGERPRINTS,
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
