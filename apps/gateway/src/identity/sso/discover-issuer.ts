import * as oidc from 'openid-client';
import { z } from 'zod';
import { SsoError } from './sso-error.js';
import type { SsoSettings } from './sso-settings.js';
import { describeOidcFailure, isNetworkFailure } from './translate-oidc-error.js';

export interface SsoRequestOptions {
  /**
   * Lets the issuer be plain http. The caller decides: only for a loopback issuer (see `isLoopbackIssuer`) or an
   * explicit config flag, because over http anyone on the path can forge the ID token's keys.
   */
  allowInsecure?: boolean;
  /** Seconds each request to the issuer may take (openid-client's default is 30, too long for a login page). */
  timeoutSeconds?: number;
  /** Defaults to one cache shared by the process. */
  cache?: DiscoveryCache;
}

/** What the issuer's discovery document says, reduced to what the gateway (and its admin UI) needs. */
export interface IssuerMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  userinfoEndpoint: string | null;
  jwksUri: string;
  scopesSupported: string[];
  codeChallengeMethodsSupported: string[];
  tokenEndpointAuthMethodsSupported: string[];
}

/** The fields a usable OIDC issuer must publish; openid-client itself checks only `issuer`. */
const requiredMetadataSchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  userinfo_endpoint: z.url().optional(),
  jwks_uri: z.url(),
  scopes_supported: z.array(z.string()).optional(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
  token_endpoint_auth_methods_supported: z.array(z.string()).optional(),
});

interface DiscoveredIssuer {
  serverMetadata: oidc.ServerMetadata;
  metadata: IssuerMetadata;
  /** The issuer's signing keys as last fetched, carried between logins so each callback does not refetch them. */
  jwksCache: oidc.ExportedJWKSCache | undefined;
}

interface CacheEntry {
  expiresAt: number;
  discovered: Promise<DiscoveredIssuer>;
}

export interface DiscoveryCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Discovery documents by issuer (the document does not depend on the client, so tenants sharing an issuer share an
 * entry). Concurrent logins share one in-flight request; failures are not cached, so a recovered issuer works at once.
 */
export class DiscoveryCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: DiscoveryCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#maxEntries = options.maxEntries ?? 500;
    this.#now = options.now ?? Date.now;
  }

  resolve(issuerUrl: string, options: SsoRequestOptions): Promise<DiscoveredIssuer> {
    const key = `${options.allowInsecure === true ? 'insecure' : 'tls'} ${issuerUrl}`;
    const now = this.#now();
    const cached = this.#entries.get(key);
    if (cached !== undefined && cached.expiresAt > now) return cached.discovered;
    this.#entries.delete(key);
    const discovered = fetchIssuer(issuerUrl, options);
    this.#entries.set(key, { expiresAt: now + this.#ttlMs, discovered });
    discovered.catch(() => {
      // Only the failed request's own entry is dropped; a newer one may already have replaced it.
      if (this.#entries.get(key)?.discovered === discovered) this.#entries.delete(key);
    });
    this.#evictOldest();
    return discovered;
  }

  clear(): void {
    this.#entries.clear();
  }

  #evictOldest(): void {
    // Maps iterate in insertion order, so the first keys are the oldest entries.
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) return;
      this.#entries.delete(key);
    }
  }
}

const sharedCache = new DiscoveryCache();

