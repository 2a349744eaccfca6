import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { z } from 'zod';

/**
 * A real OpenID Connect issuer (oidc-provider) on 127.0.0.1, for the SSO tests: discovery, PKCE-required
 * authorization code flow, ID tokens, userinfo, with a minimal interaction handler in place of the login and consent
 * pages so `authorize` can play the browser.
 */

export interface OidcIssuerClient {
  clientId: string;
  /** Omitted: a public client (token_endpoint_auth_method none, PKCE only). */
  clientSecret?: string;
  redirectUris: string[];
}

export interface OidcIssuerAccount {
  email: string;
  emailVerified?: boolean;
  name?: string;
  groups?: string[];
}

export interface OidcIssuerOptions {
  clients: OidcIssuerClient[];
  accounts: Record<string, OidcIssuerAccount>;
  /**
   * Also put the scope claims (email, name, groups) in the ID token. By default, like oidc-provider and several real
   * issuers in the code flow, the ID token carries only `sub` and the profile comes from userinfo.
   */
  claimsInIdToken?: boolean;
}

export interface AuthorizeOptions {
  /** `deny` makes the user refuse: the issuer redirects back with `error=access_denied`. */
  decision?: 'allow' | 'deny';
}

export interface OidcIssuer {
  /** `http://127.0.0.1:<port>` */
  issuer: string;
  /**
   * Drives the browser part without a browser: follows the authorization URL through the issuer's login and consent
   * interactions as `accountId` (fresh cookies each call, like a private window) and returns the final redirect to the
   * client's redirect_uri, with code and state, without calling it.
   */
  authorize(authorizationUrl: string, accountId: string, options?: AuthorizeOptions): Promise<URL>;
  /**
   * Re-signs the ID tokens of later token responses with the issuer's own key after merging these claims, to test the
   * client's audience, nonce and issuer checks with tokens only the claims tell apart; null stops it.
   */
  rewriteIdTokens(claims: Record<string, unknown> | null): void;
  close(): Promise<void>;
}

/** The parts of oidc-provider used here: it ships no type declarations and @types/oidc-provider is not installed. */
interface OidcProviderModule {
  default: new (issuer: string, configuration: object) => OidcProvider;
}

