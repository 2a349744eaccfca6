import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { azureChatCompletionSchema } from './azure-api.js';
import { buildContentFilterWarnings, describeTriggeredFilters } from './describe-azure-content-filters.js';

const cassette = new URL('../../../fixtures/providers/azure-openai/test_azure_provider_call.yaml', import.meta.url);
const recorded = (parse(readFileSync(cassette, 'utf8')) as { interactions: { response: { parsed_body: unknown } }[] })
  .interactions[0]?.response.parsed_body;
const body = azureChatCompletionSchema.parse(recorded);

describe('describeTriggeredFilters', () => {
  it('names nothing when every category passed (recorded response)', () => {
    expect(describeTriggeredFilters(body.choices[0]?.content_filter_results)).toEqual([]);
    expect(buildContentFilterWarnings({ ...body, choices: body.choices.map((choice) => ({ ...choice, message: { ...choice.message, content: null } })) })).toEqual([]);
  });

  it('names severity and detection categories that were filtered, not those only annotated', () => {
    const results = {
      hate: { filtered: true, severity: 'high' },
      sexual: { filtered: false, severity: 'medium' },
      jailbreak: { filtered: true, detected: true },
      protected_material_code: { filtered: false, detected: true, citation: { URL: 'https://example.com' } },
      profanity: { filtered: true, detected: true },
    };
    expect(describeTriggeredFilters(results)).toEqual(['hate (high)', 'jailbreak (detected)', 'profanity (detected)']);
  });

  it('reads custom blocklists in both the array and the details shape', () => {
    expect(describeTriggeredFilters({ custom_blocklists: [{ filtered: true, id: 'names' }, { filtered: false, id: 'x' }] })).toEqual([
      'custom_blocklists (names)',
    ]);
    expect(describeTriggeredFilters({ custom_blocklists: { filtered: true, details: [{ filtered: true, id: 'words' }] } })).toEqual([
      'custom_blocklists (words)',
    ]);
    expect(describeTriggeredFilters({ custom_blocklists: { filtered: true } })).toEqual(['custom_blocklists']);
  });

  it('ignores shapes it does not know instead of failing', () => {
    expect(describeTriggeredFilters(null)).toEqual([]);
    expect(describeTriggeredFilters({ hate: 'yes', violence: { severity: 'high' } })).toEqual([]);
  });
});

describe('buildContentFilterWarnings', () => {
  const choice = { index: 0, message: { role: 'assistant' as const, content: null }, finish_reason: 'content_filter' as const };

  it('warns once per filtered prompt or choice', () => {
    const warnings = buildContentFilterWarnings({
      ...body,
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: { self_harm: { filtered: true, severity: 'low' } } }],
      choices: [{ ...choice, content_filter_results: { violence: { filtered: true, severity: 'medium' }, hate: { filtered: true, severity: 'high' } } }],
    });
    expect(warnings).toEqual([
      'content filter triggered on prompt 0: self_harm (low)',
      'content filter triggered on choice 0: violence (medium), hate (high)',
    ]);
  });

  it('warns about a content_filter finish reason that names no category, and about a filter that did not run', () => {
    const warnings = buildContentFilterWarnings({
      ...body,
      prompt_filter_results: undefined,
      choices: [
        choice,
        {
          ...choice,
          index: 1,
          finish_reason: 'stop',
          content_filter_results: { error: { code: 'content_filter_error', message: 'The contents are not filtered' } },
        },
      ],
    });
    expect(warnings).toEqual([
      'content filter stopped choice 0 (no category reported)',
      'content filter did not run on choice 1: The contents are not filtered',
    ]);
  });
});
