"""``course``: the command line behind the Makefile, a thin layer over the package's functions."""

import argparse
import sys


def _release(args):
    from .authoring.release import release_all

    for folder in release_all(".", only=args.chapters or None):
        print(f"released {folder}")


def _outputs(args):
    from .authoring.solutions import build_all

    for notebook in build_all("solutions", only=args.chapters or None, run=not args.no_execute):
        print(f"{'built' if args.no_execute else 'executed'} {notebook}")


def _translations(args):
    from .authoring.catalogues import update_catalogues

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
    p.add_argument("--out", default=".", help="where gradebook.db, grades.csv, scores.csv, report.html and "
                                               "feedback/ go")
    p.add_argument("--insecure", action="store_true",
                   help="grade even where namespaces are unavailable (kernels then run with your user's rights)")
    _late_arguments(p)
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run the kernels on this Dask scheduler's workers (docs/scale-out.md)")
    p.add_argument("--db", metavar="URL", help="gradebook URL (nbgrader's db_url), e.g. postgresql://user@host/course "
                                               "(default: sqlite:///OUT/gradebook.db)")
    _language_argument(p)
    p.set_defaults(func=_grade)

    p = sub.add_parser("grade-demo", help="grade a built-in sample class in a scratch folder")
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--out", default=None, help="build and grade the demo here (default: ./grade-demo)")
    p.add_argument("--insecure", action="store_true",
                   help="grade even where namespaces are unavailable (kernels then run with your user's rights)")
    _late_arguments(p)
    _language_argument(p)
    p.set_defaults(func=_grade_demo)

    p = sub.add_parser("override", help="set (or clear) an exercise's score by hand in a graded class's gradebook")
    p.add_argument("learner")
    p.add_argument("chapter")
    p.add_argument("exercise", help="the exercise's check cell id, e.g. tensors-zeros-long-check (see scores.csv)")
    p.add_argument("score", help="points to give, or 'auto' to go back to the autograder's score")
    p.add_argument("--out", default=".", help="the graded class's folder (where gradebook.db is)")
    p.add_argument("--comment", default=None, help="a comment the learner sees on that exercise")
    p.add_argument("--db", metavar="URL", help="the class's gradebook URL if it is not OUT/gradebook.db "
                                               "(as given to course grade --db)")
    p.set_defaults(func=_override)

    p = sub.add_parser("formgrader", help="nbgrader's formgrader on a graded class (manual review, score overrides)")
    p.add_argument("--out", default=None, help="the graded class's folder (where gradebook.db is; "
                                                "default: the class graded last)")
    p.add_argument("--port", type=int, default=8888, help="the server's port (0: a free one it chooses and prints)")
    p.add_argument("--db", metavar="URL", help="the class's gradebook URL if it is not OUT/gradebook.db "
                                               "(as given to course grade --db)")
    p.set_defaults(func=_formgrader)

    from .hub.cli import add_parser as add_hub_parser

    add_hub_parser(sub)
    return parser


def _formgrader(args):
    from .grading.formgrader import formgrader_command

    return formgrader_command(args)


def _late_arguments(p):
    p.add_argument("--due", action="append", metavar="CHAPTER=DATE",
                   help="a chapter's due date, UTC unless the date says otherwise, e.g. 01_tensors=2026-12-01T23:59Z "
                        "(repeatable; kept in the gradebook for later runs)")
    p.add_argument("--late-policy", choices=("none", "zero"), default="none",
                   help="nbgrader's late penalty: none (only marked late) or zero (a late submission scores 0)")


def _language_argument(p):
    p.add_argument("--language", type=_instructor_language, metavar="LANG",
                   help="the language of report.html, grades.csv's status column and this summary: en or zh "
                        "(kept for later runs and course override; default: the class's, else en)")


def _instructor_language(value):
    """``--language``'s value, or argparse's error saying which languages there are."""
    from .grading.instructor_language import checked_language

    try:
        return checked_language(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _override(args):
    from .grading.cli import override_command

    return override_command(args)


def main(argv=None):
    """Entry point of the ``course`` command."""
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
