import { Pool } from 'undici';

export interface Target {
  name: string;
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LatencySample {
  /** ms from the scheduled send time to the end of the response body (open loop: includes queueing). */
  total: number;
  /** ms from the scheduled send time to the first body byte. */
  firstByte: number;
}

export class LoadGenerator {
  private readonly pools = new Map<string, Pool>();

  pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** One request; latencies measured from `scheduledAt` (performance.now() time). */
  async send(target: Target, scheduledAt: number): Promise<LatencySample> {
    const response = await this.pool(target.origin).request({
      path: target.path,
      method: 'POST',
      headers: target.headers,
      body: target.body,
    });
    let firstByte = -1;
    for await (const _chunk of response.body) {
      if (firstByte < 0) firstByte = performance.now() - scheduledAt;
    }
    if (response.statusCode !== 200) throw new Error(`${target.name}: HTTP ${response.statusCode}`);
    return { total: performance.now() - scheduledAt, firstByte };
  }

  /**
   * Open loop: requests are sent on a fixed schedule whatever the responses do, and latency counts from the
   * scheduled time, so a slow server cannot hide its queueing (no coordinated omission).
   */
  async openLoop(target: Target, rate: number, durationMs: number): Promise<{ samples: LatencySample[]; errors: number }> {
    const samples: LatencySample[] = [];
    let errors = 0;
    const inFlight: Promise<void>[] = [];
    const start = performance.now();
    const total = Math.round((rate * durationMs) / 1000);
    let sent = 0;
    while (sent < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        const scheduledAt = start + (sent * 1000) / rate;
        inFlight.push(
          this.send(target, scheduledAt).then(
            (sample) => void samples.push(sample),
            () => void errors++,
          ),
        );
      }
      // A 1 ms tick keeps the generator from spinning on the core it shares with the upstream.
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(inFlight);
    return { samples, errors };
  }

  /** Closed loop with `concurrency` workers for `durationMs`: the highest sustained throughput. */
  async closedLoop(target: Target, concurrency: number, durationMs: number): Promise<{ completed: number; errors: number; seconds: number }> {
    let completed = 0;
    let errors = 0;
    const start = performance.now();
    const deadline = start + durationMs;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          try {
            await this.send(target, performance.now());
            completed++;
          } catch {
            errors++;
          }
        }
      }),
    );
    return { completed, errors, seconds: (performance.now() - start) / 1000 };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }
}

export function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}
