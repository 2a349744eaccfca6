import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Benign technical text: what a developer pastes into a prompt (source code, type declarations, JSON and YAML config,
 * SQL migrations, shell scripts, Markdown docs with tables and fenced examples, logged JSON lines). Built at evaluation
 * time, deterministically, from files already in the checkout and licensed for reuse: this repository's gateway source
 * and migrations (Apache-2.0) and the published files of four MIT-licensed dependencies in node_modules (zod, fastify,
 * undici, pino). Files are read in sorted path order and cut into chunks of at most 4 KB at line boundaries; identical
 * chunks are kept once. The guardrails folder is left out: its source and tests quote attack prompts verbatim, so a
 * detector that flags them is right to.
 */
export interface TechnicalChunk {
  /** `repo`, or the package's name. */
  source: string;
  /** Path of the file the chunk was cut from, relative to the repository root. */
  path: string;
  text: string;
}

const chunkSize = 4096;
const packages = ['zod', 'fastify', 'undici', 'pino'] as const;
const extensions = ['.ts', '.js', '.mjs', '.json', '.md', '.yml', '.yaml', '.sh', '.sql'];
/** CommonJS twins of the ES module files (`.cjs`, `.d.cts`) and minified bundles would only repeat or blur the sources. */
const skipped = (name: string): boolean => name.endsWith('.min.js') || name === 'package-lock.json';

function listFiles(directory: string, exclude: (path: string) => boolean): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))) {
    const path = join(directory, entry.name);
    // Nested dependencies are other packages, under other licences.
    if (entry.name === 'node_modules' || exclude(path)) continue;
    if (entry.isDirectory()) files.push(...listFiles(path, exclude));
    else if (entry.isFile() && extensions.some((extension) => entry.name.endsWith(extension)) && !skipped(entry.name)) files.push(path);
  }
  return files;
}

/** Chunks of at most `chunkSize` characters ending at a line break; a longer line is cut at the limit. */
export function cutChunks(text: string, size = chunkSize): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      const lineEnd = text.lastIndexOf('\n', end - 1);
      if (lineEnd > start) end = lineEnd + 1;
    }
    const chunk = text.slice(start, end);
    if (chunk.trim().length > 0) chunks.push(chunk);
    start = end;
  }
  return chunks;
}

/** `repositoryRoot` is the checkout's top folder (holding apps/ and node_modules/). */
export function loadTechnicalText(repositoryRoot: string): TechnicalChunk[] {
  const sources: Array<{ source: string; directory: string; exclude: (path: string) => boolean }> = [
    { source: 'repo', directory: join(repositoryRoot, 'apps', 'gateway', 'src'), exclude: (path) => path.endsWith(join('src', 'guardrails')) },
    { source: 'repo', directory: join(repositoryRoot, 'apps', 'gateway', 'drizzle'), exclude: () => false },
    ...packages.map((name) => ({ source: name, directory: join(repositoryRoot, 'node_modules', name), exclude: () => false })),
  ];
  const seen = new Set<string>();
  const chunks: TechnicalChunk[] = [];
  for (const { source, directory, exclude } of sources) {
    for (const file of listFiles(directory, exclude)) {
      for (const text of cutChunks(readFileSync(file, 'utf8'))) {
        if (seen.has(text)) continue;
        seen.add(text);
        chunks.push({ source, path: relative(repositoryRoot, file), text });
      }
    }
  }
  return chunks;
}
