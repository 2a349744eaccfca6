import type { ChatCompletionResponse } from '@arbiter/shared';
import {
  contentFilterCategorySchema,
  contentFilterErrorSchema,
  contentFilterResultsSchema,
  customBlocklistsSchema,
  promptFilterResultsSchema,
} from './azure-api.js';

/**
 * Names the categories that Azure's content filter acted on (`filtered: true`), as `category (severity)`,
 * `category (detected)` or `custom_blocklists (<id>)`. Categories that were only annotated are left out.
 */
export function describeTriggeredFilters(results: unknown): string[] {
  const parsed = contentFilterResultsSchema.safeParse(results);
  if (!parsed.success) return [];
  const triggered: string[] = [];
  for (const [category, value] of Object.entries(parsed.data)) {
    if (category === 'error') continue;
    if (category === 'custom_blocklists') {
      triggered.push(...describeBlocklists(value));
      continue;
    }
    const result = contentFilterCategorySchema.safeParse(value);
    if (!result.success || !result.data.filtered) continue;
    const detail = result.data.severity ?? (result.data.detected === true ? 'detected' : null);
    triggered.push(detail === null ? category : `${category} (${detail})`);
  }
  return triggered;
}

function describeBlocklists(value: unknown): string[] {
  const parsed = customBlocklistsSchema.safeParse(value);
  if (!parsed.success) return [];
  const hits = Array.isArray(parsed.data) ? parsed.data : (parsed.data.details ?? []);
  const named = hits.filter((hit) => hit.filtered).map((hit) => `custom_blocklists (${hit.id})`);
  if (named.length > 0) return named;
  return !Array.isArray(parsed.data) && parsed.data.filtered ? ['custom_blocklists'] : [];
}

/** The reason Azure gives when its filter could not run (`content_filter_results.error`), or null. */
function describeFilterError(results: unknown): string | null {
  const parsed = contentFilterResultsSchema.safeParse(results);
  if (!parsed.success || parsed.data.error === undefined) return null;
  const error = contentFilterErrorSchema.safeParse(parsed.data.error);
  if (!error.success) return 'unknown error';
  return error.data.message ?? error.data.code ?? 'unknown error';
}

/**
 * One compact warning per prompt or choice the content filter acted on, e.g.
 * `content filter triggered on choice 0: violence (medium)`. The full results stay in the body the client receives.
 */
export function buildContentFilterWarnings(body: ChatCompletionResponse): string[] {
  const warnings: string[] = [];
  const prompts = promptFilterResultsSchema.safeParse(body.prompt_filter_results);
  for (const [position, prompt] of (prompts.success ? prompts.data : []).entries()) {
    warnings.push(...describeTarget(`prompt ${prompt.prompt_index ?? position}`, prompt.content_filter_results, false));
  }
  for (const choice of body.choices) {
    const stopped = choice.finish_reason === 'content_filter';
    warnings.push(...describeTarget(`choice ${choice.index}`, choice.content_filter_results, stopped));
  }
  return warnings;
}

function describeTarget(target: string, results: unknown, stopped: boolean): string[] {
  const warnings: string[] = [];
  const triggered = describeTriggeredFilters(results);
  if (triggered.length > 0) warnings.push(`content filter triggered on ${target}: ${triggered.join(', ')}`);
  else if (stopped) warnings.push(`content filter stopped ${target} (no category reported)`);
  const error = describeFilterError(results);
  if (error !== null) warnings.push(`content filter did not run on ${target}: ${error}`);
  return warnings;
}
