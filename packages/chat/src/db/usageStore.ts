// Usage per user and per model for the admins' status page: answers, tokens in and out and the speed of
// generation, from the counts the llm-manager reported with each answer (migration 0004). Plain Kysely, so the
// same query runs on SQLite and PostgreSQL; sums arrive as numbers or strings (PostgreSQL's bigint and numeric),
// so every one goes through Number().
import type { UsageRow } from '../api.ts';
import type { ChatDb } from './database.ts';

export class UsageStore {
  constructor(private readonly db: ChatDb) {}

  /** Every answer written since `since` (ms since the epoch), by user and model, sorted by user then model. */
  async since(since: number): Promise<UsageRow[]> {
    const rows = await this.db
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .leftJoin('users as u', 'u.id', 'c.user_id')
      .where('m.role', '=', 'assistant')
      // An answer being written has no counts yet: it joins the table when it ends.
      .where('m.status', '!=', 'streaming')
      .where('m.created_at', '>=', since)
      .select((eb) => [
        'u.name as user',
        'm.model as model',
        eb.fn.countAll().as('answers'),
        eb.fn.count('m.eval_count').as('counted'),
        eb.fn.sum('m.prompt_eval_count').as('prompt'),
        eb.fn.sum('m.eval_count').as('output'),
        eb.fn.sum('m.eval_duration').as('duration'),
      ])
      .groupBy(['u.name', 'm.model'])
      .execute();
    return rows
      .map((r): UsageRow => {
        const output = Number(r.output ?? 0);
        const seconds = Number(r.duration ?? 0) / 1e9;
        return {
          user: r.user,
          model: r.model ?? '',
          answers: Number(r.answers),
          unknownAnswers: Number(r.answers) - Number(r.counted),
          promptTokens: Number(r.prompt ?? 0),
          outputTokens: output,
          tokensPerSecond: seconds > 0 ? output / seconds : null,
        };
      })
      .sort((a, b) => (a.user ?? '').localeCompare(b.user ?? '') || a.model.localeCompare(b.model));
  }
}

const DAY_MS = 86_400_000;

/**
 * Where a period starts: today from midnight where the admin is (`tzOffsetMinutes` as the browser's
 * Date.getTimezoneOffset() gives it: UTC minus local time), the others as the last 7 or 30 times 24 hours.
 */
export function periodStart(period: 'today' | '7d' | '30d', now: number, tzOffsetMinutes = 0): number {
  if (period === '7d') return now - 7 * DAY_MS;
  if (period === '30d') return now - 30 * DAY_MS;
  const shift = tzOffsetMinutes * 60_000;
  return Math.floor((now - shift) / DAY_MS) * DAY_MS + shift;
}

/** A CSV cell: quoted where needed (RFC 4180), and never read as a formula by a spreadsheet. */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The usage table as CSV, one row per user and model, with a header row. */
export function usageCsv(rows: UsageRow[]): string {
  const header = [
    'user',
    'model',
    'answers',
    'answers_without_counts',
    'prompt_tokens',
    'output_tokens',
    'tokens_per_second',
  ];
  const lines = rows.map((r) =>
    [
      r.user ?? '(no account)',
      r.model,
      r.answers,
      r.unknownAnswers,
      r.promptTokens,
      r.outputTokens,
      r.tokensPerSecond === null ? null : Math.round(r.tokensPerSecond * 10) / 10,
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}
