import type { GatewayError } from '@arbiter/shared';
import { buildUsageRow, type RequestContext } from '../usage/build-usage-row.js';
import type { PipelineServices } from './chat-completion.js';

/** The usage record of a request refused before the pipeline took it (invalid body, too large, shutting down). */
export function recordRejected(services: PipelineServices, context: RequestContext, body: unknown, error: GatewayError): void {
  const requestedModel =
    typeof body === 'object' && body !== null && 'model' in body && typeof body.model === 'string' ? body.model : null;
  services.recorder.record(
    buildUsageRow(
      context,
      {
        model: null,
        requestedModel,
        stream: typeof body === 'object' && body !== null && 'stream' in body && body.stream === true,
        status: 'error',
        httpStatus: error.status,
        error: { code: error.code, message: error.message },
        usage: null,
        estimated: false,
        cost: null,
        warnings: [],
      },
      performance.now(),
    ),
  );
}
