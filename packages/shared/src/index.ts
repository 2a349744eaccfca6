export * from './errors.js';
export * from './openai-chat.js';
export * from './usage.js';
export * from './gateway-config.js';
export * from './governance.js';
export * from './admin.js';
