"""no_grad / enable_grad: nesting, per thread, decorators; backward() from threads."""

import sys
import threading

import pytest

from engine import Value, custom_op, grad_mode, gradcheck, is_grad_enabled, no_grad, sum_values
from engine.grad_mode import enable_grad


def test_enable_grad_records_inside_no_grad_and_restores():
    a = Value(2.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            b = a * 3
        assert not is_grad_enabled()
        c = a * 3
    assert is_grad_enabled()
    assert b.inputs[0] is a and c.inputs == ()


def test_gradcheck_works_inside_no_grad():
    with no_grad():
        assert gradcheck(lambda x, y: (x * y).tanh(), [0.3, -0.7])


def test_custom_op_rejects_a_bare_value_instead_of_a_list():
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"lists \(one entry per input\)"):
        custom_op(8.0, x, [12.0], op="cube")
    with pytest.raises(TypeError, match=r"lists \(one entry per input\)"):
        custom_op(8.0, [x], 12.0, op="cube")


# -- grad mode is per thread, as in PyTorch --------------------------------------------


def records(a: Value) -> bool:
    """Whether an operation on ``a`` records the graph here and now."""
    return (a * 2).inputs[:1] == (a,)


def run_in_thread(target) -> None:
    """Run ``target`` in a new thread and re-raise anything it raised."""
    errors = []

    def body() -> None:
        try:
            target()
        except BaseException as error:  # pragma: no cover - only on failure
            errors.append(error)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    if errors:
        raise errors[0]


def test_one_threads_no_grad_never_stops_recording_in_another() -> None:
    a = Value(2.0)
    inside, leave = threading.Event(), threading.Event()
    seen_inside = []

    def predict() -> None:
        with no_grad():
            seen_inside.append(records(a))
            inside.set()
            assert leave.wait(timeout=30)

    thread = threading.Thread(target=predict)
    thread.start()
    assert inside.wait(timeout=30)
    try:
        assert is_grad_enabled() and records(a)  # this thread is still training
    finally:
        leave.set()
        thread.join(timeout=30)
    assert seen_inside == [False]
    assert grad_mode.all_threads_recording


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on() -> None:
    # The order that once left recording off for the whole process: A enters,
    # B enters (saving A's "off"), A leaves, B leaves (restoring "off").
    a = Value(1.0)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    recorded = {}

    def thread_a() -> None:
        with no_grad():
            a_in.set()
            assert b_in.wait(timeout=30)
        recorded["a"] = records(a)
        a_out.set()

    def thread_b() -> None:
        assert a_in.wait(timeout=30)
        with no_grad():
            b_in.set()
            assert a_out.wait(timeout=30)
            recorded["b inside"] = records(a)
        recorded["b"] = records(a)

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert recorded == {"a": True, "b inside": False, "b": True}
    assert records(a) and grad_mode.all_threads_recording


def test_a_thread_started_inside_no_grad_starts_recording() -> None:
    a = Value(1.0)
    seen = []
    with no_grad():
        run_in_thread(lambda: seen.append((is_grad_enabled(), records(a))))
    assert seen == [(True, True)]  # new threads start in the default mode, as in PyTorch


def test_one_no_grad_object_is_re_enterable_nestable_and_shared_by_threads() -> None:
    a = Value(1.0)
    quiet = no_grad()
    with quiet:
        with quiet:  # nested re-entry of the same object
            assert not records(a)
        assert not records(a)
        with enable_grad():
            assert records(a)
        assert not records(a)
    assert records(a)
    with quiet:  # entered again after use
        assert not records(a)
    assert records(a)
    inside, leave = threading.Event(), threading.Event()

    def use_it_elsewhere() -> None:
        with quiet:  # the same object, at the same time, in another thread
            inside.set()
            assert leave.wait(timeout=30)
            assert not records(a)
        assert records(a)

    thread = threading.Thread(target=use_it_elsewhere)
    thread.start()
    assert inside.wait(timeout=30)
    with quiet:
        leave.set()
        assert not records(a)
    thread.join(timeout=30)
    assert records(a) and grad_mode.all_threads_recording


def test_modes_are_restored_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            1 / 0  # noqa: B018
    assert is_grad_enabled() and grad_mode.all_threads_recording


def test_decorators_with_and_without_parentheses() -> None:
    a = Value(3.0)

    @no_grad()
    def predict(x: Value) -> Value:
        """Predict without a graph."""
        return x * 2

    @no_grad
    def predict_too(x: Value) -> Value:
        return x * 2

    @enable_grad()
    def train(x: Value) -> Value:
        return x * 2

    assert predict(a).inputs == () and predict_too(a).inputs == ()
    assert predict.__name__ == "predict" and predict.__doc__ == "Predict without a graph."
    with no_grad():
        assert train(a).inputs[0] is a
        assert not records(a)
    assert records(a)


