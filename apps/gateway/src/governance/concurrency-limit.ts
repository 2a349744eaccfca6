/**
 * At most `limit` tasks of one analysis in flight; the rest wait in arrival order. A batch of 10+ models runs fully
 * concurrent under the default limit; the limit only protects upstreams (and budgets) from an oversized request.
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`concurrency limit must be a positive integer, got ${limit}`);
  }

  get inFlight(): number {
    return this.active;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` never dips below the limit while work is queued.
      if (next === undefined) this.active--;
      else next();
    }
  }
}
