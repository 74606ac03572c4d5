"""`make demo`, part one: replay the Redshift getting-started lab's USERS load against a local
S3-compatible server.

    python bench/tickit_demo.py [--users 49990] [--db :memory:]

It starts moto's S3 server on loopback (``bench.s3server.LoopbackS3``), points the engine at it
through the standard AWS environment variables, generates a deterministic TICKIT-style
``allusers_pipe.txt`` (pipe-delimited, ``t``/``f``/empty booleans, 49,990 users like the
real file), uploads it to ``s3://awssampledb/tickit/allusers_pipe.txt`` with boto3, and runs
the lab's statements: the USERS DDL, the COPY (with a live progress line), a few queries from
the Redshift documentation over USERS, and a second COPY with malformed lines and MAXERROR 5
whose rejected rows are read back from ``stl_load_errors``.  Nothing leaves the machine.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import warehouse  # noqa: E402
from bench.demo import print_table  # noqa: E402
from bench.s3server import LoopbackS3  # noqa: E402
from warehouse.progress import Progress  # noqa: E402

BUCKET = "awssampledb"
KEY = "tickit/allusers_pipe.txt"
BAD_KEY = "tickit/allusers_pipe_bad.txt"
USERS = 49_990  # rows in the lab's allusers_pipe.txt
SEED = 2008  # TICKIT's sales year; any fixed seed gives the same file on every run

# The lab's DDL, verbatim.
USERS_DDL = """
create table users(
    userid integer not null distkey sortkey,
    username char(8),
    firstname varchar(30),
    lastname varchar(30),
    city varchar(30),
    state char(2),
    email varchar(100),
    phone char(14),
    likesports boolean,
    liketheatre boolean,
    likeconcerts boolean,
    likejazz boolean,
    likeclassical boolean,
    likeopera boolean,
    likerock boolean,
    likevegas boolean,
    likebroadway boolean,
    likemusicals boolean)
