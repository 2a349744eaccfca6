import { z } from 'zod';

/**
 * Process settings. This is the only module that reads `process.env`; everything else receives the frozen result.
 * Each key says why it exists.
 */
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

export const envSchema = z.object({
  /** Where the gateway listens. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  /** Embedded PostgreSQL (PGlite) data directory, used when DATABASE_URL is not set. */
  ARBITER_DATA_DIR: z.string().default('./.arbiter'),
  /** A real PostgreSQL 15+ (with pgvector) for deployments with several replicas. */
  DATABASE_URL: optionalString,
  /** Redis for limits and caches shared across replicas; the embedded default keeps them in memory. */
  REDIS_URL: optionalString,
  /** Prefix of every Redis key and channel, so that several deployments (or test runs) can share one Redis. */
  ARBITER_REDIS_PREFIX: z.string().default('arbiter:'),
  /** The platform super-admin key: creates tenants and acts in any tenant. Tenants' users and keys live in the database. */
  ARBITER_MASTER_KEY: optionalString,
  /** Whether anyone may sign up (creating their own tenant as its admin); off by default in regulated deployments. */
  ARBITER_OPEN_SIGNUP: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((value) => value === 'true' || value === '1'),
  /** Access tokens are short-lived (revocation of a user is immediate anyway; this bounds a leaked token). */
  ARBITER_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  /** Refresh tokens: how long a sign-in lasts without activity. */
  ARBITER_REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(30 * 24 * 3600),
  /** SSO issuers over plain http (only for local identity providers in development and tests). */
  ARBITER_SSO_ALLOW_HTTP: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((value) => value === 'true' || value === '1'),
  /** Sign-in attempts per client IP per minute (across accounts; each account also locks after 5 failures). */
  ARBITER_LOGIN_ATTEMPTS_PER_IP: z.coerce.number().int().positive().default(30),
  /** Requests per minute per client IP across every key (a flood guard in front of per-key limits); unset: none. */
  ARBITER_IP_RPM: z.coerce.number().int().positive().optional(),
  /** Seed 002's global monthly spend cap in USD across every tenant (a budget like any other: reserve, then settle). */
  MONTHLY_COST_LIMIT: optionalString.pipe(z.string().regex(/^\d{1,12}(\.\d{1,9})?$/, 'a USD amount such as 1000 or 25.50').optional()),
  /** The declarative configuration file; `arbiter.yaml` in the working directory is read when present. */
  ARBITER_CONFIG: optionalString,
  /** Largest request body accepted (bytes); larger bodies get 413 before any parsing. */
  ARBITER_MAX_BODY_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  /** On SIGTERM, in-flight requests (long streams included) get this long to finish before connections are cut. */
  ARBITER_SHUTDOWN_GRACE_MS: z.coerce.number().int().nonnegative().default(30_000),
  /** A file to write event-loop delay percentiles to at shutdown: how the benchmark shows nothing blocks the loop. */
  ARBITER_EVENT_LOOP_STATS: optionalString,
  /** pino log level; `silent` in tests. */
  ARBITER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Conventional provider credentials and endpoints, read under the names their own SDKs use. */
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString,
  /** AWS Bedrock: static credentials and region, as the AWS SDKs read them; the endpoint override is the SDK's too. */
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  AWS_SESSION_TOKEN: optionalString,
  AWS_REGION: optionalString,
  AWS_DEFAULT_REGION: optionalString,
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME: optionalString,
  /** Azure OpenAI: the resource endpoint registers the built-in `azure` provider; key or Entra token. */
  AZURE_OPENAI_ENDPOINT: optionalString,
  AZURE_OPENAI_API_KEY: optionalString,
  AZURE_OPENAI_API_VERSION: optionalString,
  AZURE_OPENAI_AD_TOKEN: optionalString,
  /** Google: the Gemini API key; Vertex AI service-account key file, project and location; endpoint overrides. */
  GOOGLE_API_KEY: optionalString,
  GOOGLE_APPLICATION_CREDENTIALS: optionalString,
  GOOGLE_CLOUD_PROJECT: optionalString,
  GOOGLE_CLOUD_LOCATION: optionalString,
  GOOGLE_GEMINI_BASE_URL: optionalString,
  GOOGLE_VERTEX_BASE_URL: optionalString,
});

export type Env = Readonly<z.infer<typeof envSchema>>;

/** Provider credentials keyed by variable name, so that config-declared providers can name their own variable. */
export type SecretLookup = (variableName: string) => string | undefined;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const details = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid environment: ${details}`);
  }
  return Object.freeze(result.data);
}

/** Reads one named variable (a provider key declared in arbiter.yaml as `api_key_env`). */
export function createSecretLookup(source: NodeJS.ProcessEnv = process.env): SecretLookup {
  const snapshot = Object.freeze({ ...source });
  return (variableName) => {
    const value = snapshot[variableName];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
}
