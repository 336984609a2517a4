import cProfile, pstats, sys, orjson, itertools
from compliance import Engine, load_rules
from compliance.audit import Emit
from compliance.columnar.run import PathCounts, run_columnar
from compliance.engine import parse_as_of
from compliance.sources import Item
rules = sys.argv[1]; n = int(sys.argv[2]); as_of = sys.argv[3]
eng = Engine(load_rules(rules))
with open("bench/data/road-fines.jsonl","rb") as fh:
    cases = [orjson.loads(l) for l in itertools.islice(fh, n)]
at = parse_as_of(as_of, eng.tz)
items = [Item(i+1, "jsonl", case=c) for i,c in enumerate(cases)]
emit = Emit(jsonl=True, keep_findings=False)
pr = cProfile.Profile(); pr.enable()
outs = list(run_columnar(eng, at, items, emit, PathCounts()))
pr.disable()
pstats.Stats(pr).sort_stats("cumulative").print_stats(45)
