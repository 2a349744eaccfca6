import type { NormalizedUsage } from '@arbiter/shared';
import type { ResolvedModel } from '../catalog/model-catalog.js';
import type { UsageOutcome } from '../usage/build-usage-row.js';
import { describeError, isClientAbort } from './call-errors.js';
import { meter } from './meter.js';

/** What a request had got when it failed: the upstream's usage if it came, the text streamed so far. */
export interface PartialResult {
  usage?: NormalizedUsage | null;
  text?: string;
  ttftMs?: number | null;
  stream?: boolean;
  warnings?: string[];
}

/**
 * The usage outcome of a failed or aborted request, for both ingress formats. A request that reached the upstream
 * may have cost something, so what is known (or can be counted with `estimate`) so far is metered.
 */
export async function createFailureOutcome(
  model: ResolvedModel | null,
  error: unknown,
  signal: AbortSignal,
  partial: PartialResult,
  estimate: (text: string) => Promise<NormalizedUsage>,
): Promise<Omit<UsageOutcome, 'requestedModel' | 'prompt'>> {
  const aborted = isClientAbort(error, signal);
  const details = describeError(error);
  const usage = partial.usage ?? null;
  const text = partial.text ?? '';
  const reachedUpstream = model !== null && (usage !== null || text !== '' || aborted);
  const metered = reachedUpstream && model !== null ? meter(model, usage ?? (await estimate(text)), usage === null) : null;
  return {
    model,
    status: aborted ? 'aborted' : 'error',
    httpStatus: aborted ? 499 : details.status,
    error: aborted ? { code: 'client_closed_request', message: 'the client closed the connection' } : details,
    usage: metered?.usage ?? null,
    estimated: metered?.estimated ?? false,
    cost: metered?.cost ?? null,
    warnings: [...(partial.warnings ?? []), ...(metered?.warnings ?? [])],
    ttftMs: partial.ttftMs ?? null,
    responseText: text === '' ? null : text,
    stream: partial.stream ?? false,
  };
}
