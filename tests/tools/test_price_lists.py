"""The instance price lists (tools/price_lists): their provenance, what they cover, how they are read."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
import yaml

from components import network
from tools import cost, price_lists
from tools.cost import PriceTable

LISTS = sorted(p.name for p in price_lists.LIST_DIR.glob("*.json"))


def _factor(size: str) -> float | None:
    """EC2/RDS/ElastiCache size normalisation: large = 4, Nxlarge = 8N (None for metal and the like)."""
    named = {"nano": 0.25, "micro": 0.5, "small": 1, "medium": 2, "large": 4, "xlarge": 8}
    match = re.fullmatch(r"(\d+)xlarge", size)
    return named.get(size) or (8 * int(match.group(1)) if match else None)


@pytest.mark.parametrize("name", LISTS)
def test_every_list_says_where_its_prices_come_from_and_when(name: str) -> None:
    doc = price_lists.load(name)
    assert set(doc) == {"source", "as_of", "unit", "how", "prices"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc["as_of"]) and doc["source"] and doc["unit"]
    assert doc["prices"] and all(isinstance(p, (int, float)) and p > 0 for p in doc["prices"].values())
    assert list(doc["prices"]) == sorted(doc["prices"]), "sorted, so a refresh diffs line by line"


def test_every_list_is_read_by_the_price_table() -> None:
    doc = yaml.safe_load((price_lists.LIST_DIR.parent / "prices.yaml").read_text())
    named = {s["file"] for e in doc["prices"].values() for s in e.get("sources", []) if "file" in s}
    assert named == set(LISTS)


@pytest.mark.parametrize("name", [n for n in LISTS if price_lists.load(n)["how"] != price_lists.GENERATED])
def test_hand_transcribed_lists_scale_with_size_within_a_family(name: str) -> None:
    # AWS prices a family's sizes in proportion to their normalisation factor (within rounding); a price
    # that breaks the proportion by more than 2 % is a copying mistake.
    families: dict[str, dict[str, float]] = {}
    for kind, price in price_lists.load(name)["prices"].items():
        family, size = kind.split(".")[-2:]
        if _factor(size):
            families.setdefault(family, {})[size] = price
    for family, sizes in families.items():
        per_unit = [price / _factor(size) for size, price in sizes.items()]
        assert max(per_unit) / min(per_unit) < 1.02, (name, family, sizes)


def test_valkey_nodes_cost_four_fifths_of_redis_ones() -> None:
    # The source's own statement ("every type the Redis table also has is 0.8x its Redis price"), which
    # catches a digit dropped in either transcription.
    redis = price_lists.load("elasticache-redis-us-east-1.json")["prices"]
    valkey = price_lists.load("elasticache-valkey-us-east-1.json")["prices"]
    assert set(redis) < set(valkey)
    assert all(valkey[kind] == pytest.approx(0.8 * price, abs=0.0006) for kind, price in redis.items())


def test_every_type_a_list_names_is_one_aws_offers() -> None:
    # A list naming a type the config would refuse is a typo (or a retired type to drop).
    table = PriceTable.load()
    for key, offered in price_lists.offered_types().items():
        for source in table.entries[key]["sources"]:
            assert set(source["prices"]) <= offered, (key, sorted(set(source["prices"]) - offered))


def test_every_node_type_valkey_runs_on_and_every_nat_instance_type_is_priced() -> None:
    assert cost.coverage()["elasticache_valkey_hour"][2] == []
    (constraint,) = network.NetworkSettings.model_fields["nat_instance_type"].metadata
    sizes = re.fullmatch(r"\^t4g\\\.\((.*)\)\$", constraint.pattern).group(1).split("|")
    assert sizes and all(PriceTable.load().rate("ec2_hour", f"t4g.{size}") for size in sizes)


# -- reading the package's catalog ------------------------------------------------------------


def _catalog(path: Path) -> Path:
    """A catalog.db with the tables and rows refresh reads, plus the rows it must leave out."""
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE catalog_metadata (key TEXT, value TEXT, updated_at TEXT);
        CREATE TABLE instance_types (id TEXT, provider_id TEXT, name TEXT);
        CREATE TABLE pricing (instance_type_id TEXT, region_id TEXT, os TEXT, price_per_hour REAL, price_type TEXT);
        CREATE TABLE managed_services (provider_id TEXT, service TEXT, tier_name TEXT, price_per_hour REAL, notes TEXT);
        INSERT INTO catalog_metadata VALUES ('refresh:aws:instances', '1', '2026-02-27T14:56:37+00:00'),
                                            ('refresh:aws:managed', '2', '2026-02-28T01:00:00+00:00');
        INSERT INTO instance_types VALUES ('a', 'aws', 't4g.nano'), ('g', 'gcp', 'e2-micro');
        INSERT INTO pricing VALUES ('a', 'aws:us-east-1', 'linux', 0.0042, 'on_demand'),
                                   ('a', 'aws:us-east-1', 'windows', 0.0088, 'on_demand'),
                                   ('a', 'aws:eu-west-1', 'linux', 0.0046, 'on_demand'),
                                   ('a', 'aws:us-east-1', 'linux', 0.0013, 'spot'),
                                   ('g', 'aws:us-east-1', 'linux', 0.0076, 'on_demand');
        INSERT INTO managed_services VALUES ('aws', 'rds', 'db.t4g.medium', 0.065, 'PostgreSQL db.t4g.medium Single-AZ'),
                                            ('aws', 'rds', 'db.t3.micro', 0.017, 'MySQL db.t3.micro Single-AZ'),
                                            ('aws', 'dynamodb', 'on-demand', 1.25, 'PostgreSQL x Single-AZ');
    """)
    con.commit()
    return path


