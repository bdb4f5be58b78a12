rule make_split:
    input:
        unpack(INPUTS.make_split),
    output:
        split=paths.SPLIT,
        audit=paths.SPLIT_AUDIT,
        audit_page=table_page(
            paths.SPLIT_AUDIT,
            category="Data accounting",
            labels={"table": "split audit", "experiment": "{experiment}"},
        ),
    log:
        "logs/make_split/{experiment}.log",
    benchmark:
        "benchmarks/make_split/{experiment}.tsv"
    conda:
        "../envs/audio.yaml"
    threads: 1
    params:
        experiment=PARAMS.make_split,
    script:
        "../workflow/scripts/make_split.py"
