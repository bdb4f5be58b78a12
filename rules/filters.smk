# The strEmo paper's CMU-MOSEI filter for corpora whose config has `filter:`:
# transcript similarity >= threshold, then the emotion-score rule; counts per step and label.


rule filter_transcripts:
    input:
        manifest=paths.MANIFEST,
        transcripts=INPUTS.transcripts,
    output:
        table=ensure(paths.FILTER, non_empty=True),
        steps=paths.FILTER_STEPS,
        steps_page=table_page(
            paths.FILTER_STEPS,
            category="Data accounting",
            labels={"table": "filter steps", "corpus": "{corpus}"},
        ),
    log:
        "logs/filter_transcripts/{corpus}.log",
    benchmark:
        "benchmarks/filter_transcripts/{corpus}.tsv"
    wildcard_constraints:
        corpus=_alternatives(PLAN.filtered_corpora),
    conda:
        "../envs/whisper.yaml"
    threads: 1
    params:
        settings=PARAMS.filter_settings,
    script:
        "../workflow/scripts/filter_transcripts.py"