/** True for http issuers on this machine (tests, local development), the only ones that may skip TLS by default. */
export function isLoopbackIssuer(issuerUrl: string): boolean {
  const url = URL.parse(issuerUrl);
  if (url === null) return false;
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Fetches (or reuses) the issuer's discovery document at `<issuer>/.well-known/openid-configuration`. */
export async function discoverIssuer(issuerUrl: string, options: SsoRequestOptions = {}): Promise<IssuerMetadata> {
  const discovered = await (options.cache ?? sharedCache).resolve(issuerUrl, options);
  return discovered.metadata;
}

export interface ClientConfiguration {
  configuration: oidc.Configuration;
  metadata: IssuerMetadata;
  /** Keeps the issuer's keys fetched during this login for the next one. */
  rememberKeys(): void;
}

/** An openid-client configuration for one tenant's client at its (cached) issuer. */
export async function createClientConfiguration(settings: SsoSettings, options: SsoRequestOptions = {}): Promise<ClientConfiguration> {
  const discovered = await (options.cache ?? sharedCache).resolve(settings.issuer, options);
  const configuration = new oidc.Configuration(
    discovered.serverMetadata,
    settings.clientId,
    undefined,
    resolveClientAuthentication(settings.clientSecret, discovered.metadata),
  );
  if (options.allowInsecure === true) oidc.allowInsecureRequests(configuration);
  configuration.timeout = options.timeoutSeconds ?? defaultTimeoutSeconds;
  if (discovered.jwksCache !== undefined) oidc.setJwksCache(configuration, discovered.jwksCache);
  return {
    configuration,
    metadata: discovered.metadata,
    rememberKeys: () => {
      discovered.jwksCache = oidc.getJwksCache(configuration) ?? discovered.jwksCache;
    },
  };
}

const defaultTimeoutSeconds = 10;

/** A placeholder: discovery needs a client id, but the document it fetches is the same for every client. */
const discoveryClientId = 'arbiter-discovery';

async function fetchIssuer(issuerUrl: string, options: SsoRequestOptions): Promise<DiscoveredIssuer> {
  const server = URL.parse(issuerUrl);
  if (server === null) throw new SsoError('discovery_failed', { message: `The SSO issuer "${issuerUrl}" is not a URL.` });
  let discovered: oidc.Configuration;
  try {
    discovered = await oidc.discovery(server, discoveryClientId, undefined, undefined, {
      execute: options.allowInsecure === true ? [oidc.allowInsecureRequests] : [],
      timeout: options.timeoutSeconds ?? defaultTimeoutSeconds,
    });
  } catch (error) {
    throw new SsoError('discovery_failed', {
      message: `The SSO issuer ${server.origin} could not be discovered: ${describeOidcFailure(error)}`,
      issuerUnavailable: isNetworkFailure(error),
      cause: error,
    });
  }
  // Spreading drops the non-enumerable helper functions openid-client adds, which the Configuration cannot clone.
  const serverMetadata: oidc.ServerMetadata = { ...discovered.serverMetadata() };
  const parsed = requiredMetadataSchema.safeParse(serverMetadata);
  if (!parsed.success) {
    throw new SsoError('discovery_failed', {
      message: `The SSO issuer ${server.origin} publishes incomplete metadata: ${z.prettifyError(parsed.error)}`,
      cause: parsed.error,
    });
  }
  return { serverMetadata, metadata: toIssuerMetadata(parsed.data), jwksCache: undefined };
}

function toIssuerMetadata(document: z.infer<typeof requiredMetadataSchema>): IssuerMetadata {
  return {
    issuer: document.issuer,
    authorizationEndpoint: document.authorization_endpoint,
    tokenEndpoint: document.token_endpoint,
    userinfoEndpoint: document.userinfo_endpoint ?? null,
    jwksUri: document.jwks_uri,
    scopesSupported: document.scopes_supported ?? [],
    codeChallengeMethodsSupported: document.code_challenge_methods_supported ?? [],
    tokenEndpointAuthMethodsSupported: document.token_endpoint_auth_methods_supported ?? [],
  };
}

/**
 * A secret goes in the Basic header, the OIDC default when the issuer lists no methods; only an issuer that lists
 * `client_secret_post` without `client_secret_basic` gets it in the form body.
 */
function resolveClientAuthentication(clientSecret: string | null, metadata: IssuerMetadata): oidc.ClientAuth {
  if (clientSecret === null) return oidc.None();
  const supported = metadata.tokenEndpointAuthMethodsSupported;
  if (supported.includes('client_secret_post') && !supported.includes('client_secret_basic')) return oidc.ClientSecretPost(clientSecret);
  return oidc.ClientSecretBasic(clientSecret);
}
