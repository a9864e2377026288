"""The user's durable log and the workspace built on it: seq, replay window, write failures,
torn and damaged files, epochs and compaction — with real files."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from code_monet.types import Path as StrokePath
from code_monet.types import PathType, Point
from code_monet.types.messages import ClearMessage, PausedMessage
from code_monet.workspace import LogOptions, WorkspaceState
from code_monet.workspace.log import LOG_FILE, LogWriteError, UserLog, new_epoch
from code_monet.workspace.log_records import Committed, message_entry, op_entry, read_log


def _line(x: float) -> StrokePath:
    return StrokePath(type=PathType.LINE, points=[Point(x=x, y=1), Point(x=x + 5, y=9)])


def _fresh_log(tmp_path: Path, keep: int = 2000) -> UserLog:
    return UserLog.create(tmp_path / LOG_FILE, epoch=new_epoch(), base_seq=0, keep=keep)


def _reopen(tmp_path: Path) -> UserLog:
    loaded = read_log(tmp_path / LOG_FILE)
    return UserLog.resume(tmp_path / LOG_FILE, loaded)


async def _load(tmp_path: Path, user_id: str, **options: int) -> WorkspaceState:
    return await WorkspaceState.load_for_user(
        user_id, data_dir=tmp_path, durable=False, log_options=LogOptions(**options)
    )


async def _reload(state: WorkspaceState, tmp_path: Path, **options: int) -> WorkspaceState:
    state.close()
    return await _load(tmp_path, state.user_id, **options)


def _messages(directory: Path) -> list[dict[str, object]]:
    lines = (directory / LOG_FILE).read_text().splitlines()
    return [json.loads(line) for line in lines if '"seq":' in line[:30]]


class TestSequence:
    def test_seq_continues_after_reopening(self, tmp_path: Path) -> None:
        """Messages are numbered 1, 2, 3 … across a restart."""
        # Arrange
        log = _fresh_log(tmp_path)
        log.commit([message_entry(ClearMessage()), message_entry(PausedMessage(paused=True))])
        log.close()
        # Act
        again = _reopen(tmp_path)
        written = again.commit([message_entry(ClearMessage())])
        # Assert
        assert [m.seq for m in written] == [3]
        assert again.last_seq == 3 and again.epoch == log.epoch

    def test_internal_records_take_no_seq(self, tmp_path: Path) -> None:
        """Acks and state records are numbered (n) but never given a seq: no gaps for clients."""
        # Arrange
        log = _fresh_log(tmp_path)
        # Act
        log.commit([message_entry(ClearMessage()), op_entry("ack", up_to=3)])
        log.commit([message_entry(ClearMessage())])
        # Assert
        assert [m["seq"] for m in _messages(tmp_path)] == [1, 2]
        assert log.last_n == 3

    def test_replay_after_last_seq_and_window(self, tmp_path: Path) -> None:
        """since(n) is exactly what came after n; older than the window or ahead: None."""
        # Arrange
        log = _fresh_log(tmp_path, keep=3)
        for _ in range(10):
            log.commit([message_entry(ClearMessage())])
        # Act
        missed = log.since(7)
        # Assert
        assert missed is not None and [json.loads(m)["seq"] for m in missed] == [8, 9, 10]
        assert log.since(10) == []
        assert log.since(2) is None and log.since(11) is None

    def test_listener_gets_messages_only_after_they_are_written(self, tmp_path: Path) -> None:
        """The fan-out runs after the write and after the change is applied."""
        # Arrange
        log = _fresh_log(tmp_path)
        events: list[str] = []

        def listener(messages: list[Committed]) -> None:
            on_disk = (tmp_path / LOG_FILE).read_text()
            events.append(f"sent {messages[0].seq} on disk={messages[0].text in on_disk}")

        log.listener = listener
        # Act
        log.commit([message_entry(ClearMessage())], apply=lambda: events.append("applied"))
        # Assert
        assert events == ["applied", "sent 1 on disk=True"]


class TestWriteFailures:
    def test_a_failed_write_sends_nothing_and_consumes_no_seq(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """ENOSPC: the error names the full disk; the file, seq, memory and sockets are as
        before; the next write that works continues with the same seq."""
        # Arrange
        log = _fresh_log(tmp_path)
        log.commit([message_entry(ClearMessage())])
        size = (tmp_path / LOG_FILE).stat().st_size
        sent: list[int] = []
        failures: list[str | None] = []
        log.listener = lambda messages: sent.extend(m.seq for m in messages)
        log.on_failure = lambda error: failures.append(error.reason if error else None)
        real_write = __import__("os").write

        def half_then_full(fd: int, data: bytes) -> int:
            real_write(fd, data[: len(data) // 2])  # a torn append, as a full disk leaves
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("code_monet.workspace.log.os.write", half_then_full)
        applied: list[int] = []
        # Act
        with pytest.raises(LogWriteError, match="disk is full") as caught:
            log.commit([message_entry(ClearMessage())], apply=lambda: applied.append(1))
        # Assert (failed)
        assert caught.value.errno == errno.ENOSPC
        assert (tmp_path / LOG_FILE).stat().st_size == size
        assert sent == [] and applied == [] and log.last_seq == 1
        assert log.failing is not None and failures == ["the server's disk is full"]
        # Act (space again)
        monkeypatch.setattr("code_monet.workspace.log.os.write", real_write)
        written = log.commit([message_entry(ClearMessage())])
        # Assert (recovered)
        assert [m.seq for m in written] == [2] and sent == [2]
        assert log.failing is None and failures[-1] is None
        assert [m["seq"] for m in _messages(tmp_path)] == [1, 2]

    def test_a_descriptor_closed_under_us_is_reported_not_closed_again(
        self, tmp_path: Path
    ) -> None:
        """EBADF (someone closed our fd): the write fails cleanly and the next one reopens."""
        # Arrange
        log = _fresh_log(tmp_path)
        log.commit([message_entry(ClearMessage())])
        fd = log._fd
        assert fd is not None
        __import__("os").close(fd)
        # Act
        with pytest.raises(LogWriteError):
            log.commit([message_entry(ClearMessage())])
        written = log.commit([message_entry(ClearMessage())])
        # Assert
        assert [m.seq for m in written] == [2]
        assert [m["seq"] for m in _messages(tmp_path)] == [1, 2]


class TestDamagedFiles:
    async def test_a_torn_tail_is_cut_and_the_next_append_is_clean(
        self, tmp_path: Path, user_id: str
    ) -> None:
        """A crash mid-append leaves half a line: it is cut, nothing is glued onto it, and a
        resume skips no seq."""
        # Arrange
        state = await _load(tmp_path, user_id)
        await state.add_strokes([_line(1)], queue=True)
        epoch = state.log.epoch
        state.close()
        with (state.directory / LOG_FILE).open("ab") as handle:
            handle.write(b'{"n":99,"seq":2,"type":"stro')
        # Act
        again = await _load(tmp_path, user_id)
        await again.add_strokes([_line(2)], queue=True)
        # Assert
        assert [m["seq"] for m in _messages(again.directory)] == [1, 2]
        assert again.canvas.stroke_count == 2 and again.log.epoch == epoch
        assert not list(again.directory.glob("log.jsonl.corrupt-*"))

    async def test_a_damaged_middle_record_is_copied_aside_and_later_records_kept(
        self, tmp_path: Path, user_id: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The file is copied before anything is rewritten; every intact record after the
        damage is applied; the log line names the file and the offset; a new epoch starts."""
        # Arrange
        state = await _load(tmp_path, user_id)
        for x in range(5):
            await state.add_strokes([_line(x)], queue=True)
        epoch, last_seq = state.log.epoch, state.log.last_seq
        state.close()
        path = state.directory / LOG_FILE
        lines = path.read_bytes().split(b"\n")
        second = next(
            i for i, line in enumerate(lines) if line.count(b'"type":"strokes"') and i > 1
        )
        offset = sum(len(line) + 1 for line in lines[:second])
        lines[second] = lines[second][:30] + b"\x00garbage" + lines[second][40:]
        original = b"\n".join(lines)
        path.write_bytes(original)
        # Act
        again = await _load(tmp_path, user_id)
        # Assert
        copies = list(again.directory.glob("log.jsonl.corrupt-*"))
        assert len(copies) == 1 and copies[0].read_bytes() == original
        assert again.canvas.stroke_count == 4
        assert again.log.epoch != epoch
        assert again.log.last_seq > last_seq  # never reused, never backwards
        assert f"byte {offset}" in caplog.text and str(path) in caplog.text

    async def test_a_garbage_snapshot_is_moved_aside_and_seq_moves_forward(
        self, tmp_path: Path, user_id: str
    ) -> None:
        """A damaged workspace.json: kept aside, an empty canvas, a new epoch, seq onwards."""
        # Arrange
        state = await _load(tmp_path, user_id)
        await state.add_strokes([_line(1)], queue=True)
        await state.save()
        epoch, last_seq = state.log.epoch, state.log.last_seq
        state.close()
        (state.directory / "workspace.json").write_bytes(b"\x00\x01not json")
        # Act
        again = await _load(tmp_path, user_id)
        # Assert
        assert again.canvas.stroke_count == 0 and again.log.epoch != epoch
        assert len(list(again.directory.glob("workspace.json.corrupt-*"))) == 1
        assert again.log.last_seq > last_seq

    @pytest.mark.parametrize("damage", ["deleted", "emptied", "cut"])
    async def test_a_lost_log_starts_a_new_epoch(
        self, tmp_path: Path, user_id: str, damage: str
    ) -> None:
        """A log deleted, emptied or cut short of what the snapshot folded in is history lost:
        a new epoch, seq beyond anything sent, the snapshot's canvas kept."""
        # Arrange
        state = await _load(tmp_path, user_id)
        await state.add_strokes([_line(1)], queue=True)
        await state.save()  # snapshot folded at the newest record
        await state.add_strokes([_line(2)], queue=True)
        epoch, last_seq = state.log.epoch, state.log.last_seq
        state.close()
        path = state.directory / LOG_FILE
        if damage == "deleted":
            path.unlink()
        elif damage == "emptied":
            path.write_bytes(b"")
        else:
            path.write_bytes(path.read_bytes().split(b"\n")[0] + b"\n")  # only the header
        # Act
        again = await _load(tmp_path, user_id)
        # Assert
        assert again.log.epoch != epoch
        assert again.log.last_seq > last_seq
        assert again.canvas.stroke_count >= 1  # the snapshot's strokes

    async def test_everything_damaged_at_once_still_loads(
        self, tmp_path: Path, user_id: str
    ) -> None:
        """Garbage snapshot, damaged middle record and torn tail together: it loads, keeps
        copies of both files, and numbering goes on past the old one."""
        # Arrange
        state = await _load(tmp_path, user_id)
        for x in range(4):
            await state.add_strokes([_line(x)], queue=True)
        await state.save()
        await state.add_strokes([_line(9)], queue=True)
        epoch, last_seq = state.log.epoch, state.log.last_seq
        state.close()
        (state.directory / "workspace.json").write_bytes(b"{not json")
        path = state.directory / LOG_FILE
        lines = path.read_bytes().split(b"\n")
        lines[1] = b"#" + lines[1]
        path.write_bytes(b"\n".join(lines) + b'{"n":77,"seq"')
        # Act
        again = await _load(tmp_path, user_id)
        await again.add_strokes([_line(20)], queue=True)
        # Assert
        assert again.log.epoch != epoch and again.log.last_seq > last_seq
        assert list(again.directory.glob("workspace.json.corrupt-*"))
        assert list(again.directory.glob("log.jsonl.corrupt-*"))
        seqs = [m["seq"] for m in _messages(again.directory)]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))


