import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseAnthropicError } from './map-anthropic-error.js';

const fixtures = new URL('../../../fixtures/providers/anthropic/', import.meta.url);

function readErrorBody(name: string): unknown {
  return parse(readFileSync(new URL(name, fixtures), 'utf8')).interactions[0].response.parsed_body;
}

describe('parseAnthropicError', () => {
  it('reads a 404 not_found_error (test_anthropic_count_tokens_error.yaml)', () => {
    expect(parseAnthropicError(readErrorBody('test_anthropic_count_tokens_error.yaml'))).toEqual({
      message: 'model: claude-does-not-exist',
      type: 'not_found_error',
      code: null,
      param: null,
    });
  });

  it('reads a 400 invalid_request_error (test_anthropic_explicit_effort_xhigh_unsupported_model_errors.yaml)', () => {
    expect(parseAnthropicError(readErrorBody('test_anthropic_explicit_effort_xhigh_unsupported_model_errors.yaml'))).toEqual({
      message: "This model does not support effort level 'xhigh'. Supported levels: high, low, max, medium.",
      type: 'invalid_request_error',
      code: null,
      param: null,
    });
  });

  it('reads an overloaded_error body (as quoted in anthropics/claude-code#35792)', () => {
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_011' };
    expect(parseAnthropicError(body)?.type).toBe('overloaded_error');
  });

  it('returns null for bodies in other shapes', () => {
    expect(parseAnthropicError({ error: 'text' })).toBeNull();
    expect(parseAnthropicError('<html>Bad gateway</html>')).toBeNull();
  });
});
