rule apply_label_scheme:
    input:
        unpack(INPUTS.apply_label_scheme),
    output:
        labels=paths.LABELS,
        dropped=paths.LABELS_DROPPED,
    log:
        "logs/apply_label_scheme/{scheme}/{corpus}.log",
    benchmark:
        "benchmarks/apply_label_scheme/{scheme}/{corpus}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    params:
        has_filter=PARAMS.has_filter,
        provenance=PARAMS.provenance,
    script:
        "../workflow/scripts/apply_label_scheme.py"