""".strip()

COPY_SQL = f"COPY users FROM 's3://{BUCKET}/{KEY}' DELIMITER '|' REGION 'us-east-1' IAM_ROLE default"
BAD_COPY_SQL = f"COPY users FROM 's3://{BUCKET}/{BAD_KEY}' DELIMITER '|' REGION 'us-east-1' IAM_ROLE default MAXERROR 5"

# (title, SQL): the lab's first look at the data, then queries over USERS from the Redshift
# documentation (the BOOLEAN type page's "like sports but not theatre" and "unknown" examples).
QUERIES = [
    ("The first ten users", "SELECT * FROM users ORDER BY userid LIMIT 10"),
    ("Users per state (top 10)",
     "SELECT state, count(*) AS users FROM users GROUP BY state ORDER BY users DESC, state LIMIT 10"),
    ("Users who like sports but not theatre",
     "SELECT firstname, lastname, likesports, liketheatre FROM users\n"
     "WHERE likesports IS TRUE AND liketheatre IS FALSE ORDER BY userid LIMIT 10"),
    ("Users for whom it is unknown whether they like rock",
     "SELECT firstname, lastname, likerock FROM users WHERE likerock IS UNKNOWN ORDER BY userid LIMIT 10"),
    ("How many like both sports and theatre, by state (top 5)",
     "SELECT state, count(*) AS fans FROM users WHERE likesports AND liketheatre\n"
     "GROUP BY state ORDER BY fans DESC, state LIMIT 5"),
    ("Rows loaded by the last COPY", "SELECT pg_last_copy_count()"),
]

# ----- data ---------------------------------------------------------------------------------
FIRST = ("Rafael", "Vladimir", "Lars", "Barry", "Reagan", "Victor", "Tamekah", "Colton", "Mufutau",
         "Naida", "Scarlett", "Shafira", "Winifred", "Chase", "Liberty", "Aladdin", "Tashya",
         "Lucian", "Kato", "Hedda", "Ignatius", "Brenden", "Xena", "Quon", "Oleg", "Pandora",
         "Zephr", "Hilel", "Giacomo", "Ursula", "Wylie", "Yetta", "Dahlia", "Elmo", "Fallon",
         "Jescie", "Nolan", "Macaulay", "Octavius", "Petra", "Rhona", "Sybil", "Thane", "Uriah",
         "Vance", "Wanda", "Xaviera", "Yardley", "Zorita", "Amos")
LAST = ("Taylor", "Richards", "Ratliff", "Roth", "Hooper", "Watkins", "Mayer", "Glenn", "Cherry",
        "Lamb", "Ellison", "Haney", "Michael", "Montgomery", "Kent", "Augusta", "Bay", "Alene",
        "Hess", "Salas", "Bullock", "Guthrie", "Pitts", "Wolfe", "Nash", "Maddox", "Conrad",
        "Hurley", "Vaughn", "Sweeney", "Dyer", "Burch", "Rocha", "Frost", "Merritt", "Puckett",
        "Sharpe", "Tillman", "Ochoa", "Quinn", "Yates", "Zamora", "Beasley", "Cantrell", "Dunlap",
        "Espinoza", "Fitzgerald", "Gallegos", "Holcomb", "Irwin")
CITIES = (("Kent", "WA"), ("Augusta", "ME"), ("Bay St. Louis", "MS"), ("Coeur d'Alene", "ID"),
          ("Santa Barbara", "CA"), ("Yonkers", "NY"), ("Hialeah", "FL"), ("Everett", "WA"),
          ("Rock Springs", "WY"), ("Lafayette", "LA"), ("Laurel", "MD"), ("Pueblo", "CO"),
          ("Pasadena", "TX"), ("Monterey Park", "CA"), ("Salinas", "CA"), ("Carson City", "NV"),
          ("Kokomo", "IN"), ("Hattiesburg", "MS"), ("Bowie", "MD"), ("Orem", "UT"),
          ("New Haven", "CT"), ("Burlington", "VT"), ("Aurora", "IL"), ("Knoxville", "TN"),
          ("Charleston", "SC"), ("Green Bay", "WI"), ("Grand Forks", "ND"), ("Pierre", "SD"),
          ("Lincoln", "NE"), ("Norman", "OK"), ("Newark", "NJ"), ("Dover", "DE"), ("Nashua", "NH"),
          ("Ann Arbor", "MI"), ("Bangor", "ME"), ("Butte", "MT"), ("Juneau", "AK"), ("Hilo", "HI"),
          ("Tempe", "AZ"), ("Santa Fe", "NM"), ("Eugene", "OR"), ("Durham", "NC"), ("Akron", "OH"),
          ("Erie", "PA"), ("Provo", "UT"), ("Ames", "IA"), ("Joplin", "MO"), ("Fargo", "ND"),
          ("Racine", "WI"), ("Quebec", "QC"), ("Vancouver", "BC"), ("Toronto", "ON"))
WORDS = ("Etiam", "laoreet", "libero", "sodales", "Mauris", "blandit", "Donec", "Curabitur",
         "Nullam", "ornare", "pede", "lectus", "ipsum", "Integer", "tincidunt", "aliquam",
         "Vivamus", "nisi", "metus", "eget", "vitae", "magna", "Suspendisse", "neque", "cursus",
         "Phasellus", "fermentum", "convallis", "ligula", "velit")
TLDS = ("com", "edu", "org", "net", "ca", "us")
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _bool(rng: random.Random) -> str:
    r = rng.random()
    return "t" if r < 0.35 else "f" if r < 0.7 else ""  # about 30% unknown, as in the real file


def users_text(n: int = USERS, seed: int = SEED) -> bytes:
    """``allusers_pipe.txt``: ``n`` users, the same bytes for the same ``n`` and ``seed``."""
    rng = random.Random(seed)
    lines = []
    for userid in range(1, n + 1):
        username = "".join(rng.choices(UPPER, k=3)) + f"{rng.randrange(100):02d}" + "".join(rng.choices(UPPER, k=3))
        city, state = rng.choice(CITIES)
        w = rng.sample(WORDS, 4)
        email = f"{w[0]}.{w[1]}@{w[2]}{w[3]}.{rng.choice(TLDS)}"
        phone = f"({rng.randrange(200, 1000)}) {rng.randrange(200, 1000)}-{rng.randrange(10000):04d}"
        likes = "|".join(_bool(rng) for _ in range(10))
        lines.append(f"{userid}|{username}|{rng.choice(FIRST)}|{rng.choice(LAST)}|{city}|{state}|{email}|{phone}|{likes}")
    return ("\n".join(lines) + "\n").encode()


def bad_users_text(first_id: int) -> bytes:
    """Ten new users, five of them malformed in the ways a hand-edited export often is."""
    good = "Etiam.laoreet@sodalesMauris.com|(664) 602-4412|t|f||t|f||t|f||t"
    lines = [f"{first_id + i}|NEWUSR{i:02d}|Ada|Lovelace|Kent|WA|{good}" for i in range(5)]
    lines += [
        f"{first_id + 5}x|BADUSR01|Bob|Roth|Kent|WA|{good}",  # not an integer
        f"{first_id + 6}|BADUSR02|Cy|Hess|Kent|Washington|{good}",  # state longer than CHAR(2)
        f"{first_id + 7}|BADUSR03|Di|Nash|Kent|WA|{good.replace('|t|f|', '|maybe|f|', 1)}",  # not a boolean
        f"{first_id + 8}|BADUSR04|Ed|Dyer|Kent|WA",  # fields missing
        f"\\N|BADUSR05|Flo|Yates|Kent|WA|{good}",  # NULL in a NOT NULL column
    ]
    return ("\n".join(lines) + "\n").encode()


# ----- output -------------------------------------------------------------------------------
class ProgressLine:
    """A one-line COPY progress display: redrawn in place on a terminal, printed once when done
    otherwise (so logs stay clean)."""

    def __init__(self) -> None:
        self.live = sys.stdout.isatty()

    def __call__(self, p: Progress) -> None:
        mb = p.bytes / 1e6
        pct = f"{100 * p.bytes / p.total_bytes:5.1f}%" if p.total_bytes else "     "
        rate = mb / p.elapsed if p.elapsed > 0 else 0.0
        text = f"  COPY {pct}  {p.rows:>9,} rows  {mb:7.1f} MB  {rate:6.1f} MB/s  {p.elapsed:5.2f} s"
        if self.live:
            print("\r" + text, end="\n" if p.done else "", flush=True)
        elif p.done:
            print(text, flush=True)


def _redshift(v: object) -> object:
    """Booleans as Redshift's clients print them."""
    return ("t" if v else "f") if isinstance(v, bool) else v


