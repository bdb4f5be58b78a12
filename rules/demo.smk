rule synthesize_demo_corpora:
    output:
        directory(config["demo"]["dir"]),
    log:
        "logs/synthesize_demo_corpora.log",
    benchmark:
        "benchmarks/synthesize_demo_corpora.tsv"
    conda:
        "../envs/audio.yaml"
    threads: RESOURCES.demo_threads
    params:
        seed=config["demo"]["seed"],
        corpora=config["demo"].get("corpora"),
    script:
        "../workflow/scripts/synthesize_demo_corpora.py"
