import { GatewayError, type RoutingConfig } from '@arbiter/shared';
import { UpstreamError } from '../providers/shared/upstream-error.js';
import { computeBackoff } from './backoff.js';
import type { RoutePlan, RouteTarget } from './router.js';

export interface Attempt {
  target: string;
  /** HTTP status of the attempt's outcome (200 on success). */
  status: number;
  code: string | null;
}

export class RoutingFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly attempts: Attempt[],
  ) {
    super('all attempts failed', { cause });
  }
}

export interface FallbackOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  signal: AbortSignal;
  random?: () => number;
}

/**
 * Runs `attempt` on the plan's targets until one succeeds. Retries and fallbacks happen only for errors whose
 * `isRetryable` says a retry can help (never by matching messages); a client abort or a non-retryable error ends at
 * once. A target whose circuit is open is skipped; a missing credential skips the target without counting as its
 * failure. Returns the result with every attempt made, for `x-arbiter-attempts`.
 */
export async function executeWithFallback<T>(
  plan: RoutePlan,
  attempt: (target: RouteTarget) => Promise<T>,
  options: FallbackOptions,
): Promise<{ result: T; target: RouteTarget; attempts: Attempt[] }> {
  const attempts: Attempt[] = [];
  let lastError: unknown = null;
  const candidates = plan.targets;
  for (let index = 0; attempts.length < options.maxAttempts && index < options.maxAttempts * candidates.length; index++) {
    const target = candidates[index % candidates.length] as RouteTarget;
    if (!target.breaker.tryAcquire()) {
      if (lastError === null) lastError = circuitOpenError(target);
      continue;
    }
    if (attempts.length > 0) {
      const retryAfter = lastError instanceof UpstreamError ? lastError.retryAfterSeconds : null;
      await sleep(computeBackoff(attempts.length, retryAfter, options.baseDelayMs, options.maxDelayMs, options.random), options.signal);
    }
    const started = performance.now();
    target.stats.inFlight++;
    try {
      const result = await attempt(target);
      target.stats.recordLatency(performance.now() - started);
      target.breaker.recordSuccess();
      attempts.push({ target: target.model.qualifiedName, status: 200, code: null });
      return { result, target, attempts };
    } catch (error) {
      lastError = error;
      const gatewayError = error instanceof GatewayError ? error : null;
      attempts.push({ target: target.model.qualifiedName, status: gatewayError?.status ?? 500, code: gatewayError?.code ?? 'internal_error' });
      if (options.signal.aborted) throw new RoutingFailure(error, attempts);
      if (gatewayError?.code === 'provider_not_configured' && candidates.length > 1) continue;
      if (gatewayError === null || !gatewayError.isRetryable) {
        target.breaker.recordSuccess(); // the target answered; the request was at fault
        throw new RoutingFailure(error, attempts);
      }
      target.breaker.recordFailure();
    } finally {
      target.stats.inFlight--;
    }
  }
  throw new RoutingFailure(lastError ?? circuitOpenError(candidates[0] as RouteTarget), attempts);
}

function circuitOpenError(target: RouteTarget): GatewayError {
  return new GatewayError('upstream_unavailable', {
    message: `${target.model.qualifiedName}: the circuit is open after repeated failures; retry later.`,
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The fallback settings of arbiter.yaml's `routing:` for one request. */
export function createFallbackOptions(settings: RoutingConfig, signal: AbortSignal): FallbackOptions {
  return { maxAttempts: settings.max_attempts, baseDelayMs: settings.base_delay_ms, maxDelayMs: settings.max_delay_ms, signal };
}

/** The error the client gets: the last attempt's, with what was tried in `x-arbiter-attempts`. */
export function unwrapRoutingFailure(failure: unknown): unknown {
  if (!(failure instanceof RoutingFailure)) return failure;
  if (failure.cause instanceof GatewayError && failure.attempts.length > 1) {
    failure.cause.headers['x-arbiter-attempts'] = formatAttempts(failure.attempts);
  }
  return failure.cause;
}

/** `x-arbiter-attempts`: what was tried, in order, e.g. `openai/gpt-4o=502; anthropic/claude-sonnet-4-5=200`. */
export function formatAttempts(attempts: Attempt[]): string {
  return attempts.map((attempt) => `${attempt.target}=${attempt.status}`).join('; ');
}
