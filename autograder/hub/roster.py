"""The class roster: a CSV file of id, name, role and edition, read with a clear message on bad rows."""

import csv
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..learner.i18n import LANGUAGES, SOURCE_LANGUAGE

ROLES = ("learner", "instructor")
COLUMNS = ("id", "name", "role", "edition")
# A portable Unix user name (useradd's default rule, at most 32 characters): each id becomes one.
USER_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
# Ids that are accounts of the system itself, never a learner's.
RESERVED = {"root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
            "www-data", "backup", "list", "irc", "nobody", "systemd-network", "messagebus", "sshd", "_apt"}


class RosterError(ValueError):
    """A roster that cannot be used as it is; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Person:
    """One row of the roster: ``id`` is also the person's system user and hub login."""

    id: str
    name: str
    role: str = "learner"
    edition: str = SOURCE_LANGUAGE

    @property
    def is_instructor(self):
        return self.role == "instructor"


def _person(row, where):
    person_id = (row.get("id") or "").strip()
    role = (row.get("role") or "learner").strip().lower() or "learner"
    edition = (row.get("edition") or SOURCE_LANGUAGE).strip().lower() or SOURCE_LANGUAGE
    if not USER_NAME.match(person_id):
        raise RosterError(f"{where}: id {person_id!r} cannot be a login name: use lower-case letters, digits, "
                          "'_' or '-', starting with a letter, at most 32 characters")
    if person_id in RESERVED:
        raise RosterError(f"{where}: id {person_id!r} is a system account; give this person another id")
    if role not in ROLES:
        raise RosterError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    if edition not in LANGUAGES:
        raise RosterError(f"{where}: edition {edition!r} is not one of {', '.join(LANGUAGES)}")
    return Person(person_id, (row.get("name") or person_id).strip(), role, edition)


def read_roster(path):
    """The people of roster file ``path`` (CSV with a header row ``id,name,role,edition``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"{path}: cannot read the roster: {error}") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "id" not in header:
        raise RosterError(f"{path}: the first line must name the columns {','.join(COLUMNS)} "
                          f"(found {','.join(reader.fieldnames or []) or 'nothing'})")
    reader.fieldnames = header
    people, seen = [], {}
    for line, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        person = _person(row, f"{path}, line {line}")
        if person.id in seen:
            raise RosterError(f"{path}, line {line}: id {person.id!r} is already on line {seen[person.id]}")
        seen[person.id] = line
        people.append(person)
    if not people:
        raise RosterError(f"{path}: the roster lists nobody")
    return people


def demo_roster(prefix="demo"):
    """A throwaway class: one instructor, two English learners and one Chinese-edition learner."""
    return [Person(f"{prefix}-teacher", "Demo Instructor", "instructor"),
            Person(f"{prefix}-ada", "Ada (demo)"), Person(f"{prefix}-ben", "Ben (demo)"),
            Person(f"{prefix}-mei", "Mei (demo)", edition="zh")]


def new_password():
    """A password to print once: 12 characters, letters and digits only (easy to type)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
