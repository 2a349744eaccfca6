import { GatewayError, type GuardrailTrigger } from '@arbiter/shared';
import type { GuardrailService, TenantGuardrails } from '../guardrails/guardrail-service.js';
import type { GuardrailDirection } from '../guardrails/policy.js';
import type { GuardrailResult } from '../guardrails/run-guardrails.js';
import type { SelfCheckComplete } from '../guardrails/self-check/run-self-check.js';
import type { StreamGuard, StreamGuardStep } from '../guardrails/stream-guard.js';

/** Text scanned per stream step, past the held-back window: fewer scans, releases a few tokens later. */
const streamBatch = 32;

/**
 * A request (or an answer) stopped by a `block` guardrail: 400 `guardrail_blocked`, naming the guardrails and the
 * types of what they found, never the matched text.
 */
export class GuardrailViolationError extends GatewayError {
  constructor(
    readonly direction: GuardrailDirection,
    readonly blocking: readonly GuardrailTrigger[],
    param: string | null,
  ) {
    super('guardrail_blocked', { message: describeBlock(direction, blocking), param });
    this.name = 'GuardrailViolationError';
  }
}

/** The request's metered model call for the `llm_self_check` guardrail, per direction (see guard-self-check.ts). */
export type SelfCheckCompleteFactory = (direction: GuardrailDirection) => SelfCheckComplete;

/** What one scan of some texts decided. */
export interface GuardOutcome {
  /** The texts with redactions applied, in the same order; null when no text changed. */
  texts: string[] | null;
  /** Set when a `block` guardrail triggered. */
  blocked: GuardrailViolationError | null;
}

/**
 * The guardrails of one request: runs the tenant's policy on the input and the answer, and collects what triggered
 * (detector, direction, action, finding types and counts, strongest score) for the usage record and the
 * `x-arbiter-guardrails` header. Created only when the tenant has a policy: without one the pipeline holds null and
 * does no guardrail work at all.
 */
export class RequestGuard {
  private readonly collected = new Map<string, GuardrailTrigger>();

  constructor(
    private readonly guardrails: TenantGuardrails,
    private readonly hashKey: Uint8Array | undefined,
    private readonly createComplete: SelfCheckCompleteFactory,
  ) {}

  get guardsInput(): boolean {
    return this.guardrails.guardsInput;
  }

  get guardsOutput(): boolean {
    return this.guardrails.guardsOutput;
  }

  /** Every trigger so far, merged per guardrail, direction and action; null when nothing triggered. */
  get triggers(): GuardrailTrigger[] | null {
    return this.collected.size === 0 ? null : [...this.collected.values()];
  }

  /**
   * Runs one direction's rules on each text separately (a message's text is judged on its own, not mixed with the
   * others). Every detector runs even after a block, so that what is recorded of a blocked request is redacted too.
   */
  scan(texts: readonly string[], direction: GuardrailDirection, param: string | null): GuardOutcome {
    const { engine, policy } = this.guardrails;
    let replaced: string[] | null = null;
    const blocking: GuardrailResult[] = [];
    for (let index = 0; index < texts.length; index++) {
      const text = texts[index] ?? '';
      if (text === '') continue;
      const run = engine.runGuardrails(policy, text, { direction, hashKey: this.hashKey });
      if (run.action === 'allow') continue;
      this.add(direction, run.results);
      for (const result of run.results) if (result.action === 'block') blocking.push(result);
      if (run.redacted_text !== text) {
        replaced ??= [...texts];
        replaced[index] = run.redacted_text;
      }
    }
    return { texts: replaced, blocked: blocking.length === 0 ? null : this.blockError(direction, blocking, param) };
  }

  /** The policy has an `llm_self_check` rule acting in this direction. */
  selfChecks(direction: GuardrailDirection): boolean {
    const selfCheck = this.guardrails.policy.selfCheck;
    return selfCheck !== undefined && selfCheck.actions[direction] !== 'allow';
  }

  /**
   * The `llm_self_check` guardrail on one text (already redacted by the detectors): one model call, awaited. Records
   * what it decided, never the model's reason; a fail-open error is recorded as a flag (SELF_CHECK_UNAVAILABLE).
   */
  async selfCheck(text: string, direction: GuardrailDirection, param: string | null, signal: AbortSignal): Promise<GuardrailViolationError | null> {
    const selfCheck = this.guardrails.policy.selfCheck;
    if (selfCheck === undefined || selfCheck.actions[direction] === 'allow') return null;
    const { result } = await this.guardrails.engine.runSelfCheckGuardrail(selfCheck, text, direction, { complete: this.createComplete(direction), signal });
    this.add(direction, [result]);
    return result.action === 'block' ? this.blockError(direction, [result], param) : null;
  }

