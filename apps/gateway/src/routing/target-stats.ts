/** Exponentially weighted moving average: recent latencies count most (alpha 0.3). */
const ALPHA = 0.3;

/** Live numbers per target, kept in memory per replica: latency EWMA, time to first token EWMA, in-flight count. */
export class TargetStats {
  latencyMs: number | null = null;
  ttftMs: number | null = null;
  inFlight = 0;

  recordLatency(ms: number): void {
    this.latencyMs = this.latencyMs === null ? ms : ALPHA * ms + (1 - ALPHA) * this.latencyMs;
  }

  recordTtft(ms: number): void {
    this.ttftMs = this.ttftMs === null ? ms : ALPHA * ms + (1 - ALPHA) * this.ttftMs;
  }
}
