// Usage per user and per model for today, 7 days or 30 days, from the chat database: answers, tokens in and out,
// and the average speed of generation; answers without counts (older than the counts, or stopped early) are
// shown as such, never as zero. The same table downloads as CSV.
import { useCallback, useEffect, useState } from 'react';
import type { UsagePeriod, UsageResponse } from '../../../src/api.ts';
import { api, usageUrl } from '../api.ts';

const PERIODS: { value: UsagePeriod; label: string }[] = [
  { value: 'today', label: 'Today' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
];

const whole = (n: number) => n.toLocaleString();

export function UsageSection() {
  const [period, setPeriod] = useState<UsagePeriod>('today');
  const [usage, setUsage] = useState<UsageResponse | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const load = useCallback(async (p: UsagePeriod) => {
    try {
      setUsage(await api.usage(p));
      setProblem(null);
    } catch (e) {
      setProblem((e as Error).message);
    }
  }, []);

  // New answers keep arriving: read again now and then, as the charts do.
  useEffect(() => {
    void load(period);
    const t = setInterval(() => void load(period), 15_000);
    return () => clearInterval(t);
  }, [period, load]);

  const rows = usage?.rows ?? [];
  return (
    <section aria-labelledby="usage-heading">
      <div className="usage-head">
        <h2 id="usage-heading">Usage</h2>
        <fieldset className="segmented">
          <legend className="visually-hidden">Period</legend>
          {PERIODS.map((p) => (
            <label key={p.value}>
              <input
                type="radio"
                name="usage-period"
                value={p.value}
                checked={period === p.value}
                onChange={() => setPeriod(p.value)}
              />
              {p.label}
            </label>
          ))}
        </fieldset>
        <button type="button" className="secondary small" onClick={() => void load(period)}>
          Refresh
        </button>
        <a className="secondary small button-link" href={usageUrl('/api/usage.csv', period)} download>
          Download CSV
        </a>
      </div>
      {problem && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      {usage && rows.length === 0 && <p className="muted">No answers in this period.</p>}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table aria-labelledby="usage-heading">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Model</th>
                <th scope="col">Answers</th>
                <th scope="col">Tokens in</th>
                <th scope="col">Tokens out</th>
                <th scope="col">Average speed</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.user}\n${r.model}`}>
                  <th scope="row">{r.user ?? '(no account)'}</th>
                  <td>{r.model}</td>
                  <td>
                    {whole(r.answers)}
                    {r.unknownAnswers > 0 && (
                      <span className="muted"> ({whole(r.unknownAnswers)} without counts)</span>
                    )}
                  </td>
                  <td>{whole(r.promptTokens)}</td>
                  <td>{whole(r.outputTokens)}</td>
                  <td>
                    {r.tokensPerSecond === null ? 'unknown' : `${r.tokensPerSecond.toFixed(1)} tokens/s`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
