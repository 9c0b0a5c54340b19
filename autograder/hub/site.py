"""Where one hub keeps its state: ``hub.json`` (the roster, the exchange, the course folder) beside
JupyterHub's database and config, so that every ``course hub`` command finds the same class."""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..paths import REPO_ROOT
from .roster import Person

DEFAULT_DIR = REPO_ROOT / ".work" / "hub"
# nbgrader's documented place for the exchange of a single machine.
DEFAULT_EXCHANGE = Path("/srv/nbgrader/exchange")


class NoHubError(RuntimeError):
    """No hub has been set up in the folder a command was given."""


@dataclass
class Site:
    """A hub's state folder and what ``hub.json`` in it records."""

    dir: Path
    exchange: Path = DEFAULT_EXCHANGE
    course_dir: Path = None
    people: list = field(default_factory=list)

    def __post_init__(self):
        self.dir, self.exchange = Path(self.dir), Path(self.exchange)
        self.course_dir = Path(self.course_dir) if self.course_dir else self.dir / "course"

    @property
    def config_path(self):
        return self.dir / "jupyterhub_config.py"

    def person(self, user_id):
        """The roster's row for ``user_id``, or None."""
        return next((p for p in self.people if p.id == user_id), None)

    def add(self, people):
        """Add ``people`` to the class (a row with an id already there replaces it)."""
        ids = {p.id for p in people}
        self.people = [p for p in self.people if p.id not in ids] + list(people)

    def save(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o700)   # the hub's database and cookie secret are the administrator's alone
        record = {"exchange": str(self.exchange), "course_dir": str(self.course_dir),
                  "people": [asdict(p) for p in self.people]}
        (self.dir / "hub.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load(folder=DEFAULT_DIR):
    """The hub set up in ``folder`` (NoHubError with the command to run when there is none)."""
    path = Path(folder) / "hub.json"
    if not path.is_file():
        raise NoHubError(f"no hub in {folder}: start one with `make hub ROSTER=roster.csv` "
                         "(or `course hub add-learners roster.csv`) first")
    record = json.loads(path.read_text(encoding="utf-8"))
    return Site(folder, record["exchange"], record["course_dir"], [Person(**p) for p in record["people"]])


def load_or_new(folder=DEFAULT_DIR, exchange=None):
    """The hub in ``folder``, or a new empty one there (its exchange ``exchange`` or nbgrader's default)."""
    try:
        site = load(folder)
    except NoHubError:
        site = Site(folder)
    if exchange:
        site.exchange = Path(exchange)
    return site
