"""Unit tests for the sliding-window RateLimiter."""

from __future__ import annotations

import threading

import pytest

from code_monet.limits.rate_limiter import RateLimiter, RateLimiterConfig


def _limiter(max_requests: int = 3, window: float = 10.0, max_keys: int = 1000) -> RateLimiter:
    return RateLimiter(RateLimiterConfig(max_requests, window, max_keys=max_keys))


class TestSlidingWindow:
    """Requests are counted over a sliding window per key."""

    def test_allows_up_to_the_limit_then_refuses(self) -> None:
        """The (max+1)-th request within the window is refused."""
        # Arrange
        limiter = _limiter(max_requests=3)
        # Act
        results = [limiter.is_allowed("u", now=float(i)) for i in range(4)]
        # Assert
        assert results == [True, True, True, False]

    def test_window_slides_rather_than_resets(self) -> None:
        """Only requests older than the window stop counting."""
        # Arrange
        limiter = _limiter(max_requests=2, window=10.0)
        limiter.is_allowed("u", now=0.0)
        limiter.is_allowed("u", now=5.0)
        # Act
        at_9 = limiter.is_allowed("u", now=9.0)
        at_10_5 = limiter.is_allowed("u", now=10.5)
        at_11 = limiter.is_allowed("u", now=11.0)
        # Assert
        assert at_9 is False
        assert at_10_5 is True
        assert at_11 is False

    def test_after_window_everything_allowed_again(self) -> None:
        """Once the window has passed the full quota is back."""
        # Arrange
        limiter = _limiter(max_requests=2, window=60.0)
        limiter.is_allowed(1, now=0.0)
        limiter.is_allowed(1, now=0.0)
        # Act
        allowed = limiter.is_allowed(1, now=61.0)
        # Assert
        assert allowed is True
        assert limiter.remaining(1, now=61.0) == 1

    def test_keys_are_independent(self) -> None:
        """One user's traffic never uses another user's quota."""
        # Arrange
        limiter = _limiter(max_requests=1)
        limiter.is_allowed("a", now=0.0)
        # Act
        b_allowed = limiter.is_allowed("b", now=0.0)
        a_again = limiter.is_allowed("a", now=0.0)
        # Assert
        assert b_allowed is True
        assert a_again is False

    def test_refused_requests_are_not_counted(self) -> None:
        """A client hammering while limited recovers when its old requests expire."""
        # Arrange
        limiter = _limiter(max_requests=1, window=10.0)
        limiter.is_allowed("u", now=0.0)
        for t in range(1, 10):
            limiter.is_allowed("u", now=float(t))
        # Act
        allowed = limiter.is_allowed("u", now=10.5)
        # Assert
        assert allowed is True


class TestRemainingRetry:
    """Introspection helpers."""

    def test_remaining_counts_down(self) -> None:
        """remaining() reports the quota left without consuming it."""
        # Arrange
        limiter = _limiter(max_requests=3)
        # Act
        before = limiter.remaining("u", now=0.0)
        limiter.is_allowed("u", now=0.0)
        after = limiter.remaining("u", now=0.0)
        # Assert
        assert (before, after) == (3, 2)

    def test_retry_after_is_time_until_oldest_expires(self) -> None:
        """retry_after() tells a limited client how long to wait."""
        # Arrange
        limiter = _limiter(max_requests=1, window=10.0)
        limiter.is_allowed("u", now=2.0)
        # Act
        wait = limiter.retry_after("u", now=5.0)
        # Assert
        assert wait == pytest.approx(7.0)


class TestBoundsAndConcurrency:
    """Memory stays bounded and concurrent use never over-admits."""

    def test_key_table_is_bounded(self) -> None:
        """Tracking many distinct keys never exceeds max_keys."""
        # Arrange
        limiter = _limiter(max_requests=5, window=10.0, max_keys=100)
        # Act
        for i in range(1000):
            limiter.is_allowed(f"ip-{i}", now=float(i) * 0.001)
        # Assert
        assert limiter.tracked_keys <= 100

    def test_threads_never_exceed_limit(self) -> None:
        """Eight threads racing on one key get exactly max_requests admissions."""
        # Arrange
        limiter = _limiter(max_requests=50, window=1000.0)
        admitted: list[bool] = []
        lock = threading.Lock()

        def worker() -> None:
            for _ in range(100):
                ok = limiter.is_allowed("shared", now=1.0)
                with lock:
                    admitted.append(ok)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        # Act
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # Assert
        assert sum(admitted) == 50

    @pytest.mark.parametrize(("requests", "window"), [(0, 1.0), (1, 0.0), (1, -5.0)])
    def test_invalid_config_rejected_with_context(self, requests: int, window: float) -> None:
        """Nonsense configuration fails loudly, naming the field."""
        # Arrange / Act / Assert
        with pytest.raises(ValueError, match=r"max_requests|window_seconds"):
            RateLimiterConfig(requests, window)
