import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gatewayConfigSchema, type GatewayConfig } from '@arbiter/shared';
import { parse as parseYaml } from 'yaml';

/** Reads and validates `arbiter.yaml` (or the file ARBITER_CONFIG names); a missing default file means defaults. */
export function loadGatewayConfig(configPath: string | undefined, cwd = process.cwd()): GatewayConfig {
  const path = resolve(cwd, configPath ?? 'arbiter.yaml');
  if (!existsSync(path)) {
    if (configPath !== undefined) throw new Error(`ARBITER_CONFIG names ${path}, which does not exist.`);
    return gatewayConfigSchema.parse({});
  }
  const raw: unknown = parseYaml(readFileSync(path, 'utf8')) ?? {};
  const result = gatewayConfigSchema.safeParse(raw);
  if (!result.success) {
    const details = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration in ${path}: ${details}`);
  }
  return result.data;
}
