rule make_split:
    input:
        unpack(INPUTS.make_split),
    output:
        split=paths.SPLIT,
        audit=report(
            paths.SPLIT_AUDIT,
            caption="../workflow/report/split_audit.rst",
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
