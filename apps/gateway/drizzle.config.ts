import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from src/db/schema.ts; the gateway applies them at start-up on
// PGlite and on PostgreSQL alike (drizzle's programmatic migrator).
export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/gateway/src/db/schema.ts',
  out: './apps/gateway/drizzle',
});
