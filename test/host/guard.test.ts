// The time-slice clock on real instrumented modules: a spinning guest called through JSPI yields to the
// event loop, guests on one thread take turns, a stopped guest waiting its turn is rejected at once,
// the deadline still stops a spinning one, and where no suspension is possible the guest runs on.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWasmkubeError } from '../../src/errors.ts';
import { GuestClock, RunGroup } from '../../src/host/engines/guard.ts';
import { instrumentModule } from '../../src/host/engines/wasm/instrument.ts';
import { attachInterrupt, promising } from '../../src/host/engines/wasm/interrupt.ts';
import { wat } from '../wasm/wat.ts';

const SPIN = instrumentModule(
  wat(`(module
    (global $n (export "n") (mut i32) (i32.const 0))
    (func (export "spin") (loop $forever (global.set $n (i32.add (global.get $n) (i32.const 1))) (br $forever)))
    (func (export "count") (param $to i32)
      (loop $next
        (global.set $n (i32.add (global.get $n) (i32.const 1)))
        (br_if $next (i32.lt_u (global.get $n) (local.get $to))))))`),
  { interrupt: true },
).bytes;
const spinModule = new WebAssembly.Module(SPIN);

function guest(group?: RunGroup) {
  const clock = new GuestClock(group);
  const instance = new WebAssembly.Instance(spinModule, {});
  attachInterrupt(instance, clock.hook);
  const n = instance.exports.n as WebAssembly.Global;
  return {
    clock,
    n,
    spin: promising(instance.exports.spin as () => void),
    count: promising(instance.exports.count as (to: number) => void),
    countSync: instance.exports.count as (to: number) => void,
  };
}

const isDeadline = (err: unknown) => isWasmkubeError(err) && err.code === 'GUEST_DEADLINE';

describe('guest time slices', () => {
  it('a spinning guest yields: a timer set before it fires while it still runs', async () => {
    const g = guest();
    g.clock.enter(performance.now() + 400, 400);
    let spunWhenTimerFired = -1;
    setTimeout(() => {
      spunWhenTimerFired = g.n.value;
    }, 20);
    await assert.rejects(g.spin(), isDeadline);
    g.clock.leave();
    assert.ok(spunWhenTimerFired > 0, 'the timer fired while the guest was running');
    assert.ok(g.n.value > spunWhenTimerFired, 'and the guest went on after it');
  });

  it('guests on one thread take turns, and each is stopped at its own deadline', async () => {
    const a = guest();
    const b = guest();
    const now = performance.now();
    a.clock.enter(now + 300, 300);
    b.clock.enter(now + 600, 600);
    let bWhenAEnded = -1;
    const ra = a.spin().catch((err: unknown) => {
      bWhenAEnded = b.n.value;
      return err;
    });
    const rb = b.spin().catch((err: unknown) => err);
    assert.ok(isDeadline(await ra));
    assert.ok(bWhenAEnded > 0, 'b ran while a was still spinning');
    assert.ok(isDeadline(await rb));
    assert.ok(b.n.value > bWhenAEnded, 'b kept going after a was stopped');
  });

  it('services take turns, not guests: three looping guests of one service get the thread as often as one of another', async () => {
    const flood = new RunGroup();
    const floods = [guest(flood), guest(flood), guest(flood)];
    const other = guest(new RunGroup());
    for (const g of floods) g.clock.enter(performance.now() + 20_000, 20_000);
    other.clock.enter(performance.now() + 300, 300);
    const running = floods.map((g) => g.spin().catch((err: unknown) => err));
    // One guest runs per event-loop turn: an observer that runs once a turn sees whose count moved.
    const turns = { flood: 0, other: 0 };
    let last = [...floods, other].map((g) => g.n.value);
    let observing = true;
    const observe = () => {
      const now = [...floods, other].map((g) => g.n.value);
      if (now[3] !== last[3]) turns.other++;
      if (now.slice(0, 3).some((v, i) => v !== last[i])) turns.flood++;
      last = now;
      if (observing) setImmediate(observe);
    };
    setImmediate(observe);
    await assert.rejects(other.count(2 ** 31 - 1), isDeadline);
    observing = false;
    for (const g of floods) g.clock.stop(new Error('done'));
    await Promise.all(running);
    assert.ok(turns.other >= 10, `the other guest had ${turns.other} turns`);
    // Turns per guest would give the flood three for each of the other's.
    assert.ok(turns.flood <= turns.other + 2, JSON.stringify(turns));
  });

  it('stop() ends a guest waiting for its turn with the reason given', async () => {
    const a = guest();
    const b = guest();
    a.clock.enter(performance.now() + 10_000, 10_000);
    b.clock.enter(performance.now() + 10_000, 10_000);
    const reason = new Error('request aborted');
    const ra = a.spin().catch((err: unknown) => err);
    const rb = b.spin().catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 30));
    a.clock.stop(reason);
    b.clock.stop(reason);
    assert.equal(await ra, reason);
    assert.equal(await rb, reason);
  });

  it('finite work finishes, through JSPI or called directly (no suspension possible there)', async () => {
    const g = guest();
    g.clock.enter(performance.now() + 10_000, 10_000);
    await g.count(5_000_000);
    assert.equal(g.n.value, 5_000_000);
    // Called without promising, a guest whose slice is over cannot suspend: it runs on.
    await new Promise((r) => setTimeout(r, 10));
    g.countSync(5_100_000);
    assert.equal(g.n.value, 5_100_000);
    g.clock.leave();
  });

  it('a guest that cannot suspend is stopped after the no-yield limit, long before its deadline', () => {
    const g = guest();
    g.clock.enter(performance.now() + 60_000, 60_000);
    assert.throws(
      () => g.countSync(2 ** 31 - 1),
      (err) => isDeadline(err) && /without yielding its thread/.test((err as Error).message),
    );
  });

  it('a direct call still stops at the deadline', () => {
    const g = guest();
    g.clock.enter(performance.now() + 30, 30);
    assert.throws(
      () => g.countSync(2 ** 31 - 1),
      (err) => isDeadline(err) && /past its 30 ms deadline/.test((err as Error).message),
    );
  });
});