interface OidcProvider {
  callback(): RequestListener;
  use(middleware: (context: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  interactionDetails(request: IncomingMessage, response: ServerResponse): Promise<unknown>;
  interactionFinished(request: IncomingMessage, response: ServerResponse, result: object, options: { mergeWithLastSubmission: boolean }): Promise<void>;
  Grant: {
    new (properties: { accountId: string; clientId: string }): OidcGrant;
    find(id: string): Promise<OidcGrant | undefined>;
  };
}

interface OidcGrant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
}

interface KoaContext {
  path: string;
  body: unknown;
}

const interactionDetailsSchema = z.object({
  prompt: z.object({
    name: z.string(),
    details: z.object({
      missingOIDCScope: z.array(z.string()).optional(),
      missingOIDCClaims: z.array(z.string()).optional(),
      missingResourceScopes: z.record(z.string(), z.array(z.string())).optional(),
    }),
  }),
  params: z.object({ client_id: z.string() }),
  session: z.object({ accountId: z.string() }).optional(),
  grantId: z.string().optional(),
});

const tokenResponseSchema = z.looseObject({ id_token: z.string() });

const interactionPath = /^\/interaction\/([\w-]+)$/;
const signingKeyId = 'test-signing-key';

export async function startOidcIssuer(options: OidcIssuerOptions): Promise<OidcIssuer> {
  // A non-literal specifier keeps TypeScript from typing the untyped module as `any`; the interface above says what we use.
  const moduleName: string = 'oidc-provider';
  const { default: Provider } = (await import(moduleName)) as OidcProviderModule;

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: signingKeyId, alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      ...(client.clientSecret === undefined ? { token_endpoint_auth_method: 'none' } : { client_secret: client.clientSecret }),
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    conformIdTokenClaims: options.claimsInIdToken !== true,
    findAccount: (_context: unknown, accountId: string) => {
      const account = options.accounts[accountId];
      if (account === undefined) return undefined;
      return {
        accountId,
        claims: () => ({
          sub: accountId,
          email: account.email,
          email_verified: account.emailVerified ?? true,
          ...(account.name === undefined ? {} : { name: account.name }),
          ...(account.groups === undefined ? {} : { groups: account.groups }),
        }),
      };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_context: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [signingKey] },
    // Explicit lifetimes: oidc-provider logs a notice for each default it falls back to.
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    adapter: createMemoryAdapter(),
  });

  let idTokenRewrite: Record<string, unknown> | null = null;
  provider.use(async (context, next) => {
    await next();
    const body = tokenResponseSchema.safeParse(context.body);
    if (idTokenRewrite === null || context.path !== '/token' || !body.success) return;
    context.body = { ...body.data, id_token: await resignIdToken(body.data.id_token, idTokenRewrite, privateKey) };
  });

  const handleProvider = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', issuer).pathname;
    if (request.method === 'POST' && interactionPath.test(path)) {
      handleInteraction(provider, options.accounts, request, response).catch((error: unknown) => {
        if (response.headersSent) response.destroy(error instanceof Error ? error : undefined);
        else response.writeHead(500, { 'content-type': 'text/plain' }).end(`interaction failed: ${String(error)}`);
      });
      return;
    }
    handleProvider(request, response);
  });

  return {
    issuer,
    authorize: (authorizationUrl, accountId, authorizeOptions = {}) =>
      followAuthorization(issuer, authorizationUrl, accountId, authorizeOptions.decision ?? 'allow'),
    rewriteIdTokens: (claims) => {
      idTokenRewrite = claims;
    },
    close: async () => {
      const closed = new Promise<void>((resolve, reject) => server.close((error) => (error === undefined ? resolve() : reject(error))));
      // fetch keeps connections alive; without this close() waits for them to time out.
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The login and consent pages, reduced to one form post: `account` signs in, `decision` grants or denies. */
async function handleInteraction(
  provider: OidcProvider,
  accounts: Record<string, OidcIssuerAccount>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const form = new URLSearchParams(await readBody(request));
  const details = interactionDetailsSchema.parse(await provider.interactionDetails(request, response));
  if (form.get('decision') === 'deny') {
    const denial = { error: 'access_denied', error_description: 'The user refused the sign-in.' };
    await provider.interactionFinished(request, response, denial, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'login') {
    const accountId = form.get('account') ?? '';
    if (!Object.hasOwn(accounts, accountId)) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end(`unknown account "${accountId}"`);
      return;
    }
    await provider.interactionFinished(request, response, { login: { accountId } }, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name !== 'consent' || details.session === undefined) throw new Error(`unexpected prompt ${details.prompt.name}`);
  const grant =
    (details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId)) ??
    new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope !== undefined) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims !== undefined) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  await provider.interactionFinished(request, response, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

async function followAuthorization(issuer: string, authorizationUrl: string, accountId: string, decision: 'allow' | 'deny'): Promise<URL> {
  const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri');
  if (redirectUri === null) throw new Error('The authorization URL has no redirect_uri.');
  const callback = new URL(redirectUri);
  const cookies = new Map<string, string>();
  let next: { url: URL; form: URLSearchParams | null } = { url: new URL(authorizationUrl), form: null };
  for (let hop = 0; hop < 12; hop += 1) {
    if (next.url.origin !== issuer) throw new Error(`The issuer redirected to ${next.url.href}, outside itself.`);
    const response = await fetch(next.url, {
      method: next.form === null ? 'GET' : 'POST',
      body: next.form,
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    storeCookies(cookies, response.headers.getSetCookie());
    const location = response.headers.get('location');
    const text = await response.text();
    if (location === null || response.status < 300 || response.status >= 400) {
      throw new Error(`${next.url.pathname} answered ${response.status} without a redirect: ${text.slice(0, 500)}`);
    }
    const target = new URL(location, next.url);
    if (target.origin === callback.origin && target.pathname === callback.pathname) return target;
    const isInteraction = interactionPath.test(target.pathname);
    next = { url: target, form: isInteraction ? new URLSearchParams({ account: accountId, decision }) : null };
  }
  throw new Error('The issuer redirected too many times.');
}

/** A cookie jar for one host: paths and flags are ignored, cleared and expired cookies are dropped. */
function storeCookies(cookies: Map<string, string>, setCookieHeaders: string[]): void {
  for (const header of setCookieHeaders) {
    const [pair = '', ...attributes] = header.split(';');
    const separator = pair.indexOf('=');
    if (separator <= 0) continue;
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key = '', attributeValue = ''] = attribute.split('=').map((part) => part.trim());
      if (key.toLowerCase() === 'max-age') return Number(attributeValue) <= 0;
      if (key.toLowerCase() === 'expires') return Date.parse(attributeValue) <= Date.now();
      return false;
    });
    if (expired || value === '') cookies.delete(name);
    else cookies.set(name, value);
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

async function resignIdToken(idToken: string, claims: Record<string, unknown>, privateKey: CryptoKey): Promise<string> {
  const header = decodeProtectedHeader(idToken);
  return new SignJWT({ ...decodeJwt(idToken), ...claims })
    .setProtectedHeader({ alg: header.alg ?? 'RS256', kid: header.kid ?? signingKeyId })
    .sign(privateKey);
}

interface StoredEntry {
  payload: Record<string, unknown>;
  expiresAt: number;
}

/**
 * oidc-provider's storage for this issuer only (its built-in one warns on every start). Consumed codes stay stored
 * so a replayed code is recognised and its grant revoked, as a real issuer does.
 */
function createMemoryAdapter(): (model: string) => object {
  const entries = new Map<string, StoredEntry>();
  const read = (key: string): Record<string, unknown> | undefined => {
    const entry = entries.get(key);
    if (entry === undefined || entry.expiresAt <= Date.now()) return undefined;
    return entry.payload;
  };
  const findWhere = (model: string, field: string, value: string) => {
    for (const [key] of entries) {
      const payload = key.startsWith(`${model}:`) ? read(key) : undefined;
      if (payload?.[field] === value) return payload;
    }
    return undefined;
  };
  return (model) => ({
    upsert: async (id: string, payload: Record<string, unknown>, expiresIn?: number) => {
      entries.set(`${model}:${id}`, { payload, expiresAt: expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000 });
    },
    find: async (id: string) => read(`${model}:${id}`),
    findByUid: async (uid: string) => findWhere(model, 'uid', uid),
    findByUserCode: async (userCode: string) => findWhere(model, 'userCode', userCode),
    consume: async (id: string) => {
      const payload = read(`${model}:${id}`);
      if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
    },
    destroy: async (id: string) => {
      entries.delete(`${model}:${id}`);
    },
    revokeByGrantId: async (grantId: string) => {
      for (const [key, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(key);
    },
  });
}
