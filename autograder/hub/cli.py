"""``course hub ...``: start a class's hub, add its people, and move chapters through the exchange."""

import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import accounts, exchange
from .roster import RosterError, demo_roster, new_password, read_roster
from .server import Hub, HubError, requirements_problem
from .site import DEFAULT_DIR, NoHubError, load, load_or_new

DEMO_DIR = DEFAULT_DIR.parent / "hub-demo"
DEMO_EXCHANGE = Path("/srv/nbgrader/demo-exchange")
DEMO_CHAPTER = "01_tensors"


def _accounts_table(rows):
    width = max(len(p.id) for p, _ in rows)
    lines = [f"  {'login':<{width}}  {'password':<12}  role        edition"]
    for person, password in rows:
        lines.append(f"  {person.id:<{width}}  {password or '(unchanged)':<12}  {person.role:<10}  {person.edition}")
    return "\n".join(lines)


def add_people(site, people, *, passwords=True):
    """Create (or update) the accounts of ``people`` in ``site``; ``[(person, new password or None)]``.
    A new account gets a password printed once; an existing one keeps its own."""
    new = {p.id for p in people if passwords and not accounts.exists(p.id)}
    instructors = [p for p in people if p.is_instructor]
    if instructors and site.course_dir == site.dir / "course":
        # the course folder (collected submissions, the gradebook) belongs to the first instructor,
        # so that formgrader and `course grade` in their JupyterLab can write it
        accounts.ensure_account(instructors[0], exchange=site.exchange)
        site.course_dir = accounts.home_of(instructors[0].id) / "course"
    exchange.prepare(site.exchange)
    rows = []
    for person in people:
        password = new_password() if person.id in new else None
        accounts.ensure_account(person, exchange=site.exchange, course_dir=site.course_dir, password=password)
        rows.append((person, password))
    owner = next((p for p in site.people + people if p.is_instructor), None)
    site.course_dir.mkdir(parents=True, exist_ok=True)
    if owner:
        entry = accounts.pwd.getpwnam(owner.id)
        os.chown(site.course_dir, entry.pw_uid, entry.pw_gid)
        site.course_dir.chmod(0o700)
    site.add(people)
    site.save()
    return rows


def _fail(message):
    print(f"course hub: {message}", file=sys.stderr)
    return 2


def add_learners_command(args):
    """``course hub add-learners ROSTER``: accounts for every row; new passwords are printed once."""
    problem = requirements_problem()
    if problem:
        return _fail(problem)
    try:
        people = read_roster(args.roster)
        site = load_or_new(args.dir, args.exchange)
        rows = add_people(site, people)
    except (RosterError, accounts.AccountError) as error:
        return _fail(str(error))
    print(f"{len(rows)} account(s) in {site.dir}; new passwords are shown only now:")
    print(_accounts_table(rows))
    return 0


def start_command(args):
    """``make hub``: add the roster's people (if given), then run the hub until Ctrl-C."""
    if args.roster and add_learners_command(args):
        return 2
    try:
        site = load(args.dir)
    except NoHubError as error:
        return _fail(str(error))
    hub = Hub(site, ip=args.ip, port=args.port)
    try:
        hub.start()
    except HubError as error:
        return _fail(str(error))
    print(f"JupyterHub for {len(site.people)} people: {hub.url}  (log: {hub.log_path}; Ctrl-C stops it)")
    sys.stdout.flush()
    hub.wait()
    return 0


