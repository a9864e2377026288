"""Prometheus metrics facade: values, bounded labels and the text exposition."""

from __future__ import annotations

import prometheus_client
import pytest

from code_monet.observability import metrics
from code_monet.observability.metrics import REGISTRY, _OpenLabel


def _value(name: str, **labels: str) -> float:
    """Current value of a sample (0 when it does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


class TestConnections:
    """Connection counters and the open-connection gauge."""

    def test_open_and_close_move_the_gauge(self) -> None:
        """Opened/closed are counted by version/code; the active gauge goes up then down."""
        # Arrange
        opened = _value("codemonet_ws_connections_opened_total", protocol_version="2")
        closed = _value("codemonet_ws_connections_closed_total", close_code="1001")
        active = _value("codemonet_ws_connections_active")
        # Act
        metrics.connection_opened(2)
        during = _value("codemonet_ws_connections_active")
        metrics.connection_closed(1001)
        # Assert
        assert _value("codemonet_ws_connections_opened_total", protocol_version="2") == opened + 1
        assert _value("codemonet_ws_connections_closed_total", close_code="1001") == closed + 1
        assert during == active + 1
        assert _value("codemonet_ws_connections_active") == active

    def test_unknown_versions_and_codes_collapse(self) -> None:
        """Protocol 99 and close code 3999 are counted as other."""
        # Arrange
        opened = _value("codemonet_ws_connections_opened_total", protocol_version="other")
        closed = _value("codemonet_ws_connections_closed_total", close_code="other")
        # Act
        metrics.connection_opened(99)
        metrics.connection_closed(3999)
        # Assert
        assert _value("codemonet_ws_connections_opened_total", protocol_version="other") == (
            opened + 1
        )
        assert _value("codemonet_ws_connections_closed_total", close_code="other") == closed + 1

    def test_active_users_is_set_never_negative(self) -> None:
        """set_active_users sets the gauge (clamped at zero)."""
        # Arrange / Act
        metrics.set_active_users(5)
        five = _value("codemonet_active_users")
        metrics.set_active_users(-3)
        # Assert
        assert five == 5
        assert _value("codemonet_active_users") == 0


class TestMessagesAndTools:
    """Message types and tool names are a closed set; reasons are normalised."""

    @pytest.mark.parametrize(("sent", "label"), [("nudge", "nudge"), ("rm -rf", "other")])
    def test_client_message_types(self, sent: str, label: str) -> None:
        """Known types keep their name, anything else is other."""
        # Arrange
        before = _value("codemonet_ws_client_messages_total", type=label)
        # Act
        metrics.client_message(sent)
        # Assert
        assert _value("codemonet_ws_client_messages_total", type=label) == before + 1

    def test_rejection_reason_is_normalised(self) -> None:
        """Reasons become lower-case slugs."""
        # Arrange
        before = _value("codemonet_ws_client_messages_rejected_total", reason="bad_json")
        # Act
        metrics.client_message_rejected(" Bad JSON ")
        # Assert
        assert _value("codemonet_ws_client_messages_rejected_total", reason="bad_json") == (
            before + 1
        )

    @pytest.mark.parametrize(
        ("tool", "ok", "labels"),
        [
            ("draw_paths", True, {"tool": "draw_paths", "outcome": "ok"}),
            ("generate_svg", False, {"tool": "generate_svg", "outcome": "error"}),
            ("made_up_tool", False, {"tool": "other", "outcome": "error"}),
        ],
    )
    def test_tool_calls(self, tool: str, ok: bool, labels: dict[str, str]) -> None:
        """Calls are counted by tool and outcome; unknown tools are other."""
        # Arrange
        before = _value("codemonet_tool_calls_total", **labels)
        # Act
        metrics.tool_call(tool, ok)
        # Assert
        assert _value("codemonet_tool_calls_total", **labels) == before + 1

    def test_known_tool_names_match_the_tools(self) -> None:
        """The closed set of tool names is the agent's actual tool list."""
        # Arrange
        from code_monet.tools.registry import TOOLS

        # Act
        names = {tool.name for tool in TOOLS}
        # Assert
        assert names == metrics.KNOWN_TOOL_NAMES


