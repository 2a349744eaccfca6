import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../shared/upstream-error.js';
import { findUnrecognizedParameters, parseAzureError } from './map-azure-error.js';

// Bodies as Azure sends them, quoted in public issue threads (see fixtures/providers/README.md, "Gaps").
const contentFilterBody = {
  error: {
    message:
      "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify " +
      'your prompt and retry. To learn more about our content filtering policies please read our documentation: ' +
      'https://go.microsoft.com/fwlink/?linkid=2198766',
    type: null,
    param: 'prompt',
    code: 'content_filter',
    status: 400,
    innererror: {
      code: 'ResponsibleAIPolicyViolation',
      content_filter_result: {
        hate: { filtered: false, severity: 'safe' },
        self_harm: { filtered: false, severity: 'safe' },
        sexual: { filtered: true, severity: 'high' },
        violence: { filtered: true, severity: 'medium' },
      },
    },
  },
};

describe('parseAzureError', () => {
  it('keeps the content_filter code, adds an error type and names the filtered categories', () => {
    const details = parseAzureError(contentFilterBody);
    expect(details).toEqual({
      message: `${contentFilterBody.error.message} (content filter: sexual (high), violence (medium))`,
      type: 'invalid_request_error',
      code: 'content_filter',
      param: 'prompt',
    });
  });

  it('handles a content_filter rejection without innererror', () => {
    const { innererror: _innererror, ...error } = contentFilterBody.error;
    expect(parseAzureError({ error })).toMatchObject({ code: 'content_filter', message: error.message });
  });

  it("reads Azure's own error codes and its gateway's 401 shape", () => {
    const notFound = { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } };
    expect(parseAzureError(notFound)).toEqual({ message: notFound.error.message, type: null, code: 'DeploymentNotFound', param: null });
    const unauthorized = { statusCode: 401, message: 'Unauthorized. Access token is missing, invalid, audience is incorrect.' };
    expect(parseAzureError(unauthorized)).toMatchObject({ message: unauthorized.message, code: null });
    expect(parseAzureError('not an object')).toBeNull();
  });
});

describe('findUnrecognizedParameters', () => {
  const rejection = (message: string, status = 400) =>
    new UpstreamError('upstream_error', { provider: 'azure', upstreamStatus: status, message });

  it('finds the downgradable parameters an Azure 400 names', () => {
    expect(findUnrecognizedParameters(rejection('Unrecognized request argument supplied: max_completion_tokens'))).toEqual([
      'max_completion_tokens',
    ]);
    expect(findUnrecognizedParameters(rejection('Unrecognized request arguments supplied: stream_options, foo'))).toEqual([
      'stream_options',
    ]);
  });

  it('ignores other errors', () => {
    expect(findUnrecognizedParameters(rejection('Unrecognized request argument supplied: foo'))).toEqual([]);
    expect(findUnrecognizedParameters(rejection('Unrecognized request argument supplied: stream_options', 500))).toEqual([]);
    expect(findUnrecognizedParameters(new Error('Unrecognized request argument supplied: stream_options'))).toEqual([]);
  });
});
