import { randomUUID } from 'node:crypto';
import { GatewayError } from '@arbiter/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { ResolvedModel } from '../catalog/model-catalog.js';
import type { Database } from '../db/database.js';
import { recordBudgetAlerts } from '../budgets/budget-alerts.js';
import { nanoToUsd, resolveBudgetScopes, usdToNano, type BudgetScopeSpec } from '../budgets/budget-scopes.js';
import { loadSpentNano } from '../budgets/budget-seed.js';
import { SequentialAdmissionStore, type AdmissionStore } from '../limits/admission-store.js';
import type { BudgetLedger } from '../limits/budget-ledger.js';
import type { RateLimitDecision, RateLimiter, WindowLimit } from '../limits/rate-limiter.js';
import type { Principal } from './authenticate.js';

export interface AdmissionOptions {
  rateLimiter: RateLimiter;
  budgetLedger: BudgetLedger;
  /** Both steps in one call each (one Redis round trip); by default the limiter and the ledger one after the other. */
  store?: AdmissionStore;
  database: Database;
  /** Seed 002's MONTHLY_COST_LIMIT: a global monthly cap across tenants. */
  globalMonthlyUsd?: string | undefined;
  /** Requests per minute per client IP (every caller), when set. */
  ipRpm?: number | undefined;
  /** How long a reservation may live before the ledger forgets it (a crashed replica's requests). */
  reservationTtlMs?: number;
  logger?: FastifyBaseLogger;
}

/** What admission needs to know about one request. */
export interface AdmissionRequest {
  principal: Principal;
  clientIp: string;
  requestedModel: string;
  /**
   * The targets the router may try: the reservation covers the most expensive. Called only when needed (a model
   * allowlist or a budget), so a caller without either never pays for resolving them.
   */
  candidates: () => readonly ResolvedModel[];
  /** An upper estimate of the prompt's tokens. */
  inputTokens: number;
  /** The most output the request allows (max_tokens, or the model's maximum). */
  maxOutputTokens: number | null;
}

/** An admitted request: settle with the real cost and tokens, or release when nothing was spent. Both are idempotent. */
export interface AdmissionTicket {
  /** `x-ratelimit-*` headers for the response (empty when no limit applies). */
  readonly headers: Record<string, string>;
  /** Null cost: no known price (nothing is charged to budgets, tokens still count against TPM). */
  settle(costUsd: string | null, totalTokens: number): void;
  /** For requests that write several records: charges one more record's cost and tokens. */
  settleMore(costUsd: string | null, totalTokens: number): void;
  release(): void;
}

const noopTicket: AdmissionTicket = Object.freeze({ headers: {}, settle: () => undefined, settleMore: () => undefined, release: () => undefined });
const defaultOutputTokens = 4096;

/** What a principal's requests are checked against, worked out once per principal (principals are cached). */
interface AdmissionPlan {
  requests: WindowLimit[];
  tokens: WindowLimit[];
  tokenKeys: string[];
  /** Budget scopes of the current periods; rebuilt once the earliest of them ends. */
  scopes: BudgetScopeSpec[];
  scopesValidUntil: number;
  /** Nothing to check: no allowlist, no window, no budget. */
  free: boolean;
}

/**
 * The `admit` step: the key's model allowlist, rate limits (requests and tokens per minute, per key, user, tenant and
 * client IP) and budget reservation (the request's maximum possible cost, reserved atomically in every scope that has
 * a budget). Settling happens after the response, off the client's path. Limits are shared through Redis across
 * replicas when configured; if the store is unreachable, requests fail closed (503) rather than run unlimited.
 */
export class Admission {
  private readonly seeded = new Set<string>();
  private readonly ttlMs: number;
  /** Admitted requests whose usage record has not been written yet, by request id (the record's trace id). */
  private readonly open = new Map<string, { ticket: AdmissionTicket; records: 'one' | 'many'; openedAt: number }>();
  /** Keyed by the (cached, immutable) principal object: a changed key, user or tenant is a new principal. */
  private readonly plans = new WeakMap<Principal, AdmissionPlan>();

