import { chatCompletionResponseSchema, finishReasonSchema } from '@arbiter/shared';
import { z } from 'zod';

/**
 * Azure OpenAI's wire format where it differs from OpenAI's (only the fields we read). Bodies and chunks are otherwise
 * OpenAI's, plus content-filter annotations that are passed on to clients untouched.
 */

/** OpenAI's error envelope plus `innererror`, which carries the filter verdict of a content-filter rejection. */
export const azureErrorBodySchema = z.looseObject({
  error: z.looseObject({
    message: z.string().nullish(),
    type: z.string().nullish(),
    param: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
    innererror: z
      .looseObject({ code: z.string().nullish(), content_filter_result: z.unknown().optional() })
      .nullish(),
  }),
});
export type AzureErrorBody = z.infer<typeof azureErrorBodySchema>;

/** An error event inside a stream: the envelope above, or the loose `{"error": "text"}` some proxies send. */
export const azureStreamErrorSchema = z.looseObject({ error: z.union([z.string(), z.looseObject({})]) });

/** One category of a filter result: severity categories (hate, violence, …) or detection ones (jailbreak, …). */
export const contentFilterCategorySchema = z.looseObject({
  filtered: z.boolean(),
  severity: z.string().nullish(),
  detected: z.boolean().nullish(),
});

const blocklistResultSchema = z.looseObject({ filtered: z.boolean(), id: z.string() });

/** Older API versions send custom blocklist hits as an array, newer ones as `{filtered, details: […]}`. */
export const customBlocklistsSchema = z.union([
  z.array(blocklistResultSchema),
  z.looseObject({ filtered: z.boolean(), details: z.array(blocklistResultSchema).nullish() }),
]);

/** `content_filter_results` of a choice or prompt: category → result, or `error` when the filter did not run. */
export const contentFilterResultsSchema = z.record(z.string(), z.unknown());

export const contentFilterErrorSchema = z.looseObject({ code: z.string().nullish(), message: z.string().nullish() });

export const promptFilterResultsSchema = z.array(
  z.looseObject({ prompt_index: z.number().nullish(), content_filter_results: z.unknown().optional() }),
);

const choiceSchema = chatCompletionResponseSchema.shape.choices.element;

/**
 * A chat completion as Azure sends it: a choice stopped by the content filter may come without `content`
 * (`"message": {"role": "assistant"}`), which the OpenAI schema rejects.
 */
export const azureChatCompletionSchema = chatCompletionResponseSchema.extend({
  choices: z.array(
    choiceSchema.extend({ message: choiceSchema.shape.message.extend({ content: z.string().nullish() }) }),
  ),
});
export type AzureChatCompletion = z.infer<typeof azureChatCompletionSchema>;

/**
 * A stream event that is not a `chat.completion.chunk`: the prompt-filter results Azure sends first (empty `id`,
 * `model` and `object`, `choices: []`) and, with the asynchronous filter, annotation events on a choice.
 */
export const azureAnnotationEventSchema = z.looseObject({
  object: z.string().nullish(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().nullish(),
        finish_reason: finishReasonSchema.nullish(),
        content_filter_results: z.unknown().optional(),
      }),
    )
    .nullish(),
});
