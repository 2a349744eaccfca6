// PLACEHOLDER — being replaced by the Anthropic adapter implementation.
import { GatewayError } from '@arbiter/shared';
import type { HttpClient } from '../shared/http-client.js';
import type { ChatCall, ChatResult, ChatStream, ProviderAdapter } from '../shared/provider-adapter.js';

export interface AnthropicAdapterOptions {
  id: string;
  /** Base URL without the version path, e.g. `https://api.anthropic.com`. */
  baseUrl: string;
  apiKey: string | undefined;
  apiKeyVariable: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  http: HttpClient;
}

export class AnthropicAdapter implements ProviderAdapter {
  readonly specificationVersion = 'v1';
  readonly kind = 'anthropic';
  readonly id: string;
  constructor(private readonly options: AnthropicAdapterOptions) {
    this.id = options.id;
  }
  missingCredential(): string | null {
    return this.options.apiKey === undefined ? this.options.apiKeyVariable : null;
  }
  async createChatCompletion(_call: ChatCall): Promise<ChatResult> {
    throw new GatewayError('internal_error', { message: 'not implemented' });
  }
  async streamChatCompletion(_call: ChatCall): Promise<ChatStream> {
    throw new GatewayError('internal_error', { message: 'not implemented' });
  }
}
