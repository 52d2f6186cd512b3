#!/usr/bin/env python3
"""Build electd's bundled GE2024 reference data from the shared source data.

Usage: python3 data/tools/build_ge2024.py [/path/to/shared/data]

The default source directory is ../shared/data relative to the repository root
(the repository root is two levels above this script's directory).

Writes (all under data/ge2024/ of the repository):
  reference/  election.csv constituencies.csv parties.csv party_aliases.csv
              notional.csv candidates.csv watchlist.csv bellwethers.csv notables.csv
  reference/models/  models.csv, one file per model, exit_poll_national.csv, scenarios.csv
  night/      declarations.csv candidates.csv official_results.csv
  hexmap.hexjson

Deterministic: the same inputs always give byte-identical outputs.
Standard library only.  See data/README.md for the layout and the sources.
"""

import collections
import csv
import datetime
import glob
import os
import re
import sys

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(SCRIPT_DIR, "..", ".."))
DEFAULT_SRC = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data"))
OUT = os.path.join(REPO_ROOT, "data", "ge2024")

BST = "+01:00"

# --------------------------------------------------------------------------- helpers


def read_csv(path):
    """Read a CSV as a list of dicts; tolerant of a UTF-8 BOM and CRLF."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def to_int(s):
    """Parse an integer cell, tolerating thousands separators and spaces."""
    t = s.strip().replace(",", "")
    if not re.fullmatch(r"-?\d+", t):
        raise ValueError("not an integer: %r" % s)
    return int(t)


def to_float(s):
    return float(s.strip().replace(",", ""))


def round_half_up(x):
    """Round to the nearest integer, halves away from zero (not banker's)."""
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def write_csv(relpath, header, rows):
    path = os.path.join(OUT, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(r)
    return len(rows)


def copy_stripped(src, relpath, normalise_newlines):
    """Copy a file, dropping a leading UTF-8 BOM (and CRLF -> LF for CSV)."""
    with open(src, "rb") as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if normalise_newlines:
        data = data.replace(b"\r\n", b"\n")
    data.decode("utf-8")  # must be valid UTF-8
    path = os.path.join(OUT, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return data


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


# --------------------------------------------------------------------------- constants

ELECTION = [
    ("name", "UK general election 2024"),
    ("short_name", "ge2024"),
    ("date", "2024-07-04"),
    ("data_version", "1"),
    ("baseline", "Rallings & Thrasher notional 2019 results on the 2024 boundaries"),
    ("others_party", "Oth"),
]

# Northern Ireland: missing from clean_notionals.csv.  PA numbers are the gaps in
# PA's alphabetical order of PA-style names (e.g. "Antrim East").
NI_PANO = {
    "East Antrim": 14,
    "North Antrim": 15,
    "South Antrim": 16,
    "Belfast East": 45,
    "Belfast North": 46,
    "Belfast South and Mid Down": 47,
    "Belfast West": 48,
    "Fermanagh and South Tyrone": 247,
    "Foyle": 253,
    "Lagan Valley": 350,
    "East Londonderry": 381,
    "Newry and Armagh": 424,
    "North Down": 433,
    "South Down": 523,
    "Strangford": 554,
    "West Tyrone": 595,
    "Mid Ulster": 596,
    "Upper Bann": 597,
}

NAME_OVERRIDES = {
    "Lab": "Labour",
    "Con": "Conservative",
    "LD": "Liberal Democrat",
    "RUK": "Reform UK",
    "Green": "Green",
    "Ind": "Independent",
    "Spk": "Speaker",
}

# Majors in display order with their broadcast colours.
MAJOR_COLOURS = [
    ("Lab", "#E4003B"),
    ("Con", "#0087DC"),
    ("LD", "#FAA61A"),
    ("RUK", "#12B6CF"),
    ("Green", "#02A95B"),
    ("SNP", "#FDF38E"),
    ("PC", "#005B54"),
    ("DUP", "#D46A4C"),
    ("SF", "#326760"),
    ("SDLP", "#2AA82C"),
    ("UUP", "#48A5EE"),
    ("APNI", "#F6CB2F"),
    ("TUV", "#0C3A6A"),
    ("Spk", "#909090"),
    ("Ind", "#AAAAAA"),
    ("WPB", "#9B1B30"),
    ("Oth", "#CCCCCC"),
]
DEFAULT_COLOUR = "#999999"
OTH = "Oth"
OTH_NAME = "Others (notional, not broken down)"

# PA Media (and R&T / 2019 HoC) spellings -> HoC 2024 code.
EXTRA_ALIASES = [
    ("C", "Con"),
    ("Reform", "RUK"),
    ("Reform UK", "RUK"),
    ("Brexit", "RUK"),  # the Brexit Party renamed itself Reform UK in 2021
    ("BRX", "RUK"),
    ("Spkr", "Spk"),
    ("Speaker", "Spk"),
    ("All", "APNI"),  # R&T's winner code for Alliance
    ("Alliance", "APNI"),
    ("Grn", "Green"),
    ("Lib Dem", "LD"),
    ("Liberal Democrats", "LD"),
    ("Plaid Cymru", "PC"),
    ("Independent", "Ind"),
]

# PA abbreviations seen in pa_xml/scottish_parliament_test_2026/*.xml
# (Party abbreviation="...") that denote a party of parties.csv.  Every
# abbreviation found in the XML must be listed either here or in
# PA_XML_NOT_MAPPED, so that a new abbreviation makes the build fail loudly.
PA_XML_ALIASES = {
    "C": "Con",  # PA's Conservative (incl. Scottish Conservatives)
    "Lab": "Lab",
    "LD": "LD",
    "SNP": "SNP",
    "Green": "Green",  # name "Green" (Scottish Greens)
    "Reform": "RUK",
    "Reform UK": "RUK",
    "Ind": "Ind",
    "Lib": "Lib",  # name "Liberal"
    "UKIP": "UKIP",
    "Comm Brit": "Comm",  # "Communist Party of Britain"
    "Alba": "Alba",
    "SLP": "Scot Libt",  # "Scottish Libertarian Party" in the PA feed
    "SFP": "SFP",  # "Scottish Family Party"
    "FA": "FA",  # "Freedom Alliance"
    "TUSC": "TUSC",
    "SSP": "SSP",  # "Scottish Socialist Party"
    "Others": OTH,  # PA's aggregate "Others" line (paId -9999) in SOP messages
}
PA_XML_NOT_MAPPED = {
    "ND",  # "No Description": not a party; left for electd to treat as unknown
    "RS",  # Restore Scotland: did not stand in GE2024
    "Vanguard",  # Vanguard Party: did not stand in GE2024
    "ScF",  # Scotia Future: did not stand in GE2024
    "Reclaim",  # The Reclaim Party: did not stand in GE2024
}

# clean_notionals.csv vote columns -> codes.
NOTIONAL_COLUMNS = [
    ("ConVote19", "Con"),
    ("LabVote19", "Lab"),
    ("LDVote19", "LD"),
    ("SNPVote19", "SNP"),
    ("PCVote19", "PC"),
    ("GreenVote19", "Green"),
    ("BrexitVote19", "RUK"),
    ("OtherVote19", OTH),
]

# Five Scottish seats carry pre-2024 ONS codes in the apogee files (and in R&T's
# spreadsheet); the HoC 2024 files use the new codes.  Checked by name below.
STALE_SCOTTISH_CODES = {
    "S14000058": "S14000111",  # West Aberdeenshire and Kincardine
    "S14000006": "S14000107",  # Ayr, Carrick and Cumnock
    "S14000010": "S14000109",  # Central Ayrshire
    "S14000008": "S14000108",  # Berwickshire, Roxburgh and Selkirk
    "S14000040": "S14000110",  # Kilmarnock and Loudoun
}

NI_2019_NAME = {"Belfast South and Mid Down": "Belfast South"}

# Seats that have long gone with the national winner (configurable: the reference file).
BELLWETHERS = [
    ("E14001342", "with the national winner at every election since February 1974"),
    ("E14001066", "with the national winner at every election since 1983 (on its old boundaries)"),
    ("E14001406", "with the national winner at every election since February 1974"),
]

# People whose defeat is bigger news than a sitting MP's: posts as at dissolution (May 2024).
# Matched to their 2024 seat through the Commons Library's candidate list.
NOTABLES = [
    ("Rishi Sunak", "Prime Minister", 1),
    ("Keir Starmer", "Leader of the Opposition", 1),
    ("Jeremy Hunt", "Chancellor of the Exchequer", 1),
    ("Liz Truss", "former Prime Minister", 1),
    ("Ed Davey", "Liberal Democrat leader", 0),
    ("Nigel Farage", "Reform UK leader", 0),
    ("Carla Denyer", "Green Party co-leader", 0),
    ("Stephen Flynn", "SNP Westminster leader", 0),
    ("George Galloway", "Workers Party leader", 0),
    ("Jeremy Corbyn", "former Labour leader", 0),
    ("James Cleverly", "Home Secretary", 0),
    ("Grant Shapps", "Defence Secretary", 0),
    ("Penny Mordaunt", "Leader of the House of Commons", 0),
    ("Kemi Badenoch", "Business and Trade Secretary", 0),
    ("Gillian Keegan", "Education Secretary", 0),
    ("Alex Chalk", "Justice Secretary", 0),
    ("Mark Harper", "Transport Secretary", 0),
    ("Lucy Frazer", "Culture Secretary", 0),
    ("Michelle Donelan", "Science Secretary", 0),
    ("Mel Stride", "Work and Pensions Secretary", 0),
    ("Victoria Atkins", "Health Secretary", 0),
    ("Steve Barclay", "Environment Secretary", 0),
    ("Claire Coutinho", "Energy Secretary", 0),
    ("Simon Hart", "Chief Whip", 0),
    ("Richard Holden", "Conservative Party chairman", 0),
    ("Johnny Mercer", "Veterans Minister", 0),
    ("Jacob Rees-Mogg", "former Business Secretary", 0),
    ("Thérèse Coffey", "former Deputy Prime Minister", 0),
    ("Suella Braverman", "former Home Secretary", 0),
    ("Jonathan Ashworth", "Shadow Paymaster General", 0),
    ("Thangam Debbonaire", "Shadow Culture Secretary", 0),
]

PROJECTION_MODELS = [
    "yougov",
    "electoralcalculus",
    "survation",
    "ft",
    "britainpredicts",
    "economist",
    "manifold",
    "samfr",
]

# Ten "seats to watch" from ITV News Central's explainer (4 July 2024),
# https://itv.com/news/central/2024-07-04/general-election-2024-10-seats-to-watch-in-the-east-midlands-and-why
# Notes are our own words and pre-election facts only; {maj} is filled in from
# the notional table built below (notional 2019 majority on 2024 boundaries).
WATCHLIST = [
    ("Derby North",
     "{win} notional majority {maj} in 2019 (boundaries unchanged); Con-Lab marginal that has changed hands at every election from 2015 to 2019"),
    ("Derby South",
     "{win} notional majority {maj} in 2019; Labour since 1950 but an open seat after Margaret Beckett's retirement"),
    ("Ashfield",
     "{win} notional majority {maj} in 2019 over the Ashfield Independents; sitting MP Lee Anderson, elected as a Conservative, defected to Reform UK in 2024"),
    ("Leicester East",
     "{win} notional majority {maj} in 2019; expelled ex-Labour MP Claudia Webbe and former MP Keith Vaz both on the ballot against Labour"),
    ("Leicester South",
     "{win} notional majority {maj} in 2019; shadow cabinet member Jonathan Ashworth defending a safe-looking seat against independent challengers campaigning on Gaza"),
    ("North West Leicestershire",
     "{win} notional majority {maj} in 2019; sitting MP Andrew Bridgen lost the Tory whip in 2023 and is standing as an independent"),
    ("Mansfield",
     "{win} notional majority {maj} in 2019; former Labour red-wall seat first won by the Conservatives in 2017"),
    ("Bassetlaw",
     "{win} notional majority {maj} in 2019, with a notional Brexit Party share of {ruk}; Labour-held from 1935 until 2019; a test of how far Reform UK cuts into the Conservative vote"),
    ("Loughborough",
     "{win} notional majority {maj} in 2019; bellwether that has gone with the national winner since February 1974"),
    ("Amber Valley",
     "{win} notional majority {maj} in 2019; Labour-held 1997-2010, Conservative since; sitting MP Nigel Mills defending"),
]

# --------------------------------------------------------------------------- build


def main(argv):
    src = os.path.abspath(argv[1]) if len(argv) > 1 else DEFAULT_SRC
    raw = os.path.join(src, "raw")
    check(os.path.isdir(raw), "no raw/ directory under %s" % src)
    print("source: %s" % src)
    print("output: %s" % OUT)
    counts = collections.OrderedDict()

    hoc_cand = read_csv(os.path.join(raw, "hoc_ge2024", "HoC-GE2024-results-by-candidate.csv"))
    hoc_const = read_csv(os.path.join(raw, "hoc_ge2024", "HoC-GE2024-results-by-constituency.csv"))
    notionals = read_csv(os.path.join(raw, "rallings_thrasher_notional2019", "clean_notionals.csv"))
    rt_sheet = read_csv(os.path.join(raw, "rallings_thrasher_notional2019",
                                     "results_spreadsheet_for_distribution.csv"))
    ge19_const = read_csv(os.path.join(raw, "ge2019", "HoC-GE2019-results-by-constituency.csv"))
    ge19_cand = read_csv(os.path.join(raw, "ge2019", "HoC-GE2019-results-by-candidate.csv"))
    scrape = read_csv(os.path.join(src, "derived", "apogee_bbc_scrape_first_seen_2024.csv"))
    winners = read_csv(os.path.join(raw, "hoc_declaration_times_2024", "Winning-members-Friday-1720.csv"))

    check(len(hoc_cand) == 4515, "expected 4515 candidates, got %d" % len(hoc_cand))
    check(len(hoc_const) == 650, "expected 650 constituencies")
    const = {r["ONS ID"].strip(): r for r in hoc_const}
    check(len(const) == 650, "duplicate ONS IDs")
    for r in hoc_cand:
        check(r["ONS ID"].strip() in const, "candidate in unknown seat %r" % r["ONS ID"])

    # ------------------------------------------------------------ election.csv
    counts["reference/election.csv"] = write_csv("reference/election.csv", ["key", "value"], ELECTION)

    # ------------------------------------------------------------ constituencies.csv
    pano = {}
    for r in notionals:
        code = r["ONSConstID"].strip()
        check(code in const, "clean_notionals code %s not in HoC 2024" % code)
        check(code not in pano, "duplicate code in clean_notionals %s" % code)
        pano[code] = to_int(r["pano"])
    check(len(pano) == 632, "expected 632 GB notional rows")
    ni_codes = sorted(c for c, r in const.items() if r["Country name"].strip() == "Northern Ireland")
    check(len(ni_codes) == 18, "expected 18 NI seats")
    ni_names = {const[c]["Constituency name"].strip(): c for c in ni_codes}
    check(set(ni_names) == set(NI_PANO), "NI names differ: %s" % (set(ni_names) ^ set(NI_PANO)))
    for name, n in NI_PANO.items():
        pano[ni_names[name]] = n
    check(set(pano) == set(const), "PA numbers do not cover every seat")
    check(sorted(pano.values()) == list(range(1, 651)), "PA numbers are not a bijection onto 1..650")
    # Cross-check the inferred NI numbers against R&T's full-UK spreadsheet.
    rt_ni = {r["ONS code"].strip(): to_int(r["PANO"]) for r in rt_sheet
             if r["ONS code"].strip().startswith("N")}
    ni_cross = [c for c in ni_codes if rt_ni.get(c) != pano[c]]
    print("PA numbers: bijection onto 1..650 OK; NI numbers agree with R&T spreadsheet PANO: %s"
          % ("yes (18/18)" if not ni_cross else "NO: %s" % ni_cross))

    rows = []
    for code, r in const.items():
        rows.append([code, pano[code], r["Constituency name"].strip(), r["Region name"].strip(),
                     r["Country name"].strip(), to_int(r["Electorate"])])
    rows.sort(key=lambda x: x[1])
    counts["reference/constituencies.csv"] = write_csv(
        "reference/constituencies.csv",
        ["ons_code", "pa_number", "name", "region", "nation", "electorate"], rows)

    # ------------------------------------------------------------ parties.csv
    names_by_code = collections.defaultdict(collections.Counter)
    for r in hoc_cand:
        names_by_code[r["Party abbreviation"].strip()][r["Party name"].strip()] += 1
    codes = set(names_by_code) | {OTH}
    party_name = {}
    for code in codes:
        if code in NAME_OVERRIDES:
            party_name[code] = NAME_OVERRIDES[code]
        elif code == OTH:
            party_name[code] = OTH_NAME
        else:
            # most common name; ties broken alphabetically for determinism
            party_name[code] = sorted(names_by_code[code].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    major_order = [c for c, _ in MAJOR_COLOURS]
    colour = dict(MAJOR_COLOURS)
    for c in major_order:
        check(c in codes, "major party %s missing from HoC file" % c)
    order = major_order + sorted(c for c in codes if c not in colour)
    counts["reference/parties.csv"] = write_csv(
        "reference/parties.csv", ["code", "name", "colour"],
        [[c, party_name[c], colour.get(c, DEFAULT_COLOUR)] for c in order])
    party_rank = {c: i for i, c in enumerate(order)}

    # ------------------------------------------------------------ party_aliases.csv
    pa_xml_dir = os.path.join(src, "pa_xml", "scottish_parliament_test_2026")
    pa_abbrevs = set()
    for p in sorted(glob.glob(os.path.join(pa_xml_dir, "*.xml"))):
        with open(p, encoding="utf-8-sig") as f:
            text = f.read()
        for m in re.finditer(r"<Party\b[^>]*?\babbreviation=\"([^\"]*)\"", text):
            pa_abbrevs.add(m.group(1))
    check(pa_abbrevs, "no PA XML abbreviations found in %s" % pa_xml_dir)
    unknown = pa_abbrevs - set(PA_XML_ALIASES) - PA_XML_NOT_MAPPED
    check(not unknown, "unclassified PA XML abbreviations: %s" % sorted(unknown))

    candidates_alias = []  # (alias, code) in order of precedence
    for c in order:
        candidates_alias.append((c, c))
    for c in order:
        for n in sorted(names_by_code.get(c, {})):
            candidates_alias.append((n, c))
    candidates_alias += EXTRA_ALIASES
    for a in sorted(pa_abbrevs):
        if a in PA_XML_ALIASES:
            candidates_alias.append((a, PA_XML_ALIASES[a]))
    code_fold = {c.casefold(): c for c in codes}
    check(len(code_fold) == len(codes), "two party codes differ only by case")
    alias_map = {}  # casefolded alias -> (alias, code)
    for alias, code in candidates_alias:
        check(code in codes, "alias %r points to unknown code %r" % (alias, code))
        k = alias.casefold()
        check(code_fold.get(k, code) == code,
              "alias %r for %s is another party's code" % (alias, code))
        if k in alias_map:
            check(alias_map[k][1] == code, "alias %r maps to both %s and %s"
                  % (alias, alias_map[k][1], code))
            continue
        alias_map[k] = (alias, code)
    alias_rows = sorted(alias_map.values(), key=lambda ac: (party_rank[ac[1]], ac[0].casefold(), ac[0]))
    counts["reference/party_aliases.csv"] = write_csv(
        "reference/party_aliases.csv", ["alias", "code"], [list(x) for x in alias_rows])

    def resolve(alias):
        hit = alias_map.get(alias.strip().casefold())
        return hit[1] if hit else None

    # ------------------------------------------------------------ notional.csv
    # Per-candidate notional share from HoC's Change (2024 share minus notional 2019 share).
    notional_share_2024 = collections.defaultdict(lambda: collections.defaultdict(float))
    for r in hoc_cand:
        if r["Change"].strip() == "":
            continue
        share = to_float(r["Share"]) - to_float(r["Change"])
        notional_share_2024[r["ONS ID"].strip()][r["Party abbreviation"].strip()] += max(0.0, share)

    notional = {}  # code -> {party: votes}
    carve_log = []
    column_codes = {c for _, c in NOTIONAL_COLUMNS}
    for r in notionals:
        code = r["ONSConstID"].strip()
        votes = {p: to_int(r[col]) for col, p in NOTIONAL_COLUMNS}
        total = to_int(r["TotalVote19"])
        check(sum(votes.values()) == total, "%s: notional columns do not sum to TotalVote19" % code)
        carve = {}
        for party, share in sorted(notional_share_2024[code].items()):
            if party in column_codes:
                continue
            v = round_half_up(share * total)
            if v > 0:
                carve[party] = v
        oth = votes[OTH]
        want = sum(carve.values())
        if want > oth:
            # scale down to fit in Oth (floor, so Oth never goes negative)
            scaled = {p: (v * oth) // want for p, v in carve.items()}
            carve_log.append("%s %s: carved %d > Oth %d, scaled to %d"
                             % (code, const[code]["Constituency name"], want, oth, sum(scaled.values())))
            carve = {p: v for p, v in scaled.items() if v > 0}
        for p, v in carve.items():
            votes[p] = votes.get(p, 0) + v
        votes[OTH] = oth - sum(carve.values())
        check(votes[OTH] >= 0, "negative Oth in %s" % code)
        notional[code] = votes

    # Northern Ireland
    ge19_valid = {r["Constituency name"].strip(): to_int(r["Valid votes"]) for r in ge19_const
                  if r["Country name"].strip() == "Northern Ireland"}
    ge19_ni_cands = collections.defaultdict(list)
    for r in ge19_cand:
        if r["country_name"].strip() == "Northern Ireland":
            ge19_ni_cands[r["constituency_name"].strip()].append(r)
    ni_log = []
    for code in ni_codes:
        name = const[code]["Constituency name"].strip()
        name19 = NI_2019_NAME.get(name, name)
        check(name19 in ge19_valid, "NI seat %s has no 2019 namesake" % name)
        check(name19 in ge19_ni_cands, "NI seat %s has no 2019 candidates" % name)
        total = ge19_valid[name19]
        shares = dict(notional_share_2024[code])
        residual = max(0.0, 1.0 - sum(shares.values()))
        prev = collections.defaultdict(float)
        for r in ge19_ni_cands[name19]:
            p = resolve(r["party_abbreviation"])
            check(p is not None, "2019 abbreviation %r not in alias table" % r["party_abbreviation"])
            if p not in shares:
                prev[p] += to_float(r["share"])
        ptot = sum(prev.values())
        if ptot > 0:
            for p in sorted(prev):
                shares[p] = shares.get(p, 0.0) + residual * prev[p] / ptot
        else:
            shares[OTH] = shares.get(OTH, 0.0) + residual
        votes = {p: round_half_up(s * total) for p, s in shares.items()}
        ni_log.append("%s (2019 %s, %d valid): residual %.4f -> %s" % (
            name, name19, total, residual,
            ", ".join("%s" % p for p in sorted(prev)) if ptot > 0 else OTH))
        notional[code] = votes
    check(set(notional) == set(const), "notional does not cover all 650 seats")

    rows = []
    for code in sorted(notional):
        for p, v in sorted(notional[code].items(), key=lambda kv: (-kv[1], party_rank[kv[0]])):
            check(p in codes, "notional party %s not in parties.csv" % p)
            if v > 0:
                rows.append([code, p, v])
    counts["reference/notional.csv"] = write_csv("reference/notional.csv", ["ons_code", "party", "votes"], rows)

    # Verify notional winners against the HoC Result column.
    def previous_party(result):
        t = result.strip()
        m = re.fullmatch(r"(\S+) hold", t)
        if m:
            prev = m.group(1)
        else:
            m = re.fullmatch(r"(\S+) gain from (\S+)", t)
            check(m is not None, "unparsed Result %r" % result)
            prev = m.group(2)
        return "Spk" if prev == "Spkr" else prev

    mismatches = []
    for code in sorted(notional):
        v = notional[code]
        ranked = sorted(((n, p) for p, n in v.items()), key=lambda x: (-x[0], party_rank[x[1]]))
        win = ranked[0][1]
        check(win != OTH, "Oth is the notional winner in %s" % code)
        check(len(ranked) < 2 or ranked[0][0] != ranked[1][0], "notional tie in %s" % code)
        prev = previous_party(const[code]["Result"])
        if win != prev:
            mismatches.append("%s %s: notional winner %s, HoC result implies %s"
                              % (code, const[code]["Constituency name"], win, prev))
    print("Oth split (GB): %d seats had notional votes carved out of Oth" %
          sum(1 for c in notional if c[0] != "N" and any(p not in column_codes for p in notional[c])))
    for line in carve_log:
        print("  " + line)
    print("NI notional (residual share -> parties of the 2019 seat not carrying a 2024 Change):")
    for line in ni_log:
        print("  " + line)
    print("notional winner vs HoC Result: %d/650 match" % (650 - len(mismatches)))
    for m in mismatches:
        print("  MISMATCH " + m)
    check(not mismatches, "notional winners do not match HoC results")

    nat = collections.Counter()
    for v in notional.values():
        nat.update(v)
    grand = sum(nat.values())
    print("national notional shares (UK, %d votes): %s" % (grand, ", ".join(
        "%s %.1f" % (p, 100.0 * nat[p] / grand) for p in ["Con", "Lab", "LD", "RUK", "Green", "SNP", "PC"])))
    notional_winner_seats = collections.Counter(
        max(v.items(), key=lambda kv: (kv[1], -party_rank[kv[0]]))[0] for v in notional.values())
    print("notional seats: %s" % ", ".join("%s %d" % (p, n) for p, n in
                                           sorted(notional_winner_seats.items(), key=lambda kv: (-kv[1], kv[0]))))

    # ------------------------------------------------------------ reference/candidates.csv
    rows = []
    for r in hoc_cand:
        sitting = r["Sitting MP"].strip()
        check(sitting in ("Yes", "No"), "Sitting MP %r" % sitting)
        rows.append([r["ONS ID"].strip(), r["Candidate first name"].strip(), r["Candidate surname"].strip(),
                     r["Party abbreviation"].strip(), 1 if sitting == "Yes" else 0])
    rows.sort(key=lambda x: (x[0], x[2], x[1], x[3]))
    counts["reference/candidates.csv"] = write_csv(
        "reference/candidates.csv", ["ons_code", "first_name", "surname", "party", "sitting_mp"], rows)

    # ------------------------------------------------------------ watchlist.csv
    by_name = {r["Constituency name"].strip(): c for c, r in const.items()}
    rows = []
    for name, template in WATCHLIST:
        check(name in by_name, "watchlist seat %r not found" % name)
        code = by_name[name]
        v = notional[code]
        ranked = sorted(v.items(), key=lambda kv: (-kv[1], party_rank[kv[0]]))
        tot = sum(v.values())
        note = template.format(win=ranked[0][0], maj="{:,}".format(ranked[0][1] - ranked[1][1]),
                               ruk="%.1f%%" % (100.0 * v.get("RUK", 0) / tot))
        check("\n" not in note, "multi-line note")
        rows.append([code, name, note])
    counts["reference/watchlist.csv"] = write_csv("reference/watchlist.csv", ["ons_code", "name", "note"], rows)

    # ------------------------------------------------------------ night/declarations.csv
    decl = {}
    stale_fixed = []
    iso_re = re.compile(r"2024-07-0[4-6]T\d\d:\d\d:\d\d\+01:00")
    for r in scrape:
        code = r["code"].strip()
        if code in STALE_SCOTTISH_CODES:
            new = STALE_SCOTTISH_CODES[code]
            check(const[new]["Constituency name"].strip() == r["name"].strip(),
                  "stale code %s (%s) does not match %s" % (code, r["name"], new))
            stale_fixed.append("%s->%s" % (code, new))
            code = new
        check(code in const, "scrape code %s unknown" % code)
        t = r["first_seen_commit_time"].strip()
        check(iso_re.fullmatch(t) is not None, "unexpected scrape time %r" % t)
        check(code not in decl, "duplicate scrape code %s" % code)
        decl[code] = (t, "bbc_scrape")
    check(len(decl) == 631, "expected 631 scraped seats, got %d" % len(decl))
    print("scrape: stale Scottish codes replaced: %s" % ", ".join(stale_fixed))
    recorded = {r["ons_id"].strip(): r["time_recorded"].strip() for r in winners}
    fallback = sorted(set(const) - set(decl))
    for code in fallback:
        t = datetime.datetime.strptime(recorded[code], "%m/%d/%y %H:%M")
        decl[code] = (t.strftime("%Y-%m-%dT%H:%M:%S") + BST, "hoc_recorded")
    fb_names = sorted(const[c]["Constituency name"].strip() for c in fallback)
    check(len(fallback) == 19 and all(c in ni_codes for c in fallback if c != "E14001170")
          and "E14001170" in fallback, "fallback seats are not 18 NI + Chorley: %s" % fb_names)
    rows = []
    for code, (t, srcname) in decl.items():
        r = const[code]
        rows.append([code, t, srcname, to_int(r["Electorate"]), to_int(r["Invalid votes"])])
    rows.sort(key=lambda x: (x[1], x[0]))  # all offsets are +01:00, so string order is time order
    counts["night/declarations.csv"] = write_csv(
        "night/declarations.csv", ["ons_code", "declared_at", "time_source", "electorate", "invalid_votes"], rows)
    print("declarations: %d bbc_scrape, %d hoc_recorded; first %s %s, last %s %s" % (
        sum(1 for x in rows if x[2] == "bbc_scrape"), sum(1 for x in rows if x[2] == "hoc_recorded"),
        rows[0][0], rows[0][1], rows[-1][0], rows[-1][1]))

    # ------------------------------------------------------------ night/candidates.csv
    rows = []
    for r in hoc_cand:
        rows.append([r["ONS ID"].strip(), r["Candidate first name"].strip(), r["Candidate surname"].strip(),
                     r["Party abbreviation"].strip(), to_int(r["Votes"])])
    rows.sort(key=lambda x: (x[0], -x[4], x[2], x[1]))
    counts["night/candidates.csv"] = write_csv(
        "night/candidates.csv", ["ons_code", "first_name", "surname", "party", "votes"], rows)
    seat_votes = collections.Counter()
    for x in rows:
        seat_votes[x[0]] += x[4]

    # ------------------------------------------------------------ night/official_results.csv
    rows = []
    for code in sorted(const):
        r = const[code]
        rows.append([code, r["Constituency name"].strip(), r["Result"].strip(), r["First party"].strip(),
                     r["Second party"].strip(), to_int(r["Electorate"]), to_int(r["Valid votes"]),
                     to_int(r["Invalid votes"]), to_int(r["Majority"])])
    counts["night/official_results.csv"] = write_csv(
        "night/official_results.csv",
        ["ons_code", "name", "result", "first_party", "second_party", "electorate", "valid_votes",
         "invalid_votes", "majority"], rows)

    valid_total = sum(x[6] for x in rows)
    print("sum of valid votes: {:,}".format(valid_total))
    check(valid_total == 28808662, "valid votes total %d != 28,808,662" % valid_total)
    seats = collections.Counter(x[3] for x in rows)
    print("seats by first party: %s" % ", ".join(
        "%s %d" % (p, n) for p, n in sorted(seats.items(), key=lambda kv: (-kv[1], kv[0]))))
    expected = {"Lab": 411, "Con": 121, "LD": 72, "SNP": 9, "SF": 7, "Ind": 6, "DUP": 5, "RUK": 5,
                "Green": 4, "PC": 4, "SDLP": 2, "Spk": 1, "APNI": 1, "TUV": 1, "UUP": 1}
    check(dict(seats) == expected, "seat totals differ from expected")
    bad = [x[0] for x in rows if seat_votes[x[0]] != x[6]]
    check(not bad, "candidate votes do not sum to valid votes in %s" % bad)
    print("candidate votes sum to valid_votes in all 650 seats: OK")
    for x in rows:
        check(x[3] in codes and x[4] in codes, "first/second party not in parties.csv: %s" % x)

    # ------------------------------------------------------------ models/
    # Exit poll and projections in electd's model layout (data/README.md): one file per
    # model, `ons_code,<party codes>` (shares in %, probabilities 0-1) or `ons_code,party`
    # (a single pick), listed in models.csv.  Stale Scottish codes are mapped to 2024's.
    apogee_party = {"con": "Con", "grn": "Green", "lab": "Lab", "lib": "LD", "oth": OTH,
                    "pc": "PC", "ref": "RUK", "snp": "SNP"}

    def model_rows(path, scale):
        rows_out = []
        for r in read_csv(path):
            code = STALE_SCOTTISH_CODES.get(r["code"], r["code"])
            check(code in const, "model file %s: unknown seat %s" % (path, r["code"]))
            vals = []
            for col, party in sorted(apogee_party.items(), key=lambda kv: kv[1]):
                v = to_float(r[col]) * scale
                vals.append(("%.4f" % v).rstrip("0").rstrip(".") if v else "0")
            rows_out.append([code] + vals)
        return sorted(rows_out)

    model_header = ["ons_code"] + sorted(apogee_party.values())
    manifest = []
    ep_rows = model_rows(os.path.join(raw, "apogee", "exitpoll_seat_probabilities.csv"), 0.01)
    counts["reference/models/exit_poll.csv"] = write_csv("reference/models/exit_poll.csv", model_header, ep_rows)
    manifest.append(["exit_poll", "Exit poll (Ipsos for BBC, ITV News and Sky News)", "probabilities",
                     "exit_poll.csv", "1", "2024-07-04",
                     "BBC seat-by-seat exit-poll probabilities, a snapshot from the morning of 5 July (inglesp/apogee)"])
    national = []
    for r in read_csv(os.path.join(src, "derived", "exit_poll_2024_national.csv")):
        party = r["party_abbreviation_hoc"]
        national.append([OTH if party.lower() in ("", "others", "oth") else party, r["exit_poll_seats"]])
    check(sum(int(n[1]) for n in national) == 650, "exit poll national figures must sum to 650")
    counts["reference/models/exit_poll_national.csv"] = write_csv("reference/models/exit_poll_national.csv", ["party", "seats"], national)

    proj_titles = {
        "yougov": ("YouGov MRP", "1"), "electoralcalculus": ("Electoral Calculus", "1"),
        "survation": ("Survation MRP", "1"), "ft": ("Financial Times", "0"),
        "britainpredicts": ("Britain Predicts (New Statesman)", "0"), "economist": ("The Economist", "0"),
        "manifold": ("Manifold prediction market", "0"), "samfr": ("Sam Freedman's seat calls", "0"),
    }
    proj_dates = []
    for model in PROJECTION_MODELS:
        found = []
        for p in sorted(os.listdir(os.path.join(raw, "apogee", "projections"))):
            m = re.fullmatch(re.escape(model) + r"_(\d{4}-\d{2}-\d{2})\.csv", p)
            if m:
                found.append((m.group(1), p))
        check(len(found) == 1, "expected one projection file for %s, got %s" % (model, found))
        date, fname = found[0]
        path = os.path.join(raw, "apogee", "projections", fname)
        title, headline = proj_titles[model]
        if model == "samfr":
            kind = "pick"
            picks = sorted([STALE_SCOTTISH_CODES.get(r["code"], r["code"]), apogee_party[r["party"]]]
                           for r in read_csv(path))
            counts["reference/models/%s.csv" % model] = write_csv("reference/models/%s.csv" % model, ["ons_code", "party"], picks)
        else:
            kind = "probabilities" if model == "manifold" else "shares"
            counts["reference/models/%s.csv" % model] = write_csv("reference/models/%s.csv" % model, model_header,
                                                        model_rows(path, 1.0))
        manifest.append([model, title, kind, "%s.csv" % model, headline, date,
                         "inglesp/apogee data/processed/%s/%s/data.csv" % (model, date)])
        proj_dates.append("%s=%s" % (model, date))
    counts["reference/models/models.csv"] = write_csv("reference/models/models.csv",
                                            ["name", "title", "kind", "file", "headline", "published", "source"],
                                            manifest)
    print("projection dates: %s" % ", ".join(proj_dates))

    # ------------------------------------------------------------ notables.csv
    by_name = {}
    for r in hoc_cand:
        full = (r["Candidate first name"].strip() + " " + r["Candidate surname"].strip())
        by_name.setdefault(full.lower(), []).append(r["ONS ID"].strip())
    notables = []
    for name, note, critical in NOTABLES:
        seats = by_name.get(name.lower(), [])
        check(len(seats) == 1, "notable %s: expected one 2024 candidacy, found %s" % (name, seats))
        notables.append([seats[0], name, note, str(critical)])
    counts["reference/notables.csv"] = write_csv("reference/notables.csv", ["ons_code", "name", "note", "critical"],
                                                 notables)

    # ------------------------------------------------------------ scenarios.csv
    # Uniform-swing scenarios electd computes from the notional baseline: national share
    # changes in points, one row per party.  ITV's explainer asked what happens to the
    # Conservatives if Reform repeats Ukip's 2015 share (12.6%).
    ruk_change = round(12.6 - 100.0 * nat["RUK"] / grand, 2)
    scenarios = [
        ["reform-at-ukip-2015", "Reform UK at Ukip's 2015 share (12.6%), all from the Conservatives", "RUK", ruk_change],
        ["reform-at-ukip-2015", "Reform UK at Ukip's 2015 share (12.6%), all from the Conservatives", "Con", -ruk_change],
    ]
    counts["reference/models/scenarios.csv"] = write_csv("reference/models/scenarios.csv",
                                                         ["name", "title", "party", "change"], scenarios)

    # ------------------------------------------------------------ bellwethers.csv
    bell = [[c, const[c]["Constituency name"].strip(), note] for c, note in BELLWETHERS]
    counts["reference/bellwethers.csv"] = write_csv("reference/bellwethers.csv", ["ons_code", "name", "note"], bell)

    hexdata = copy_stripped(os.path.join(raw, "maps", "ge2024-constituencies.hexjson"), "hexmap.hexjson", False)
    import json
    hexes = json.loads(hexdata.decode("utf-8"))["hexes"]
    check(set(hexes) == set(const), "hexjson keys differ from the 650 ONS codes")

    # ------------------------------------------------------------ summary
    print("files written (data rows, excluding header):")
    for rel in counts:
        path = os.path.join(OUT, rel)
        with open(path, encoding="utf-8", newline="") as f:
            n = sum(1 for _ in csv.reader(f)) - 1
        print("  data/ge2024/%-34s %5d" % (rel, n))
    print("  data/ge2024/%-34s %5d hexes" % ("hexmap.hexjson", len(hexes)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