def demo_command(args):
    """``make hub-demo``: a throwaway class (new passwords, chapter 01 released), removed at Ctrl-C."""
    started = time.monotonic()
    problem = requirements_problem()
    if problem:
        return _fail(problem)
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    site = load_or_new(DEMO_DIR, DEMO_EXCHANGE)
    people = demo_roster()
    try:
        for person in people:   # a fresh password each time, even where a demo account was left over
            accounts.remove_account(person.id)
        rows = add_people(site, people)
        with ThreadPoolExecutor(1) as pool:   # the release and the hub's start overlap
            released = pool.submit(exchange.release, site, DEMO_CHAPTER)
            hub = Hub(site, ip=args.ip, port=args.port)
            try:
                hub.start()
                released.result()
            except BaseException:
                hub.stop()
                raise
    except (accounts.AccountError, exchange.ExchangeError, HubError) as error:
        return _fail(str(error))
    print(f"\nDemo hub ready in {time.monotonic() - started:.0f} s: {hub.url}  (Ctrl-C stops it and removes "
          "the demo accounts)")
    print(f"Chapter {DEMO_CHAPTER} is released: a learner fetches it in JupyterLab's Assignments panel.")
    print(_accounts_table(rows))
    sys.stdout.flush()
    try:
        hub.wait()
    finally:
        for person in people:
            try:
                accounts.remove_account(person.id)
            except accounts.AccountError as error:
                print(f"course hub: {error}", file=sys.stderr)
        shutil.rmtree(DEMO_EXCHANGE, ignore_errors=True)
        shutil.rmtree(DEMO_DIR, ignore_errors=True)
    return 0


def _exchange_step(step, args, done_message):
    try:
        site = load(args.dir)
        result = step(site, args.chapter)
    except (NoHubError, exchange.ExchangeError) as error:
        return _fail(str(error))
    print(done_message(site, result))
    return 0


def release_command(args):
    """``course hub release CHAPTER``: every edition of the chapter onto the exchange."""
    return _exchange_step(exchange.release, args,
                          lambda site, courses: f"released {args.chapter} to {', '.join(courses)} in {site.exchange}")


def collect_command(args):
    """``course hub collect CHAPTER``: the latest submissions into the course folder's submitted/."""
    def said(site, learners):
        return (f"collected {args.chapter} from {len(learners)} learner(s) {', '.join(learners)} into "
                f"{site.course_dir / 'submitted'}\nnext: course grade --submissions {site.course_dir / 'submitted'} "
                f"--out {site.course_dir} --chapter {args.chapter}")
    return _exchange_step(exchange.collect, args, said)


def return_feedback_command(args):
    """``course hub return-feedback CHAPTER``: each graded learner's feedback page onto the exchange."""
    return _exchange_step(exchange.return_feedback, args,
                          lambda site, learners: f"returned feedback on {args.chapter} to {len(learners)} learner(s): "
                                                 f"{', '.join(learners)} (they fetch it in the Assignments panel)")


def add_parser(sub):
    """The ``course hub`` subcommands, added to the ``course`` parser's ``sub``."""
    hub = sub.add_parser("hub", help="a whole class on one JupyterHub (docs/hub.md)")
    steps = hub.add_subparsers(dest="hub_command", required=True)

    def step(name, func, help_text):
        p = steps.add_parser(name, help=help_text)
        p.add_argument("--dir", default=str(DEFAULT_DIR), help="the hub's state folder (default: .work/hub)")
        p.set_defaults(func=func)
        return p

    def server_options(p):
        p.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: this machine only)")
        p.add_argument("--port", type=int, default=8000)

    p = step("start", start_command, "add the roster's accounts (if given) and run the hub until Ctrl-C")
    p.add_argument("--roster", help="CSV file with the columns id,name,role,edition")
    p.add_argument("--exchange", default=None, help="nbgrader's exchange folder (default: /srv/nbgrader/exchange)")
    server_options(p)
    p = step("demo", demo_command, "a throwaway demo class on a hub, passwords printed once")
    server_options(p)
    p = step("add-learners", add_learners_command, "a system account per roster row (new passwords printed once)")
    p.add_argument("roster", help="CSV file with the columns id,name,role,edition")
    p.add_argument("--exchange", default=None, help="nbgrader's exchange folder (default: /srv/nbgrader/exchange)")
    for name, func, text in (("release", release_command, "put a chapter (every edition) on the exchange"),
                             ("collect", collect_command, "collect a chapter's submissions into the course folder"),
                             ("return-feedback", return_feedback_command,
                              "put each learner's graded feedback page where the Assignments panel fetches it")):
        step(name, func, text).add_argument("chapter", help="a chapter folder, e.g. 01_tensors")
