/** The benchmark's fake OpenAI upstream, in its own process: the fast emulator, which serves precomputed bytes. */
import { startOpenAIEmulator } from '../emulators/openai-emulator.js';

const emulator = await startOpenAIEmulator({ fast: true, apiKey: 'sk-emulator' });
process.send?.({ url: emulator.url });
process.on('disconnect', () => {
  void emulator.close().finally(() => process.exit(0));
});
