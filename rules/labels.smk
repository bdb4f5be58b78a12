rule apply_label_scheme:
    input:
        unpack(lambda wildcards: PLAN.label_inputs(wildcards.scheme, wildcards.corpus)),
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
        has_filter=lambda wildcards: wildcards.corpus in PLAN.filtered_corpora,
        provenance=lambda wildcards: PLAN.manifest_provenance(wildcards.corpus),
    script:
        "../workflow/scripts/apply_label_scheme.py"
