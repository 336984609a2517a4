"""Rule files: schema, loading (safe YAML, located errors) and compilation."""

from compliance.rules.load import RuleSet, load_rules, packs_root
from compliance.rules.schema import Rule

__all__ = ["Rule", "RuleSet", "load_rules", "packs_root"]