  /** An incremental scanner of one streamed text (one per choice or content block). */
  createStreamGuard(): StreamGuard {
    const { engine, policy, streamWindow } = this.guardrails;
    return engine.createStreamGuard({ policy, window: streamWindow, batch: streamBatch, hashKey: this.hashKey });
  }

  /** Records a stream step's released findings; the error to end the stream with when it blocked. */
  recordStreamStep(step: StreamGuardStep): GuardrailViolationError | null {
    if (step.results.length > 0) this.add('output', step.results);
    return step.blocked === undefined ? null : this.blockError('output', [step.blocked], null);
  }

  /** The `x-arbiter-guardrails` value: `<guardrail>:<direction>:<action>:<TYPE>=<count>,…` entries joined by `; `. */
  headerValue(): string | undefined {
    const triggers = this.triggers;
    return triggers === null ? undefined : formatGuardrailsHeader(triggers);
  }

  private add(direction: GuardrailDirection, results: readonly GuardrailResult[]): void {
    for (const result of results) {
      if (!result.triggered || result.action === 'allow') continue;
      const key = `${result.guardrail}:${direction}:${result.action}`;
      const trigger = this.collected.get(key) ?? { guardrail: result.guardrail, direction, action: result.action, findings: {}, max_score: 0 };
      for (const finding of result.findings) trigger.findings[finding.type] = (trigger.findings[finding.type] ?? 0) + 1;
      trigger.max_score = Math.max(trigger.max_score, result.score);
      this.collected.set(key, trigger);
    }
  }

  private blockError(direction: GuardrailDirection, results: readonly GuardrailResult[], param: string | null): GuardrailViolationError {
    const blocking = results.map((result) => this.collected.get(`${result.guardrail}:${direction}:block`)).filter((trigger) => trigger !== undefined);
    return new GuardrailViolationError(direction, [...new Set(blocking)], param);
  }
}

/** The self-check's call where it was given no model access: it fails, and the policy's `on_error` decides. */
export const noSelfCheckModel: SelfCheckComplete = () => Promise.reject(new Error('the self-check has no model access here'));

/**
 * The request's guard, or null when its tenant has no guardrails (the fast path: nothing allocated). Without
 * `createComplete` a self-check has no model to ask, and its policy's `on_error` decides.
 */
export function openRequestGuard(
  service: GuardrailService | undefined,
  principal: { tenantId: string },
  createComplete: SelfCheckCompleteFactory = () => noSelfCheckModel,
): RequestGuard | null {
  const guardrails = service?.guardrailsFor(principal) ?? null;
  if (guardrails === null) return null;
  const hashKey = guardrails.policy.redactionMode === 'hash' ? service?.pseudonymKeyFor(principal.tenantId) : undefined;
  return new RequestGuard(guardrails, hashKey, createComplete);
}

export function formatGuardrailsHeader(triggers: readonly GuardrailTrigger[]): string {
  return triggers
    .map((trigger) => {
      const types = Object.entries(trigger.findings).map(([type, count]) => `${safeType(type)}=${count}`);
      return `${trigger.guardrail}:${trigger.direction}:${trigger.action}${types.length === 0 ? '' : `:${types.join(',')}`}`;
    })
    .join('; ');
}

function describeBlock(direction: GuardrailDirection, blocking: readonly GuardrailTrigger[]): string {
  const what = blocking.map((trigger) => {
    const types = Object.keys(trigger.findings).map(safeType);
    return types.length === 0 ? trigger.guardrail : `${trigger.guardrail} (${types.join(', ')})`;
  });
  const subject = direction === 'input' ? 'The request was' : "The model's answer was";
  const noun = what.length === 1 ? 'guardrail' : 'guardrails';
  return `${subject} blocked by the ${noun} ${what.join(', ')}.`;
}

/** Finding types are detector constants; anything else is not echoed (and headers stay ASCII). */
function safeType(type: string): string {
  return /^[A-Za-z0-9_]{1,64}$/.test(type) ? type : 'OTHER';
}