class TestTurnsBatchesRenders:
    """Histograms: turns, batch sizes and delivery latency, renders."""

    @pytest.mark.parametrize(("outcome", "label"), [("interrupted", "interrupted"), ("x", "other")])
    def test_turn_finished(self, outcome: str, label: str) -> None:
        """A turn adds to the outcome counter and the duration histogram."""
        # Arrange
        turns = _value("codemonet_agent_turns_total", outcome=label)
        total = _value("codemonet_agent_turn_duration_seconds_sum", outcome=label)
        # Act
        metrics.turn_finished(2.5, outcome)
        # Assert
        assert _value("codemonet_agent_turns_total", outcome=label) == turns + 1
        assert _value("codemonet_agent_turn_duration_seconds_sum", outcome=label) == total + 2.5

    def test_batches(self) -> None:
        """Queued batches count, with their size; delivery latency is observed."""
        # Arrange
        queued = _value("codemonet_stroke_batches_queued_total")
        strokes = _value("codemonet_stroke_batch_size_strokes_sum")
        delivered = _value("codemonet_stroke_batch_delivery_seconds_count")
        # Act
        metrics.batch_queued(12)
        metrics.batch_delivered(0.04)
        metrics.slow_client_dropped()
        # Assert
        assert _value("codemonet_stroke_batches_queued_total") == queued + 1
        assert _value("codemonet_stroke_batch_size_strokes_sum") == strokes + 12
        assert _value("codemonet_stroke_batch_delivery_seconds_count") == delivered + 1
        assert _value("codemonet_ws_slow_clients_dropped_total") >= 1

    def test_render_finished(self) -> None:
        """Renders are observed by kind."""
        # Arrange
        before = _value("codemonet_render_duration_seconds_count", kind="thumbnail")
        # Act
        metrics.render_finished("thumbnail", 0.2)
        # Assert
        assert _value("codemonet_render_duration_seconds_count", kind="thumbnail") == before + 1


class TestHttpRequests:
    """HTTP metrics use route templates and bounded methods/statuses."""

    def test_request_counted_by_template(self) -> None:
        """Method, template and status label the counter and histogram."""
        # Arrange
        labels = {"method": "GET", "route": "/s/{token}", "status": "200"}
        before = _value("codemonet_http_requests_total", **labels)
        # Act
        metrics.http_request("get", "/s/{token}", 200, 0.01)
        # Assert
        assert _value("codemonet_http_requests_total", **labels) == before + 1
        timed = _value(
            "codemonet_http_request_duration_seconds_count", method="GET", route="/s/{token}"
        )
        assert timed >= 1

    def test_odd_values_collapse(self) -> None:
        """Unknown methods, junk routes and impossible statuses become other."""
        # Arrange
        labels = {"method": "other", "route": "other", "status": "other"}
        before = _value("codemonet_http_requests_total", **labels)
        # Act
        metrics.http_request("BREW", "/a path with spaces", 999, 0.01)
        # Assert
        assert _value("codemonet_http_requests_total", **labels) == before + 1


class TestBoundedLabels:
    """Free-form labels stop growing at their limit."""

    def test_open_label_caps_distinct_values(self) -> None:
        """After the limit, new values are other; values already seen stay."""
        # Arrange
        label = _OpenLabel(2)
        # Act
        values = [label("a"), label("b"), label("c"), label("a")]
        # Assert
        assert values == ["a", "b", "other", "a"]

    def test_open_label_normalises(self) -> None:
        """Slugs are lower case, [a-z0-9_], at most 48 characters, never empty."""
        # Arrange
        label = _OpenLabel(10)
        # Act / Assert
        assert label("Rate Limited!") == "rate_limited"
        assert label("???") == "other"
        assert len(label("x" * 100)) == 48


class TestExposition:
    """render_latest is the text served at /metrics."""

    def test_text_format_and_content(self) -> None:
        """Prometheus text with our metric families and the process collector."""
        # Arrange
        metrics.client_spans_received(3)
        # Act
        body, content_type = metrics.render_latest()
        # Assert
        text = body.decode()
        assert content_type.startswith("text/plain")
        assert "# TYPE codemonet_ws_connections_opened_total counter" in text
        assert "codemonet_client_spans_received_total" in text
        assert "python_info" in text

    def test_not_in_the_default_registry(self) -> None:
        """The module registry is separate from prometheus_client's global one."""
        # Arrange / Act
        default_text = prometheus_client.generate_latest().decode()
        # Assert
        assert "codemonet_" not in default_text