def test_no_grad_on_a_generator_function_covers_its_body_and_only_its_body() -> None:
    a = Value(2.0)

    @no_grad()
    def predictions(n: int):
        total = 0
        for _ in range(n):
            received = yield a * 3  # made in the body: no graph
            total += received or 0
        return total

    gen = predictions(3)
    first = next(gen)
    assert first.inputs == ()
    assert records(a)  # the caller, between two steps of the generator, records
    second = gen.send(5)
    assert second.inputs == () and records(a)
    next(gen)
    with pytest.raises(StopIteration) as stop:
        gen.send(7)
    assert stop.value.value == 12  # the generator's return value comes through
    assert grad_mode.all_threads_recording


def test_a_no_grad_generator_is_resumed_in_its_mode_even_inside_enable_grad_and_threads() -> None:
    a = Value(2.0)

    @no_grad()
    def body_modes():
        while True:
            yield is_grad_enabled(), (a * 1).inputs

    @enable_grad()
    def recording_body():
        yield is_grad_enabled()

    gen = body_modes()
    with no_grad():
        assert next(gen) == (False, ())
        assert next(recording_body()) is True  # an enable_grad generator inside no_grad
        assert not is_grad_enabled()
    with enable_grad():
        assert next(gen) == (False, ())
    run_in_thread(lambda: next(gen))  # resumed in another thread: still no graph there
    assert next(gen) == (False, ()) and records(a)


def test_a_no_grad_generator_passes_throw_and_close_through() -> None:
    events = []

    @no_grad()
    def guarded():
        try:
            yield 1
        except KeyError:
            events.append(("caught", is_grad_enabled()))
            yield 2
        finally:
            events.append(("closed", is_grad_enabled()))

    gen = guarded()
    assert next(gen) == 1
    assert gen.throw(KeyError("x")) == 2
    gen.close()
    assert events == [("caught", False), ("closed", False)]
    assert is_grad_enabled() and grad_mode.all_threads_recording


def test_a_generator_paused_inside_no_grad_can_be_closed_from_another_thread() -> None:
    # Closing it leaves its `with no_grad():` block in the closing thread, which
    # has no mode of its own to restore: nothing is raised and its mode is kept.
    a = Value(1.0)

    def predictions():
        with no_grad():
            yield a * 2

    gen = predictions()
    next(gen)  # this thread is inside the generator's no_grad block now

    def close_it() -> None:
        gen.close()
        assert records(a)

    try:
        run_in_thread(close_it)
    finally:
        grad_mode._set_recording(True)  # this thread never left the block: switch back on
    assert records(a) and grad_mode.all_threads_recording


def test_async_functions_are_refused_with_a_clear_error() -> None:
    async def predict() -> None:
        pass

    with pytest.raises(TypeError, match="use 'with no_grad\\(\\):' inside it"):
        no_grad()(predict)


# -- backward() from several threads on shared leaves ----------------------------------


def test_concurrent_backward_calls_on_shared_nodes_add_every_gradient() -> None:
    # Three threads backpropagate through the same interior nodes (a shared
    # hidden computation) into the same leaves. Without the lock, one thread's
    # backward resets a shared node's grad while another is still passing it
    # on, and leaves get too much or too little.
    weights = [Value(1.0) for _ in range(20)]
    shared = [w * 2.0 for w in weights]
    calls = 300

    def train(scale: float) -> None:
        for _ in range(calls):
            loss = sum_values([h * scale for h in shared])
            loss.backward()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=train, args=(float(k),)) for k in (1, 2, 3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert [w.grad for w in weights] == [calls * 2.0 * (1 + 2 + 3)] * len(weights)


def test_is_grad_enabled_is_a_bool_that_follows_the_blocks():
    assert is_grad_enabled() is True
    with no_grad():
        assert is_grad_enabled() is False
        with enable_grad():
            assert is_grad_enabled() is True
        assert is_grad_enabled() is False
    assert is_grad_enabled() is True


def test_decorating_what_is_not_a_function_or_is_async_is_refused_whole() -> None:
    async def stream():
        yield 1

    for mode in (no_grad(), enable_grad()):
        name = type(mode).__name__
        assert repr(mode) == f"{name}()"
        with pytest.raises(TypeError) as refused:
            mode(5)
        assert str(refused.value) == f"{name}() decorates a function, got int"
        with pytest.raises(TypeError) as refused:
            mode(stream)
        assert str(refused.value) == (
            f"{name} cannot decorate the async function stream; use 'with {name}():' inside it"
        )
