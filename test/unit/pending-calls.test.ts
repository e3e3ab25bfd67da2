/**
 * The calls a connection waits on (src/dbus/pending-calls.ts), alone: flow control in order, frames of calls that never
 * leave zeroed, deadlines from one timer (under fake timers, so nothing here depends on how fast the machine is), and
 * failing calls when the connection ends.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PendingCalls, type PendingCall } from '../../src/dbus/pending-calls.js';
import type { CallOptions, Reply } from '../../src/dbus/call.js';
import { TimeoutException } from '../../src/errors.js';

interface Outcome {
  settled?: 'resolved' | 'rejected';
  error?: Error;
}

/** A call as the connection makes one, with its outcome recorded instead of a promise's. */
function makeCall(serial: number, options: CallOptions = {}): PendingCall & { outcome: Outcome } {
  const outcome: Outcome = {};
  return {
    serial,
    encoded: Buffer.from(`frame ${serial} with a secret`),
    answerer: ':1.1',
    options,
    what: `Call${serial}`,
    resolve: (_reply: Reply) => (outcome.settled = 'resolved'),
    reject: (error: Error) => {
      outcome.settled = 'rejected';
      outcome.error = error;
    },
    outcome,
  };
}

describe('pending calls', () => {
  let sent: number[];
  let frames: Buffer[];
  const transmit = (call: PendingCall) => {
    sent.push(call.serial);
    frames.push(call.encoded!);
    call.encoded = undefined; // as the connection does once the frame is handed to the socket
  };

  beforeEach(() => {
    sent = [];
    frames = [];
  });

  it('writes at most maxInFlight calls; the others leave in order as answers come', () => {
    const calls = new PendingCalls(2, transmit);
    const all = [1, 2, 3, 4, 5].map((serial) => makeCall(serial));
    for (const call of all) calls.add(call);
    expect(sent).toEqual([1, 2]);
    expect(calls.size).toBe(5);
    calls.settle(all[1]);
    expect(sent).toEqual([1, 2, 3]);
    calls.settle(all[0]);
    calls.settle(all[2]);
    expect(sent).toEqual([1, 2, 3, 4, 5]);
    expect(calls.get(2)).toBeUndefined();
    expect(calls.get(4)).toBe(all[3]);
    calls.settle(all[1]); // twice: nothing more happens
    expect(calls.size).toBe(2);
  });

  it('a queued call that is settled (aborted) never leaves, its frame zeroed, and frees no slot', () => {
    const calls = new PendingCalls(1, transmit);
    const [first, second, third] = [1, 2, 3].map((serial) => makeCall(serial));
    calls.add(first);
    calls.add(second);
    calls.add(third);
    const frame = second.encoded!;
    calls.settle(second);
    expect(frame.every((byte) => byte === 0)).toBe(true);
    expect(sent).toEqual([1]);
    calls.settle(first);
    expect(sent).toEqual([1, 3]);
  });

  it('thousands of queued calls, every third one aborted while it waits: the others leave in order, each once', () => {
    const calls = new PendingCalls(1, transmit);
    const all = Array.from({ length: 5000 }, (_, i) => makeCall(i + 1));
    for (const call of all) calls.add(call);
    for (const call of all.filter((call) => call.serial % 3 === 0)) calls.settle(call);
    // Answer whatever is in flight until nothing is: each answer lets the next live call out.
    while (calls.size > 0) calls.settle(calls.get(sent[sent.length - 1])!);
    const expected = all.filter((call) => call.serial % 3 !== 0).map((call) => call.serial);
    expect(sent).toEqual(expected);
    // A call added now goes out at once: the queue holds no leftovers.
    calls.add(makeCall(9999));
    expect(sent[sent.length - 1]).toBe(9999);
  });

  describe('deadlines', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('each call fails at its own deadline, with one timer; calls without one wait', () => {
      const calls = new PendingCalls(8, transmit);
      const late = makeCall(1, { timeoutMs: 100 });
      const forever = makeCall(2, { timeoutMs: 0 });
      const early = makeCall(3, { timeoutMs: 50 });
      const unlimited = makeCall(4, { timeoutMs: Infinity });
      for (const call of [late, forever, early, unlimited]) calls.add(call);
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(49);
      expect(early.outcome.settled).toBeUndefined();
      vi.advanceTimersByTime(2);
      expect(early.outcome.error).toBeInstanceOf(TimeoutException);
      expect(early.outcome.error!.message).toBe('Call3 got no reply within 50 ms.');
      expect(late.outcome.settled).toBeUndefined();
      vi.advanceTimersByTime(50);
      expect(late.outcome.error).toBeInstanceOf(TimeoutException);
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(10 * 60_000);
      expect(forever.outcome.settled).toBeUndefined();
      expect(unlimited.outcome.settled).toBeUndefined();
      expect(calls.size).toBe(2);
    });

    it('an answered call costs no timer; the timer follows the earliest deadline left', () => {
      const calls = new PendingCalls(8, transmit);
      const answered = makeCall(1, { timeoutMs: 20 });
      const waiting = makeCall(2, { timeoutMs: 60 });
      calls.add(answered);
      calls.add(waiting);
      calls.settle(answered);
      vi.advanceTimersByTime(30); // the timer fires for the answered call's deadline and is set again for the other
      expect(waiting.outcome.settled).toBeUndefined();
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(30);
      expect(waiting.outcome.error).toBeInstanceOf(TimeoutException);
    });

    it('a queued call past its deadline fails without being written in a slot an expired one frees', () => {
      const calls = new PendingCalls(1, transmit);
      const [written, queued, patient] = [
        makeCall(1, { timeoutMs: 50 }),
        makeCall(2, { timeoutMs: 50 }),
        makeCall(3, { timeoutMs: 0 }),
      ];
      for (const call of [written, queued, patient]) calls.add(call);
      const frame = queued.encoded!;
      vi.advanceTimersByTime(51);
      expect(written.outcome.error).toBeInstanceOf(TimeoutException);
      expect(queued.outcome.error).toBeInstanceOf(TimeoutException);
      expect(frame.every((byte) => byte === 0)).toBe(true);
      expect(sent).toEqual([1, 3]);
    });

    it('failAll fails every call, zeroes queued frames and leaves no timer behind', () => {
      const calls = new PendingCalls(1, transmit);
      const [written, queued] = [makeCall(1, { timeoutMs: 50 }), makeCall(2, { timeoutMs: 50 })];
      calls.add(written);
      calls.add(queued);
      const frame = queued.encoded!;
      const reason = new Error('the bus went away');
      calls.failAll((call) => new Error(`${call.what} failed: ${reason.message}`));
      expect(written.outcome.error!.message).toBe('Call1 failed: the bus went away');
      expect(queued.outcome.error!.message).toBe('Call2 failed: the bus went away');
      expect(frame.every((byte) => byte === 0)).toBe(true);
      expect(calls.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      expect(sent).toEqual([1]);
    });
  });

  it('failWhere fails only the calls it picks and lets queued ones out', () => {
    const calls = new PendingCalls(1, transmit);
    const all = [1, 2, 3].map((serial) => makeCall(serial));
    for (const call of all) calls.add(call);
    const error = new Error('no owner');
    calls.failWhere((call) => call.serial !== 3, error);
    expect(all[0].outcome.error).toBe(error);
    expect(all[1].outcome.error).toBe(error);
    expect(all[2].outcome.settled).toBeUndefined();
    expect(sent).toEqual([1, 3]);
  });
});