  private readonly store: AdmissionStore;

  constructor(private readonly options: AdmissionOptions) {
    this.ttlMs = options.reservationTtlMs ?? 10 * 60_000;
    this.store = options.store ?? new SequentialAdmissionStore(options.rateLimiter, options.budgetLedger);
  }

  /** False when admission has nothing to check for this caller (the master key, a key without limits): no ticket. */
  applies(principal: Principal): boolean {
    return !this.planFor(principal).free || (this.options.ipRpm !== undefined && principal.kind !== 'master');
  }

  async admit(request: AdmissionRequest): Promise<AdmissionTicket> {
    const { principal } = request;
    const plan = this.planFor(principal);
    if (principal.allowedModels !== null) assertModelAllowed(principal, request.requestedModel, request.candidates());
    const windows = this.options.ipRpm === undefined || principal.kind === 'master' ? plan : this.withIpWindow(plan, request.clientIp);
    const scopes = plan.scopes;
    if (windows.requests.length === 0 && windows.tokens.length === 0 && scopes.length === 0) return noopTicket;

    const tokenKeys = windows === plan ? plan.tokenKeys : windows.tokens.map((window) => window.key);
    const reservationId = scopes.length > 0 ? randomUUID() : '';
    let amount = 0;
    if (scopes.length > 0) {
      amount = maxCostNano({ candidates: request.candidates(), inputTokens: request.inputTokens, maxOutputTokens: request.maxOutputTokens });
      if (scopes.some((scope) => !this.seeded.has(scope.key))) await this.guard(this.seed(scopes));
    }
    const reservation = scopes.length > 0 ? { id: reservationId, scopes, amountNano: amount, ttlMs: this.ttlMs } : null;
    const { decision, reserved: result } = await this.guard(this.store.admitAndReserve(windows, reservation));
    let headers: Record<string, string> = {};
    if (decision !== null) {
      headers = rateLimitHeaders(decision);
      if (!decision.allowed) {
        const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        throw new GatewayError('rate_limited', {
          message: `Rate limit reached (${describeWindow(decision.key)}: ${decision.limit} per minute). Retry after ${seconds} s.`,
          headers: { ...headers, 'retry-after': String(seconds) },
        });
      }
    }
    if (result !== null && !result.ok) {
      const scope = scopes.find((candidate) => candidate.key === result.key);
      throw new GatewayError('budget_exceeded', {
        message: `The ${scope?.period === 'day' ? 'daily' : 'monthly'} budget of this ${scope?.scope ?? 'scope'} ($${nanoToUsd(result.limitNano)}) does not cover this request: $${nanoToUsd(result.spentNano)} spent, $${nanoToUsd(result.reservedNano)} reserved by requests in flight, up to $${nanoToUsd(amount)} needed.`,
      });
    }
    const reserved = result !== null;

    let done = false;
    const charge = (costUsd: string | null, totalTokens: number) => {
      // The first settle also removes the reservation; later ones (several records) only add their cost.
      const settlement = reserved ? { id: reservationId, scopes, actualNano: costUsd === null ? 0 : usdToNano(costUsd, 'ceil') } : null;
      if (settlement === null && (tokenKeys.length === 0 || totalTokens <= 0)) return;
      this.background(
        this.store.countAndSettle(tokenKeys, totalTokens, settlement).then((crossings) => (crossings.length === 0 ? undefined : recordBudgetAlerts(this.options.database, scopes, crossings))),
        'usage settlement',
      );
    };
    return {
      headers,
      settle: (costUsd, totalTokens) => {
        if (done) return;
        done = true;
        charge(costUsd, totalTokens);
      },
      settleMore: (costUsd, totalTokens) => {
        charge(costUsd, totalTokens);
      },
      release: () => {
        if (done) return;
        done = true;
        if (reserved) this.background(this.options.budgetLedger.release(reservationId, scopes), 'budget release');
      },
    };
  }

