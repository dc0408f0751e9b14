import { describe, expect, it } from 'vitest';
import { LastsMirror } from '../../../../src/fx/decisions/orchestrator/lasts-mirror.js';
import type { LastSuggestion } from '../../../../src/fx/decisions/orchestrator/index.js';

const last = (atMs: number): LastSuggestion => ({
  id: `r${atMs}`,
  side: 'BUY',
  atMs,
  priceCopCents: 400_000,
  copCents: 1,
  usdCents: 1,
});

describe('last suggestions mirrored by position', () => {
  it('reads new users, the journal’s changes, and everyone again when the journal falls short', () => {
    const lasts = new Map<string, LastSuggestion>([['b', last(10)]]);
    const users = ['a', 'b'];
    const journal: string[] = [];
    let floor = 0; // the journal forgets what is before `floor`
    const reads: string[] = [];
    const mirror = new LastsMirror(
      (u) => (reads.push(u), lasts.get(u)),
      (u) => users.indexOf(u),
      {
        cursor: () => journal.length,
        changedSince: (c) => (c < floor ? undefined : journal.slice(c)),
      },
    );
    mirror.sync(users);
    expect(reads).toEqual(['a', 'b']);
    expect([...mirror.atMs.subarray(0, 2)]).toEqual([-Infinity, 10]);
    expect(mirror.at(1)).toEqual(last(10));

    // A change in the journal and a user added: only those two are read.
    reads.length = 0;
    lasts.set('a', last(20));
    journal.push('a');
    users.push('c');
    lasts.set('c', last(30));
    mirror.sync(users);
    expect(reads.sort()).toEqual(['a', 'c']);
    expect([...mirror.atMs.subarray(0, 3)]).toEqual([20, 10, 30]);

    // A change the journal no longer holds: everyone is read again.
    reads.length = 0;
    lasts.delete('b');
    floor = journal.length + 1;
    journal.push('x');
    mirror.sync(users);
    expect(reads).toEqual(['a', 'b', 'c']);
    expect([...mirror.atMs.subarray(0, 3)]).toEqual([20, -Infinity, 30]);
    expect(mirror.at(1)).toBeUndefined();

    // Many users at once: the arrays grow and keep what they held.
    for (let k = 0; k < 5000; k++) users.push(`n${k}`);
    lasts.set('n4999', last(40));
    mirror.sync(users);
    expect(mirror.atMs[0]).toBe(20);
    expect(mirror.atMs[users.length - 1]).toBe(40);
    expect(mirror.atMs[users.length - 2]).toBe(-Infinity);
  });
});
