#!/usr/bin/env python3
"""Sends N determinations to one `ace serve`, one after another on one keep-alive connection.

The same six transactions as determinations-unique.lua, each party a new made-up name, drawn
from a fixed seed: two runs send the same bodies, so an instruction count of the server over
them repeats (bench/server/instructions.sh). Exits non-zero if any answer is not 201.

Usage: requests.py PORT TOKEN N [SEED]
"""

import http.client
import json
import random
import sys

ONSETS = "b c d f g h k l m n p r s t v z br cr dr gr kl pr st tr sh ch".split()
VOWELS = "a e i o u ai ei ou ia".split()
CODAS = ["", "", "n", "r", "s", "l", "m", "x", "nd", "rt"]
BUSINESS = ("Systems Networks Security Logistik Trading Software Solutions Analytics "
            "Technologies Consulting Labs Electronics").split()
FORMS = ["GmbH", "AG", "Ltd", "LLC", "Co Ltd", "SARL", "BV", "KK", "AO", "Pte Ltd", ""]


def word(rng):
    w = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                for _ in range(rng.randint(2, 3)))
    return w[:1].upper() + w[1:]


def company(rng):
    name = word(rng) + " " + rng.choice(BUSINESS)
    form = rng.choice(FORMS)
    return name + " " + form if form else name


def person(rng):
    return word(rng) + " " + word(rng)


def party(name, kind=None, **more):
    p = {"name": name}
    if kind:
        p["kind"] = kind
    p.update(more)
    return p


TEMPLATES = [
    lambda r: {"item": {"eccn": "4D004"}, "destination": "DE",
               "end_user": party(company(r), "non_government"), "consignee": party(company(r))},
    lambda r: {"item": {"eccn": "4D004"}, "destination": "CN",
               "end_user": party(word(r) + " Municipal Public Security Bureau", "government",
                                 government_role="police_or_judicial")},
    lambda r: {"item": {"eccn": "4E001.c"}, "destination": "IL",
               "end_user": party(company(r), "non_government")},
    lambda r: {"item": {"eccn": "5A001.j"}, "destination": "JP",
               "end_user": party(company(r), "non_government"), "purchaser": party(company(r))},
    lambda r: {"item": {"eccn": "4D004"}, "destination": "RU",
               "end_user": party(company(r), "non_government")},
    lambda r: {"item": {"eccn": "4E001.c"}, "destination": "IN", "deemed_export": True,
               "end_user": party(person(r), "non_government"),
               "purpose": "vulnerability_disclosure"},
]


def whole(text, name):
    """`text` as a whole number, or exit naming the argument."""
    if not text.isdigit():
        sys.exit(f"{name} must be a whole number, not {text!r}\n\n{__doc__}")
    return int(text)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    port, token = whole(sys.argv[1], "PORT"), sys.argv[2]
    n = whole(sys.argv[3], "N")
    rng = random.Random(whole(sys.argv[4], "SEED") if len(sys.argv) == 5 else 14)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for i in range(n):
        body = {"date": "2024-06-01", **TEMPLATES[(i + 1) % len(TEMPLATES)](rng)}
        conn.request("POST", "/v1/determinations", json.dumps(body), headers)
        answer = conn.getresponse()
        text = answer.read()
        if answer.status != 201:
            sys.exit(f"request {i + 1}: HTTP {answer.status}: {text[:300]!r}")


if __name__ == "__main__":
    main()