  /**
   * Settles when the request's usage record is written: every request that entered the pipeline writes exactly one
   * (success, error or abort), with the exact cost and tokens, which is what the budget must be charged. A governance
   * analysis writes one per model: each is charged as it comes (`many`).
   */
  track(requestId: string, ticket: AdmissionTicket, records: 'one' | 'many'): boolean {
    if (ticket === noopTicket) return false;
    this.open.set(requestId, { ticket, records, openedAt: Date.now() });
    if (this.open.size > 50_000) this.sweep();
    return true;
  }

  recorded(row: { traceId: string; totalCostUsd?: string | null; inputTokens?: number | null; outputTokens?: number | null }): void {
    const entry = this.open.get(row.traceId);
    if (entry === undefined) return;
    const tokens = (row.inputTokens ?? 0) + (row.outputTokens ?? 0);
    if (entry.records === 'one') {
      this.open.delete(row.traceId);
      entry.ticket.settle(row.totalCostUsd ?? null, tokens);
    } else {
      entry.ticket.settleMore(row.totalCostUsd ?? null, tokens);
    }
  }

  /** The request is over (its response finished or its client left): a request that never wrote a record spent nothing. */
  finished(requestId: string): void {
    const entry = this.open.get(requestId);
    if (entry === undefined) return;
    this.open.delete(requestId);
    entry.ticket.release();
  }

  private sweep(): void {
    const cutoff = Date.now() - this.ttlMs;
    for (const [id, entry] of this.open) {
      if (entry.openedAt < cutoff) {
        this.open.delete(id);
        entry.ticket.release();
      }
    }
  }

  private planFor(principal: Principal): AdmissionPlan {
    const now = Date.now();
    const cached = this.plans.get(principal);
    if (cached !== undefined && now < cached.scopesValidUntil) return cached;
    const requests: WindowLimit[] = [];
    const tokens: WindowLimit[] = [];
    const add = (level: string, id: string, limits: { rpm?: number; tpm?: number } | null) => {
      if (limits?.rpm !== undefined) requests.push({ key: `rpm:${level}:${id}`, limit: limits.rpm });
      if (limits?.tpm !== undefined) tokens.push({ key: `tpm:${level}:${id}`, limit: limits.tpm });
    };
    if (principal.kind === 'api_key') add('key', principal.keyId, principal.limits.key);
    if (principal.userId !== null) add('user', principal.userId, principal.limits.user);
    add('tenant', principal.tenantId, principal.limits.tenant);
    const scopes = resolveBudgetScopes(principal, this.options.globalMonthlyUsd, new Date(now));
    const plan: AdmissionPlan = {
      requests,
      tokens,
      tokenKeys: tokens.map((window) => window.key),
      scopes,
      scopesValidUntil: scopes.reduce((earliest, scope) => Math.min(earliest, scope.periodEndMs), Number.POSITIVE_INFINITY),
      free: principal.allowedModels === null && requests.length === 0 && tokens.length === 0 && scopes.length === 0,
    };
    this.plans.set(principal, plan);
    return plan;
  }

  /** The per-client-IP request window (ARBITER_IP_RPM), next to the principal's own. */
  private withIpWindow(plan: AdmissionPlan, clientIp: string): { requests: WindowLimit[]; tokens: WindowLimit[] } {
    return { requests: [...plan.requests, { key: `rpm:ip:${clientIp}`, limit: this.options.ipRpm as number }], tokens: plan.tokens };
  }

  private async seed(scopes: BudgetScopeSpec[]): Promise<void> {
    const missing = scopes.filter((scope) => !this.seeded.has(scope.key));
    await Promise.all(missing.map((scope) => this.options.budgetLedger.ensureSeeded(scope, () => loadSpentNano(this.options.database, scope))));
    for (const scope of missing) this.seeded.add(scope.key);
  }

