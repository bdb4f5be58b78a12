rule apply_label_scheme:
    input:
        unpack(label_inputs),
    output:
        labels="results/labels/{scheme}/{corpus}.parquet",
        dropped="results/labels/{scheme}/{corpus}.dropped.parquet",
    log:
        "logs/apply_label_scheme/{scheme}/{corpus}.log",
    benchmark:
        "benchmarks/apply_label_scheme/{scheme}/{corpus}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    params:
        has_filter=lambda wildcards: bool(corpus_config(wildcards.corpus).get("filter")),
    script:
        "../workflow/scripts/apply_label_scheme.py"
