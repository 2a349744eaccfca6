export interface CircuitBreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
}

type State = { kind: 'closed'; failures: number } | { kind: 'open'; until: number } | { kind: 'half-open'; probing: boolean };

/**
 * One breaker per target: opens after N consecutive retryable failures, refuses the target during the cooldown,
 * then lets exactly one probe through (half-open); the probe's outcome closes or re-opens it.
 */
const closedState: State = Object.freeze({ kind: 'closed', failures: 0 });

export class CircuitBreaker {
  private state: State = closedState;

  constructor(private readonly options: CircuitBreakerOptions) {}

  /** True when a request may go to the target now (claims the half-open probe if that is what is left). */
  tryAcquire(now = Date.now()): boolean {
    const state = this.state;
    if (state.kind === 'closed') return true;
    if (state.kind === 'open') {
      if (now < state.until) return false;
      this.state = { kind: 'half-open', probing: true };
      return true;
    }
    if (state.probing) return false;
    this.state = { kind: 'half-open', probing: true };
    return true;
  }

  recordSuccess(): void {
    // The common case allocates nothing: a closed circuit without failures stays as it is.
    if (this.state !== closedState) this.state = closedState;
  }

  recordFailure(now = Date.now()): void {
    const state = this.state;
    if (state.kind === 'half-open') {
      this.state = { kind: 'open', until: now + this.options.cooldownMs };
      return;
    }
    if (state.kind === 'closed') {
      const failures = state.failures + 1;
      this.state = failures >= this.options.failureThreshold ? { kind: 'open', until: now + this.options.cooldownMs } : { kind: 'closed', failures };
    }
  }

  get status(): 'closed' | 'open' | 'half-open' {
    return this.state.kind;
  }
}
