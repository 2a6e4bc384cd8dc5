"""`diagram`: the drawing follows the graph: placement by tier, traffic paths, least-privilege arrows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURE_DEV, FIXTURE_PROD
from tools.__main__ import main
from tools.diagram import architecture, mermaid, render_image
from tools.harness import PROJECT_DIR

EXAMPLES = PROJECT_DIR / "examples"


@pytest.fixture(scope="module")
def dev(stack):
    return architecture(stack(FIXTURE_DEV), "platform/dev")


def _edges(arch) -> dict[tuple[str, str], str]:
    return {(e.src, e.dst): e.label for e in arch.edges}


def test_the_request_path_runs_internet_cloudfront_alb_services_stores(dev) -> None:
    edges = _edges(dev)
    assert edges[("internet", "edge_cdn")] == "HTTPS"
    assert edges[("waf_acl", "edge_cdn")] == "filters"
    assert ("edge_cdn", "app_main") in edges
    assert edges[("app_main", "app_frontend")] == ":3000" and edges[("app_main", "app_api")] == ":8000"
    assert edges[("app_api", "db_cluster")] == ":5432" and edges[("app_api", "cache_group")] == ":6379"
    # Behind CloudFront only: nothing reaches the load balancer from the internet directly.
    assert ("internet", "app_main") not in edges
    # Least privilege is visible: the frontend reaches neither store.
    assert not {("app_frontend", "db_cluster"), ("app_frontend", "cache_group")} & set(edges)


def test_the_pipeline_path_runs_upload_state_machine_batch(dev) -> None:
    edges = _edges(dev)
    assert edges[("app_api", "pipeline_uploads")] == "read/write"
    assert edges[("app_api", "pipeline_results")] == "read"
    assert edges[("app_api", "pipeline_machine")] == "start"
    assert edges[("pipeline_uploads", "pipeline_machine")] == "object created"
    assert edges[("pipeline_machine", "pipeline_queue")] == "submit job"
    assert edges[("pipeline_queue", "pipeline_results")] == "write"
    assert edges[("network_nat", "internet")] == "egress"


def test_parts_sit_in_their_subnet_tier_and_component(dev) -> None:
    where = {n.id: (n.place, n.component) for n in dev.nodes.values()}
    assert where["app_main"] == ("public", "app") and where["network_nat"] == ("public", "network")
    assert where["app_api"] == ("private", "app") and where["pipeline_queue"] == ("private", "pipeline")
    assert where["db_cluster"] == ("isolated", "db") and where["cache_group"] == ("isolated", "cache")
    assert where["edge_cdn"][0] == "edge" and where["pipeline_uploads"][0] == "regional"
    text = mermaid(dev)
    # VPC -> tier -> component, as nested subgraphs.
    assert text.index('subgraph vpc["VPC 10.10.0.0/16"]') < text.index('subgraph isolated["isolated subnets"]') \
        < text.index('subgraph isolated_db["db"]') < text.index("db_cluster[(")


def test_prod_draws_a_nat_per_az_and_the_interface_endpoints(stack) -> None:
    arch = architecture(stack(FIXTURE_PROD), "platform/prod")
    assert arch.nodes["nat"].label == "NAT gateway x 3"
    assert arch.nodes["endpoints"].place == "private"
    assert "Multi-AZ" in arch.nodes["db_instance"].label


def test_an_app_layer_stack_reaches_the_data_stack_through_its_own_rules(stack) -> None:
    arch = architecture(stack(EXAMPLES / "Pulumi.semiont-app.yaml"), "semiont-app")
    edges = _edges(arch)
    assert edges[("app_backend", "data_db")] == ":5432" and edges[("app_backend", "data_files")] == ":2049"
    assert ("app_frontend", "data_db") not in edges
    assert {n.kind for n in arch.nodes.values()} >= {"datastack", "service", "alb", "cdn"}


def test_on_eks_the_ingress_alb_reaches_the_pods(stack) -> None:
    arch = architecture(stack(EXAMPLES / "Pulumi.bioinformatics.yaml"), "bioinformatics")
    edges = _edges(arch)
    assert {("app_main", "app_api"), ("app_main", "app_frontend"), ("internet", "app_main")} <= set(edges)
    assert edges[("app_api", "db_cluster")] == ":5432" and ("app_frontend", "db_cluster") not in edges
    assert "EKS" in arch.nodes["app_api"].label


def test_png_and_svg_are_drawn_with_the_stacks_labels(dev, tmp_path: Path) -> None:
    png, svg = render_image(dev, tmp_path / "dev")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text()
    assert "CloudFront" in text and "VPC 10.10.0.0/16" in text and "isolated subnets" in text


def test_the_cli_prints_mermaid_and_writes_the_files(tmp_path: Path, capsys) -> None:
    assert main(["diagram", str(FIXTURE_DEV), "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("flowchart LR")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixture-dev.mmd", "fixture-dev.png", "fixture-dev.svg"]
