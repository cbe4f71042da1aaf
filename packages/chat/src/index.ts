// Public API of @ownchat/chat: the chatbot server and its settings.
export { type ChatConfig, describeChatSettings, readChatConfig } from './config.ts';
export { type CopiedCounts, MigrateDbError, migrateDb } from './db/migrateDb.ts';
export { type RunningChat, startChat } from './server/start.ts';
export { buildWeb, webBuilt, webStale } from './server/webAssets.ts';
