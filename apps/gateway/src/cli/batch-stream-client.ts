import {
  batchStartEventSchema,
  batchSummaryEventSchema,
  governanceLogSchema,
  pairwiseComparisonSchema,
  type AnalyzeBatchRequest,
  type BatchStartEvent,
  type BatchSummaryEvent,
  type GovernanceLog,
  type PairwiseComparison,
} from '@arbiter/shared';
import { createParser } from 'eventsource-parser';
import { z } from 'zod';

export type BatchEvent =
  | { type: 'start'; data: BatchStartEvent }
  | { type: 'result'; data: GovernanceLog }
  | { type: 'comparison'; data: PairwiseComparison }
  | { type: 'summary'; data: BatchSummaryEvent };

/** A failure the gateway reported (HTTP error or a final `error` event), in its OpenAI envelope. */
export class GatewayRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'GatewayRequestError';
  }
}

const envelopeSchema = z.object({ error: z.object({ message: z.string(), code: z.string().nullable().optional() }) });

/** POSTs a batch with `?stream=true` and hands each event, parsed with the shared schemas, to `onEvent` as it arrives. */
export async function streamBatch(
  options: { url: string; key: string | undefined; request: AnalyzeBatchRequest },
  onEvent: (event: BatchEvent) => void,
): Promise<void> {
  const response = await fetch(new URL('/api/v1/governance/analyze/batch?stream=true', options.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }) },
    body: JSON.stringify(options.request),
  });
  if (!response.ok || response.body === null) throw await readError(response);
  let failure: GatewayRequestError | null = null;
  const parser = createParser({
    onEvent(message) {
      if (failure !== null) return;
      const data: unknown = JSON.parse(message.data);
      switch (message.event) {
        case 'start':
          return onEvent({ type: 'start', data: batchStartEventSchema.parse(data) });
        case 'result':
          return onEvent({ type: 'result', data: governanceLogSchema.parse(data) });
        case 'comparison':
          return onEvent({ type: 'comparison', data: pairwiseComparisonSchema.parse(data) });
        case 'summary':
          return onEvent({ type: 'summary', data: batchSummaryEventSchema.parse(data) });
        case 'error': {
          const envelope = envelopeSchema.parse(data);
          failure = new GatewayRequestError(envelope.error.message, envelope.error.code ?? null, null);
          return;
        }
      }
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
  if (failure !== null) throw failure;
}

async function readError(response: Response): Promise<GatewayRequestError> {
  const text = await response.text();
  const parsed = envelopeSchema.safeParse(parseJsonOrNull(text));
  return parsed.success
    ? new GatewayRequestError(parsed.data.error.message, parsed.data.error.code ?? null, response.status)
    : new GatewayRequestError(`HTTP ${response.status}: ${text.slice(0, 200)}`, null, response.status);
}

function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null; // not JSON (a proxy's error page): reported by status and body text
  }
}
