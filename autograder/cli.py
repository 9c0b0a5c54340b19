"""``course``: the command line behind the Makefile, a thin layer over the package's functions."""

import argparse
import sys


def _release(args):
    from .release import release_all

    for folder in release_all(".", only=args.chapters or None):
        print(f"released {folder}")


def _outputs(args):
    from .authoring import build_all

    for notebook in build_all("solutions", only=args.chapters or None, run=not args.no_execute):
        print(f"{'built' if args.no_execute else 'executed'} {notebook}")


def _translations(args):
    from .catalogues import update_catalogues

    for stats in update_catalogues("."):
        print(stats)


def _grade(args):
    from .grading.cli import grade_command

    return grade_command(args)


def _grade_demo(args):
    from .grading.cli import grade_demo_command

    return grade_demo_command(args)


def build_parser():
    parser = argparse.ArgumentParser(prog="course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate notebooks/ (and notebooks/<lang>/) from solutions/")
    p.add_argument("chapters", nargs="*", help="chapter folders, e.g. 01_tensors (default: all)")
    p.set_defaults(func=_release)

    p = sub.add_parser("translations", help="extract the English into every translation catalogue (PO)")
    p.set_defaults(func=_translations)

    p = sub.add_parser("outputs", help="rebuild solution notebooks from their .py scripts")
    p.add_argument("chapters", nargs="*")
    p.add_argument("--no-execute", action="store_true", help="only convert, keep no outputs")
    p.set_defaults(func=_outputs)

    p = sub.add_parser("grade", help="grade submissions into gradebook, grades.csv and feedback")
    p.add_argument("--submissions", default="submitted", help="folder submitted/<learner>/<chapter>/ or a zip")
    p.add_argument("--jobs", type=int, default=None, help="parallel workers (default: cores)")
    p.add_argument("--learner", action="append", help="grade only this learner (repeatable)")
    p.add_argument("--chapter", action="append", help="grade only this chapter (repeatable)")
    p.add_argument("--out", default=".", help="where gradebook.db, grades.csv and feedback/ go")
    p.add_argument("--insecure", action="store_true",
                   help="grade even where namespaces are unavailable (kernels then run with your user's rights)")
    p.set_defaults(func=_grade)

    p = sub.add_parser("grade-demo", help="grade a built-in sample class in a scratch folder")
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--out", default=None, help="keep the demo here (default: a temporary folder)")
    p.add_argument("--insecure", action="store_true",
                   help="grade even where namespaces are unavailable (kernels then run with your user's rights)")
    p.set_defaults(func=_grade_demo)
    return parser


def main(argv=None):
    """Entry point of the ``course`` command."""
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
