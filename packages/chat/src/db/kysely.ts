// Kysely's runtime, loaded as CommonJS. Through tsx's ESM loader (how ownchat runs from source) its ~280 modules
// cost the chatbot about 20 MB more memory than through require (measured: bench/chatMemory.bench.ts); the API
// and its types are the same either way.
import { createRequire } from 'node:module';
import type * as KyselyModule from 'kysely';

const kysely = createRequire(import.meta.url)('kysely') as typeof KyselyModule;

export const { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, sql } = kysely;
