/**
 * The naming of the seed projects: a model is `{host_platform, model_id}` (`aws_bedrock` / `openai` / `gcp_vertex`),
 * written `host_platform:model_id` on command lines, and records name providers `AWS` / `OPENAI` / `GOOGLE`.
 */
const providerByHostPlatform: Record<string, string> = {
  aws_bedrock: 'bedrock',
  bedrock: 'bedrock',
  openai: 'openai',
  gcp_vertex: 'vertex',
  vertex: 'vertex',
  google: 'gemini',
  gemini: 'gemini',
  azure_openai: 'azure',
  azure: 'azure',
  anthropic: 'anthropic',
};

const seedNameByKind: Record<string, string> = {
  bedrock: 'AWS',
  openai: 'OPENAI',
  vertex: 'GOOGLE',
  gemini: 'GOOGLE',
  azure: 'AZURE',
  anthropic: 'ANTHROPIC',
};

/** `{host_platform: 'aws_bedrock', model_id: 'anthropic.claude-3-haiku-20240307-v1:0'}` → `bedrock/anthropic.claude-…`. */
export function qualifyHostPlatformModel(hostPlatform: string, modelId: string): string | null {
  const provider = providerByHostPlatform[hostPlatform.toLowerCase()];
  return provider === undefined ? null : `${provider}/${modelId}`;
}

/** `aws_bedrock:anthropic.claude-3-haiku-20240307-v1:0` → `bedrock/anthropic.claude-…`; null when not that form. */
export function parseHostPlatformModel(requested: string): string | null {
  const colon = requested.indexOf(':');
  if (colon <= 0) return null;
  return qualifyHostPlatformModel(requested.slice(0, colon), requested.slice(colon + 1));
}

/** The provider name the seed's records use (`AWS`, `OPENAI`, `GOOGLE`, …); the provider kind upper-cased otherwise. */
export function seedProviderName(kind: string): string {
  return seedNameByKind[kind] ?? kind.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
