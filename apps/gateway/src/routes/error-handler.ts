import { GatewayError } from '@arbiter/shared';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * Every error on every route becomes the OpenAI envelope with the right status. 5xx details stay in the log (with
 * the request id and cause chain); the client sees the table's message.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const gatewayError = toGatewayError(error);
    // Expected failures (upstream errors, shutting down, missing credentials) are in the usage record; only a failure
    // of the gateway itself is logged, with its cause chain.
    if (gatewayError.code === 'internal_error') request.log.error({ err: error, requestId: request.id }, 'request failed');
    const envelope = gatewayError.status >= 500 && gatewayError.code === 'internal_error'
      ? new GatewayError('internal_error').toEnvelope()
      : gatewayError.toEnvelope();
    void reply.status(gatewayError.status).headers(gatewayError.headers).send(envelope);
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError('not_found', { message: `No route for ${request.method} ${request.url.split('?')[0] ?? ''}.` });
    void reply.status(404).send(error.toEnvelope());
  });
}

/** Maps framework errors (body parsing, schema validation) onto the error table. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0];
    const param = issue === undefined ? null : formatParam(issue.instancePath);
    const where = error.validationContext === 'body' ? '' : ` in the ${error.validationContext ?? 'request'}`;
    return new GatewayError('invalid_request', {
      message: `Invalid value for '${param ?? 'body'}'${where}: ${issue?.message ?? 'invalid'}`,
      param,
      cause: error,
    });
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('body_too_large', { cause: error });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('invalid_json', { message: 'The request body is empty; a JSON object is required.', cause: error });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError('invalid_json', { cause: error });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', { message: 'The Content-Length header does not match the body.', cause: error });
  }
  if (error instanceof SyntaxError || (fastifyError.statusCode === 400 && /JSON/i.test(fastifyError.message ?? ''))) {
    return new GatewayError('invalid_json', { cause: error });
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new GatewayError('invalid_request', { message: fastifyError.message ?? 'The request is invalid.', status, cause: error });
  }
  return new GatewayError('internal_error', { cause: error });
}

/** `/messages/0/content` → `messages[0].content`, as OpenAI names parameters. */
function formatParam(instancePath: string): string | null {
  const segments = instancePath.split('/').filter((segment) => segment !== '');
  if (segments.length === 0) return null;
  return segments.reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path === '' ? segment : `${path}.${segment}`), '');
}