def test_refresh_takes_linux_on_demand_ec2_and_postgres_rows_only(tmp_path: Path) -> None:
    lists = price_lists._catalog_lists(_catalog(tmp_path / "catalog.db"))
    ec2, rds = lists["ec2-us-east-1.json"], lists["rds-postgres-us-east-1.json"]
    assert ec2["prices"] == {"t4g.nano": 0.0042} and ec2["as_of"] == "2026-02-27"
    # MySQL's row for a class is left out, not taken as PostgreSQL's price: that class stays unpriced.
    assert rds["prices"] == {"db.t4g.medium": 0.065} and rds["as_of"] == "2026-02-28"
    assert json.loads(json.dumps(lists)) == lists  # what refresh writes


# -- how prices.yaml reads them ----------------------------------------------------------------


def _table(tmp_path: Path, entry: dict) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump({"region": "us-east-1", "currency": "USD", "hours_per_month": 730,
                                    "prices": {"k": entry}}))
    return path


def test_the_first_table_that_lists_a_type_prices_it(tmp_path: Path) -> None:
    table = PriceTable.load(_table(tmp_path, {"unit": "hour", "sources": [
        {"prices": {"a": 1.0}, "source": "one", "as_of": "2026-01-01"},
        {"prices": {"a": 2.0, "b": 3.0}, "source": "two", "as_of": "2026-02-01"}]}))
    assert (table.rate("k", "a"), table.rate("k", "b"), table.rate("k", "c")) == (1.0, 3.0, None)
    assert table.as_of == "2026-02-01"


@pytest.mark.parametrize("entry", [
    {"unit": "hour", "price": 1.0, "source": "s", "as_of": "2026-01-01",
     "sources": [{"prices": {"a": 1.0}, "source": "s", "as_of": "2026-01-01"}]},  # both forms
    {"unit": "hour", "sources": [{"prices": {"a": 1.0}, "source": "s"}]},  # a table without its date
    {"unit": "hour", "sources": [{"source": "s", "as_of": "2026-01-01"}]},  # a table without prices
    {"price": 1.0, "source": "s", "as_of": "2026-01-01"},  # no unit
])
def test_a_table_entry_without_its_provenance_is_refused(tmp_path: Path, entry: dict) -> None:
    with pytest.raises(ValueError, match="prices.yaml: k"):
        PriceTable.load(_table(tmp_path, entry))
