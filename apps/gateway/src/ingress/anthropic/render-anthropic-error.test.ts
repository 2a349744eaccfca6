import { GatewayError } from '@arbiter/shared';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../providers/shared/upstream-error.js';
import { messagesRequestSchema } from './anthropic-messages-api.js';
import { mapAnthropicErrorType, renderAnthropicError } from './render-anthropic-error.js';

describe('renderAnthropicError', () => {
  it('renders Anthropic’s shape with our param and code inside', () => {
    const error = new GatewayError('model_not_found', { message: "The model 'x' does not exist.", param: 'model' });
    expect(renderAnthropicError(error)).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: "The model 'x' does not exist.", param: 'model', code: 'model_not_found' },
    });
  });

  it('maps our codes to Anthropic’s types by status', () => {
    const type = (error: GatewayError) => mapAnthropicErrorType(error);
    expect(type(new GatewayError('invalid_request'))).toBe('invalid_request_error');
    expect(type(new GatewayError('invalid_json'))).toBe('invalid_request_error');
    expect(type(new GatewayError('missing_api_key'))).toBe('authentication_error');
    expect(type(new GatewayError('permission_denied'))).toBe('permission_error');
    expect(type(new GatewayError('body_too_large'))).toBe('request_too_large');
    expect(type(new GatewayError('rate_limited'))).toBe('rate_limit_error');
    expect(type(new GatewayError('upstream_timeout'))).toBe('timeout_error');
    expect(type(new GatewayError('provider_not_configured'))).toBe('api_error');
    expect(type(new UpstreamError('upstream_error', { provider: 'openai', upstreamStatus: 429, message: 'slow down', upstreamType: 'tokens' }))).toBe('rate_limit_error');
    expect(type(new UpstreamError('upstream_error', { provider: 'anthropic', upstreamStatus: 529, message: 'Overloaded' }))).toBe('overloaded_error');
    expect(type(new UpstreamError('upstream_error', { provider: 'anthropic', upstreamStatus: 500, message: 'boom' }))).toBe('api_error');
  });

  it('hides the details of the gateway’s own failures', () => {
    const error = new GatewayError('internal_error', { message: 'TypeError: x is undefined at line 3' });
    expect(renderAnthropicError(error).error).toEqual({
      type: 'api_error',
      message: 'The gateway failed to handle the request.',
      param: null,
      code: 'internal_error',
    });
  });
});

describe('messagesRequestSchema', () => {
  const base = { model: 'm', max_tokens: 10 };

  it('accepts block kinds and fields it does not know (for Anthropic pass-through) and keeps them', () => {
    const body = {
      ...base,
      messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: { q: 'x' } }] }],
      tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }],
      thinking: { type: 'between_tools' },
      context_management: { edits: [] },
    };
    expect(messagesRequestSchema.parse(body)).toEqual(body);
  });

  it('reports a malformed block of a known kind at its own field', () => {
    const result = messagesRequestSchema.safeParse({ ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['messages.0.content.0.text']);
  });

  it('requires max_tokens and at least one message', () => {
    const result = messagesRequestSchema.safeParse({ model: 'm', messages: [] });
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['max_tokens', 'messages']);
  });
});
