/**
 * Whether every member of a room got every message exactly once and in `seq` order: the checks of
 * `npm run bench:bigroom`, on the `seq`s one member received in the order it received them. No side
 * effects: the member processes run it, and so does the bench on its own sender.
 */

/** What went wrong for one member, or for many added up. */
export interface DeliveryCount {
  /** Expected `seq`s never received. */
  readonly lost: number;
  /** Receipts of a `seq` already received (a second copy counts one, a third two). */
  readonly duplicated: number;
  /** First receipts of a `seq` lower than one received before it. */
  readonly outOfOrder: number;
  /** Receipts of a `seq` no one expected (a message whose ack never came); lost ones of those are counted by the bench. */
  readonly unexpected: number;
}

export const NO_FAULTS: DeliveryCount = { lost: 0, duplicated: 0, outOfOrder: 0, unexpected: 0 };

/** Checks the `seq`s one member received, in arrival order, against those it should have received. */
export function checkDeliveries(received: readonly number[], expected: ReadonlySet<number>): DeliveryCount {
  const seen = new Set<number>();
  let duplicated = 0;
  let outOfOrder = 0;
  let unexpected = 0;
  let highest = -Infinity;
  for (const seq of received) {
    if (seen.has(seq)) {
      duplicated++;
      continue;
    }
    seen.add(seq);
    if (!expected.has(seq)) unexpected++;
    if (seq < highest) outOfOrder++;
    else highest = seq;
  }
  let lost = 0;
  for (const seq of expected) if (!seen.has(seq)) lost++;
  return { lost, duplicated, outOfOrder, unexpected };
}

export function addCounts(a: DeliveryCount, b: DeliveryCount): DeliveryCount {
  return {
    lost: a.lost + b.lost,
    duplicated: a.duplicated + b.duplicated,
    outOfOrder: a.outOfOrder + b.outOfOrder,
    unexpected: a.unexpected + b.unexpected,
  };
}

/** One message's arrivals over a set of members: how many got it, and when the first and the last did (ms since the epoch). */
export interface Arrivals {
  readonly receivers: number;
  readonly first: number;
  readonly last: number;
}

/** Arrivals per `seq`, keyed by the `seq` (JSON-safe). */
export type ArrivalsBySeq = Readonly<Record<string, Arrivals>>;

/** The arrivals of two sets of members (two member processes) as those of one. */
export function mergeArrivals(a: ArrivalsBySeq, b: ArrivalsBySeq): ArrivalsBySeq {
  const merged: Record<string, Arrivals> = { ...a };
  for (const [seq, x] of Object.entries(b)) {
    const y = merged[seq];
    merged[seq] = y ? { receivers: x.receivers + y.receivers, first: Math.min(x.first, y.first), last: Math.max(x.last, y.last) } : x;
  }
  return merged;
}

/**
 * Members that missed a message nobody expected (its ack or publish result never came, but some
 * members got it): every member that did not get it, for each such `seq`.
 */
export function lostOfUnexpected(arrivals: ArrivalsBySeq, expected: ReadonlySet<number>, members: number): number {
  let lost = 0;
  for (const [seq, a] of Object.entries(arrivals)) if (!expected.has(Number(seq))) lost += Math.max(0, members - a.receivers);
  return lost;
}
