// The admins' status page: live readings of the llm-manager (the status poller's history) and usage per user and
// model from the chat database, as JSON and as a CSV download. Admins only.
import type { FastifyInstance } from 'fastify';
import type { StatusResponse, UsagePeriod, UsageResponse } from '../../api.ts';
import { periodStart, usageCsv } from '../../db/usageStore.ts';
import type { ChatContext } from '../context.ts';

type UsageQuery = { period?: UsagePeriod; tz?: number };

const usageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    period: { type: 'string', enum: ['today', '7d', '30d'] },
    // The browser's Date.getTimezoneOffset(): where "today" starts for the admin asking.
    tz: { type: 'integer', minimum: -840, maximum: 840 },
  },
} as const;

export function statusRoutes(app: FastifyInstance, ctx: ChatContext): void {
  app.get<{ Querystring: { since?: number } }>(
    '/api/status',
    {
      config: { access: 'admin' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          // The page asks for the readings after the last one it has.
          properties: { since: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (req): Promise<StatusResponse> => ({
      ...ctx.status.snapshot(req.query.since),
      upstream: ctx.upstream.url,
    }),
  );

  const usage = async (q: UsageQuery): Promise<UsageResponse> => {
    const period = q.period ?? 'today';
    const since = periodStart(period, Date.now(), q.tz);
    return { period, since, rows: await ctx.usage.since(since) };
  };

  app.get<{ Querystring: UsageQuery }>(
    '/api/usage',
    { config: { access: 'admin' }, schema: { querystring: usageQuery } },
    async (req) => usage(req.query),
  );

  app.get<{ Querystring: UsageQuery }>(
    '/api/usage.csv',
    { config: { access: 'admin' }, schema: { querystring: usageQuery } },
    async (req, reply) => {
      const u = await usage(req.query);
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="ownchat-usage-${u.period}-${day}.csv"`)
        .send(usageCsv(u.rows));
    },
  );
}
