import { parseArgs } from 'node:util';
import { startAnthropicEmulator } from './anthropic-emulator.js';
import { startOpenAIEmulator } from './openai-emulator.js';

/**
 * Starts both emulators for manual testing and prints their base URLs:
 * `node apps/gateway/dist/emulators/emulator-cli.js [--openai-port 4010] [--anthropic-port 4020] [--fast]`.
 */

const { values } = parseArgs({
  options: {
    'openai-port': { type: 'string', default: '0' },
    'anthropic-port': { type: 'string', default: '0' },
    fast: { type: 'boolean', default: false },
  },
});

const openai = await startOpenAIEmulator({ port: Number(values['openai-port']), fast: values.fast });
const anthropic = await startAnthropicEmulator({ port: Number(values['anthropic-port']), fast: values.fast });

console.log(`OpenAI emulator:    ${openai.url}  (Authorization: Bearer sk-emulator)`);
console.log(`Anthropic emulator: ${anthropic.url}  (x-api-key: sk-ant-emulator)`);
console.log('Faults per request: x-emulator-fault: {"kind":"status","status":429,"retryAfter":2}');

const shutdown = () => {
  Promise.all([openai.close(), anthropic.close()]).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('emulator shutdown failed', error);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
