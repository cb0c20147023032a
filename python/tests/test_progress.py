"""The progress bar: none for a run under a second or off a terminal, a
tqdm bar counting events otherwise."""

import ticklab
from ticklab._progress import Progress


def test_no_bar_before_a_second_has_passed():
    progress = Progress("BTC-PERP", interactive=True)
    progress(1000, 2000)
    assert progress.bar is None


def test_no_bar_off_a_terminal_or_notebook():
    progress = Progress("BTC-PERP", show_after_secs=0.0, interactive=False)
    progress(1000, 2000)
    assert progress.bar is None


def test_the_bar_counts_events_up_to_the_total(capsys):
    progress = Progress("BTC-PERP 2026-03-02", show_after_secs=0.0, interactive=True)
    progress(500, 2000)
    bar = progress.bar
    assert (bar.n, bar.total, bar.desc) == (500, 2000, "BTC-PERP 2026-03-02")
    progress(2000, 2000)
    assert bar.n == 2000
    progress.write("a log line")
    progress.close()
    assert progress.bar is None
    err = capsys.readouterr().err
    assert "a log line\n" in err
    assert "2.00k/2.00k" in err


def test_a_run_reports_its_progress_to_the_end(generated_day, monkeypatch):
    seen = []

    class Recording(Progress):
        def __call__(self, done, total):
            seen.append((done, total))

    monkeypatch.setattr("ticklab._run.Progress", Recording)
    res = ticklab.run(data=generated_day, strategy="noop")
    rows = res.stats["data_events"]
    assert rows == 40_053
    assert seen[-1] == (rows, rows)
    assert all(total == rows for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
