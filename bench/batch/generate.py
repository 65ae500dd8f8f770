#!/usr/bin/env python3
"""Generates N transactions for `ace batch`, each with one named party.

Deterministic (seeded). About 2% of the parties are real listed names (Entity List,
SDN) with small perturbations, the rest are plausible company and person names.
Usage: generate.py N OUT.csv
"""
import random
import sys

LISTED = ["NSO Group", "Candiru Ltd", "Positive Technologies", "Intellexa S.A.", "Cytrox AD",
          "Computer Security Initiative Consultancy Pte Ltd", "Huawei Technologies Co Ltd",
          "Rosoboronexport", "Islamic Revolutionary Guard Corps", "Banco Nacional de Cuba"]
FIRST = ["Nordic", "Pacific", "Atlas", "Blue", "Granite", "Summit", "Vertex", "Harbor", "Cedar",
         "Falcon", "Orion", "Delta", "Quantum", "Silver", "Union", "Prime", "Apex", "Lumen"]
SECOND = ["Data", "Networks", "Systems", "Security", "Analytics", "Labs", "Logistics", "Cloud",
          "Software", "Research", "Robotics", "Telecom", "Energy", "Capital", "Health", "Media"]
FORMS = ["Ltd", "GmbH", "Inc", "LLC", "S.A.", "AB", "Oy", "KK", "Pte Ltd", "SRL", "BV", "AG"]
GIVEN = ["Anna", "Ben", "Chen", "Diego", "Elif", "Farah", "Goran", "Hana", "Ivan", "Jin", "Kofi",
         "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rui", "Sara", "Tomas"]
FAMILY = ["Smith", "Garcia", "Wang", "Muller", "Kowalski", "Tanaka", "Okafor", "Haddad", "Novak",
          "Silva", "Jensen", "Rossi", "Kaya", "Singh", "Ivanova", "Costa", "Berg", "Dubois"]
DESTS = ["DE", "FR", "JP", "GB", "CA", "AU", "IL", "CN", "IN", "BR", "SG", "KR", "TW", "AE", "MX",
         "ZA", "SA", "VN", "TR", "US-X"]
ECCNS = ["4D004", "4A005", "4E001.c", "5A001.j", "5D001.a (for 5A001.j)", "4D001.a (for 4D004)"]


def name(rng):
    r = rng.random()
    if r < 0.02:
        return rng.choice(LISTED)
    if r < 0.6:
        return f"{rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(FORMS)}"
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def main():
    n = int(sys.argv[1])
    rng = random.Random(20261122)
    with open(sys.argv[2], "w") as out:
        out.write("id,date,eccn,destination,end_user_name,end_user_kind,deemed_export\n")
        for i in range(n):
            dest = rng.choice(DESTS[:-1])
            eccn = rng.choice(ECCNS)
            kind = "government" if rng.random() < 0.2 else "non_government"
            deemed = "true" if eccn.startswith("4E") and rng.random() < 0.3 else "false"
            out.write(f"b{i},2025-06-01,\"{eccn}\",{dest},\"{name(rng)}\",{kind},{deemed}\n")


if __name__ == "__main__":
    main()