class TestCompaction:
    async def test_the_log_stays_bounded_and_reloads_exactly(
        self, tmp_path: Path, user_id: str
    ) -> None:
        """Past max_bytes the log is folded into a snapshot and cut to its window; the canvas,
        the queue and the seq survive a reload unchanged."""
        # Arrange
        options = {"max_bytes": 8_000, "window_bytes": 3_000, "keep": 50}
        state = await _load(tmp_path, user_id, **options)
        sizes: list[int] = []
        # Act
        for x in range(120):
            await state.add_strokes([_line(float(x))], queue=x % 3 == 0)
            if state.snapshots.compacting is not None:
                await state.snapshots.compacting
            sizes.append((state.directory / LOG_FILE).stat().st_size)
        canvas, pending, last_seq = (
            state.canvas.strokes,
            state.queue.persisted(),
            state.log.last_seq,
        )
        epoch = state.log.epoch
        again = await _reload(state, tmp_path, **options)
        # Assert
        assert max(sizes) < 8_000 + 3_000 + 2_000
        assert again.canvas.strokes == canvas and again.queue.persisted() == pending
        assert again.log.last_seq == last_seq and again.log.epoch == epoch
        missed = again.log.since(last_seq - 3)
        assert missed is not None and len(missed) == 3

    async def test_a_client_older_than_the_window_needs_a_fresh_init(
        self, tmp_path: Path, user_id: str
    ) -> None:
        """How far back a client can resume: at most ``keep`` messages and ``window_bytes``."""
        # Arrange
        state = await _load(tmp_path, user_id, keep=5)
        for x in range(12):
            await state.add_strokes([_line(float(x))], queue=True)
        # Act / Assert
        assert state.log.since(state.log.last_seq - 5) is not None
        assert state.log.since(state.log.last_seq - 6) is None


class TestInterruptedTurns:
    async def test_a_turn_run_again_after_a_restart_does_not_draw_twice(
        self, tmp_path: Path, user_id: str
    ) -> None:
        """Batches the unfinished turn drew are skipped when the same turn draws them again;
        new ones are drawn; once the turn is recorded, nothing is skipped any more."""
        # Arrange
        state = await _load(tmp_path, user_id)
        await state.add_strokes([_line(1)], queue=True)
        await state.add_strokes([_line(2)], queue=True)
        # Act: the server dies mid-turn; the turn runs again from the start
        again = await _reload(state, tmp_path)
        first = await again.add_strokes([_line(1)], queue=True)
        second = await again.add_strokes([_line(2)], queue=True)
        third = await again.add_strokes([_line(3)], queue=True)
        await again.record_turn(1, None)
        fourth = await again.add_strokes([_line(1)], queue=True)
        # Assert
        assert (first, second) == (None, None) and third and fourth
        assert [p.points[0].x for p in again.canvas.strokes] == [1, 2, 3, 1]