  private async guard<T>(operation: Promise<T>): Promise<T> {
    try {
      return await operation;
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      this.options.logger?.error({ err: error }, 'the limits store failed');
      throw new GatewayError('service_unavailable', { message: 'Rate limits and budgets cannot be checked right now; retry shortly.', cause: error });
    }
  }

  /** Settling never delays the response; a failure is logged (the usage record still carries the cost). */
  private background(work: Promise<unknown>, what: string): void {
    work.catch((error: unknown) => this.options.logger?.error({ err: error }, `${what} failed`));
  }
}

/** A key with a model allowlist may call only those models (by the name asked for, or the model it resolves to). */
function assertModelAllowed(principal: Principal, requested: string, candidates: readonly ResolvedModel[]): void {
  const allowed = principal.allowedModels;
  if (allowed === null || (requested !== '' && allowed.includes(requested))) return;
  if (requested === '') {
    throw new GatewayError('model_not_allowed', { message: 'A key with a model allowlist cannot run a governance analysis (it calls several models and a judge).' });
  }
  if (candidates.length > 0 && candidates.every((model) => allowed.includes(model.upstreamModel) || allowed.includes(model.qualifiedName))) return;
  throw new GatewayError('model_not_allowed', { message: `This key may not use the model '${requested}'.`, param: 'model' });
}

/**
 * The most this request can cost: prompt estimate plus the full output allowance, at the dearest candidate's prices
 * (the dearer of the text and reasoning output price; the long-context tier when the prompt may reach it). Floating
 * point is fine here — it is an upper bound, rounded up with a nano-dollar of slack — and far cheaper than the exact
 * integer arithmetic the settled cost uses.
 */
export function maxCostNano(request: { candidates: readonly ResolvedModel[]; inputTokens: number; maxOutputTokens: number | null }): number {
  let most = 0;
  for (const model of request.candidates) {
    if (model.price === null) continue;
    const output = Math.min(request.maxOutputTokens ?? model.maxOutputTokens ?? defaultOutputTokens, model.maxOutputTokens ?? Number.MAX_SAFE_INTEGER);
    const price = model.price.priceAbove200k !== undefined && request.inputTokens > 200_000 ? model.price.priceAbove200k : model.price.price;
    const inputPrice = Math.max(price.input_per_1m, price.cache_write_per_1m ?? 0);
    const outputPrice = Math.max(price.output_per_1m, price.reasoning_per_1m ?? 0);
    // USD per 1M tokens × tokens = nano-USD × 1e-3.
    const nano = Math.ceil((request.inputTokens * inputPrice + output * outputPrice) * 1000) + 1;
    most = Math.max(most, nano);
  }
  return most;
}

function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {};
  const requests = decision.windows.filter((window) => window.key.startsWith('rpm:'));
  const tokens = decision.windows.filter((window) => window.key.startsWith('tpm:'));
  for (const [name, windows] of [['requests', requests], ['tokens', tokens]] as const) {
    const tightest = windows.reduce<(typeof windows)[number] | undefined>((best, window) => (best === undefined || window.remaining < best.remaining ? window : best), undefined);
    if (tightest === undefined) continue;
    headers[`x-ratelimit-limit-${name}`] = String(tightest.limit);
    headers[`x-ratelimit-remaining-${name}`] = String(tightest.remaining);
    headers[`x-ratelimit-reset-${name}`] = `${Math.max(0, Math.ceil(tightest.resetMs / 1000))}s`;
  }
  return headers;
}

function describeWindow(key: string | null): string {
  if (key === null) return 'limit';
  const [kind, level] = key.split(':');
  return `${level ?? ''} ${kind === 'tpm' ? 'tokens' : 'requests'}`.trim();
}
