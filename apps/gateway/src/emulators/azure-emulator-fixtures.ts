import { z } from 'zod';
import { cachePerDirectory, cleanHeaders, createFixtureReader, openAIUsageSchema, type OpenAIUsage } from './fixture-store.js';

/**
 * The recorded Azure OpenAI responses the Azure emulator serves (`fixtures/providers/azure-openai/`): a non-streaming
 * chat completion from a classic deployment URL and a model-router stream. Payload text of streamed events is kept
 * byte-exact, including Azure's leading prompt-filter event and per-choice `content_filter_results`.
 */

const completionSchema = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  model: z.string(),
  prompt_filter_results: z.array(z.unknown()),
  choices: z.array(
    z.looseObject({
      finish_reason: z.string().nullable(),
      message: z.looseObject({ role: z.string(), content: z.string().nullable() }),
      content_filter_results: z.record(z.string(), z.unknown()),
    }),
  ),
  usage: openAIUsageSchema,
});
export type AzureRecordedCompletion = z.infer<typeof completionSchema>;

const streamEventSchema = z.looseObject({
  object: z.string(),
  model: z.string(),
  choices: z.array(z.looseObject({ delta: z.looseObject({ content: z.string().nullish() }).optional() })),
  usage: openAIUsageSchema.nullish(),
});

export interface AzureFixtures {
  readonly completion: {
    readonly source: string;
    readonly body: AzureRecordedCompletion;
    /** Recorded response headers without transport headers (content-length, date, …). */
    readonly headers: Readonly<Record<string, string>>;
  };
  readonly stream: {
    readonly source: string;
    /** Every event payload except the trailing usage chunk: the prompt-filter event first, then the chunks. */
    readonly events: readonly string[];
    /** The `choices: []` + usage chunk, sent only with `stream_options.include_usage: true`. */
    readonly usageChunk: string;
    readonly usage: OpenAIUsage;
    readonly model: string;
    /** Concatenated `delta.content`: the text a client reassembles. */
    readonly text: string;
  };
}

/** Loads (once per directory) and validates the Azure recordings. Throws if one is missing or changed shape. */
export const loadAzureFixtures = cachePerDirectory((directory): AzureFixtures => {
  const { readText, readCassette } = createFixtureReader(directory);
  const completionSource = 'azure-openai/test_azure_provider_call.yaml';
  const interaction = readCassette(completionSource, 0);

  const streamSource = 'azure-openai/azure-model-router.1.chunks.txt';
  const payloads = readText(streamSource).split('\n').filter((line) => line.trim() !== '');
  const parsed = payloads.map((payload) => streamEventSchema.parse(JSON.parse(payload)));
  const last = parsed.at(-1);
  const usageChunk = payloads.at(-1);
  if (!last?.usage || usageChunk === undefined) throw new Error(`Fixture ${streamSource} does not end with usage`);
  const text = parsed.flatMap((event) => event.choices).map((choice) => choice.delta?.content ?? '').join('');

  return {
    completion: {
      source: completionSource,
      body: completionSchema.parse(interaction.response.parsed_body),
      headers: cleanHeaders(interaction.response.headers),
    },
    stream: { source: streamSource, events: payloads.slice(0, -1), usageChunk, usage: last.usage, model: last.model, text },
  };
});