def show(con, title: str, sql: str, width: int = 30) -> None:
    print(f"== {title}")
    print("  " + sql.replace("\n", "\n  ") + ";")
    t0 = time.perf_counter()
    table = con.execute(sql).fetch_arrow_table()
    ms = (time.perf_counter() - t0) * 1000
    rows = [tuple(_redshift(v) for v in r.values()) for r in table.to_pylist()]
    print_table(table.column_names, rows, max_width=width)
    print(f"  {ms:.1f} ms\n")


def run_copy(con, sql: str) -> None:
    print("  " + sql + ";")
    cur = con.execute(sql)
    for n in cur.notices:
        print(f"  NOTICE: {n}")
    print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=USERS, help="rows in allusers_pipe.txt (default %(default)s)")
    ap.add_argument("--db", default=":memory:", help="database to load into (default: in memory)")
    args = ap.parse_args(argv)

    print("== TICKIT: the Redshift getting-started lab, against a local S3-compatible server\n")
    t0 = time.perf_counter()
    s3 = LoopbackS3()
    os.environ.update(s3.environment())
    print(f"  S3 endpoint {s3.endpoint} (moto, loopback only), started in {time.perf_counter() - t0:.1f} s")
    body = users_text(args.users)
    client = s3.client()
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key=KEY, Body=body)
    client.put_object(Bucket=BUCKET, Key=BAD_KEY, Body=bad_users_text(args.users + 1))
    print(f"  put s3://{BUCKET}/{KEY}: {args.users:,} users, {len(body) / 1e6:.1f} MB")
    print("  first lines:")
    for line in body.split(b"\n", 3)[:3]:
        print("    " + line.decode())
    print()

    con = warehouse.connect(args.db)
    try:
        print("== Create the USERS table (the lab's DDL)")
        print("  " + USERS_DDL.replace("\n", "\n  ") + ";\n")
        con.execute("DROP TABLE IF EXISTS users")
        con.execute(USERS_DDL)

        print("== Load it from S3")
        con._session.progress = ProgressLine()  # noqa: SLF001 - the documented progress hook
        run_copy(con, COPY_SQL)
        con._session.progress = None  # noqa: SLF001

        for title, sql in QUERIES:
            show(con, title, sql)

        print("== A second COPY: ten new users, five of them malformed; MAXERROR 5 lets it finish")
        run_copy(con, BAD_COPY_SQL)
        show(con, "Rows loaded by that COPY", "SELECT pg_last_copy_count()")
        show(con, "Why the other rows were rejected",
             "SELECT query, line_number, colname, err_code, err_reason FROM stl_load_errors\n"
             "WHERE query = pg_last_copy_id() ORDER BY line_number", width=60)
        show(con, "Files each COPY read",
             "SELECT query, filename, lines_scanned, errors FROM stl_load_commits ORDER BY query", width=60)
    finally:
        con.close()
        s3.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
