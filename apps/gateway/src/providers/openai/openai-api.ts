import { z } from 'zod';

/** OpenAI's error envelope (also used by Azure and most OpenAI-compatible servers). */
export const openAIErrorBodySchema = z.looseObject({
  error: z.looseObject({
    message: z.string().nullish(),
    type: z.string().nullish(),
    param: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});

/** Some OpenAI-compatible servers (Ollama, llama.cpp) answer errors as `{"error": "text"}` or `{"detail": …}`. */
export const looseErrorBodySchema = z.union([
  z.looseObject({ error: z.string() }),
  z.looseObject({ detail: z.union([z.string(), z.array(z.unknown())]) }),
  z.looseObject({ message: z.string() }),
]);
