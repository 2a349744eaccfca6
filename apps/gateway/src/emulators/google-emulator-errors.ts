import { findStatusError, jsonResponse, type PreparedResponse } from './emulator-server.js';
import type { GoogleFixtures } from './google-fixtures.js';

/**
 * Google's error envelope (`google.rpc.Status` as JSON) for the emulator. Bodies that were not recorded follow the
 * shapes Google documents and that issue threads quote (API_KEY_INVALID with ErrorInfo + LocalizedMessage,
 * UNAUTHENTICATED with ErrorInfo); messages are Google's own wording.
 */

export type ErrorDetail = Record<string, unknown>;

const jsonHeaders = { 'content-type': 'application/json; charset=UTF-8', vary: 'Origin, X-Origin, Referer' };

/** Google pretty-prints its JSON bodies with two spaces. */
export function googleError(code: number, status: string, message: string, details?: ErrorDetail[]): PreparedResponse {
  const error = details === undefined ? { code, message, status } : { code, message, status, details };
  return jsonResponse(code, jsonHeaders, { error }, 2);
}

export function errorInfo(reason: string, service: string, metadata: Record<string, string> = {}): ErrorDetail {
  return { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata: { service, ...metadata } };
}

const statusNames: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  401: {
    status: 'UNAUTHENTICATED',
    message:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid ' +
      'authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  409: { status: 'ABORTED', message: 'The operation was aborted.' },
  499: { status: 'CANCELLED', message: 'The operation was cancelled.' },
  500: { status: 'INTERNAL', message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  504: { status: 'DEADLINE_EXCEEDED', message: 'Deadline expired before operation could complete.' },
};

/**
 * The body for an injected status fault. A 429 is the recorded RESOURCE_EXHAUSTED body; Google sends no Retry-After
 * header, so the fault's `retryAfter` goes into its RetryInfo `retryDelay`, where clients look for it.
 */
export function renderGoogleStatusFault(fixtures: GoogleFixtures, code: number, retryAfter: number | undefined): PreparedResponse {
  if (code === 429) {
    const recorded = fixtures.gemini.rateLimited.body.error;
    const details = (recorded.details ?? []).map((detail) =>
      detail['@type'] === 'type.googleapis.com/google.rpc.RetryInfo' && retryAfter !== undefined ? { ...detail, retryDelay: `${retryAfter}s` } : detail,
    );
    return googleError(429, recorded.status, recorded.message, details);
  }
  const known = findStatusError(statusNames, code);
  return googleError(code, known?.status ?? 'UNKNOWN', known?.message ?? 'Unknown error.');
}

/** The recorded 404 of an unknown Gemini model, naming the requested model, API version and method. */
export function geminiModelNotFound(fixtures: GoogleFixtures, model: string, version: string, method: string): PreparedResponse {
  const recorded = fixtures.gemini.modelNotFound.body.error;
  // The API names the embedding family after its base method, whichever batch or single call was made.
  const baseMethod = method === 'batchEmbedContents' ? 'embedContent' : method === 'streamGenerateContent' ? 'generateContent' : method;
  const message = recorded.message
    .replace('models/nonexistent-model', `models/${model}`)
    .replace('API version v1beta', `API version ${version}`)
    .replace('for countTokens', `for ${baseMethod}`);
  return googleError(recorded.code, recorded.status, message);
}

/** Vertex's 404 for a publisher model that does not exist (not recorded; Vertex's documented wording). */
export function vertexModelNotFound(project: string, location: string, model: string): PreparedResponse {
  const name = `projects/${project}/locations/${location}/publishers/google/models/${model}`;
  const message =
    `Publisher Model \`${name}\` was not found or your project does not have access to it. Please ensure you are ` +
    'using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions';
  return googleError(404, 'NOT_FOUND', message);
}
