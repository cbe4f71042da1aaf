// The admins' status page (/status): live charts of the llm-manager (tokens per second, requests running and
// waiting, time to first token, context in use), what is loaded where, pulls in progress, and usage per user and
// model. The charts have a table of the same numbers beside them for screen readers.
import type { SessionInfo, StatusSample } from '../../../src/api.ts';
import { PullProgressBar } from '../components/PullProgressBar.tsx';
import { formatBytes } from '../format.ts';
import { type ChartSeries, LiveChart } from './LiveChart.tsx';
import { LoadedModels } from './LoadedModels.tsx';
import { UsageSection } from './UsageSection.tsx';
import { useStatus } from './useStatus.ts';
import './status.css';

const rate = (v: number) => `${v >= 10 ? Math.round(v) : Number(v.toFixed(1))}`;
const seconds = (v: number) =>
  v === 0 ? '0' : v < 1 ? `${Math.round(v * 1000)} ms` : `${Number(v.toFixed(2))} s`;
const percent = (v: number) => `${v >= 10 || v === 0 ? Math.round(v) : Number(v.toFixed(1))}%`;
const count = (v: number) => `${Math.round(v * 10) / 10}`;
const clock = (t: number) =>
  new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Every model that appears in a per-model field of any reading, sorted. */
function modelsIn(samples: StatusSample[], field: 'tokensPerSecond' | 'ttftP50'): string[] {
  const names = new Set<string>();
  for (const s of samples) for (const m of Object.keys(s[field])) names.add(m);
  return [...names].sort();
}

/** A reading that failed has no value anywhere (a gap); one that worked and saw nothing of a model has 0. */
const perModel = (
  samples: StatusSample[],
  model: string,
  pick: (s: StatusSample) => Record<string, number>,
) => samples.map((s) => pick(s)[model] ?? (s.running === null ? null : 0));

const last = (values: (number | null)[]) => values.at(-1) ?? null;
/** A chart's latest values in words: its visible "now" line and part of its accessible name. */
const say = (series: ChartSeries[], format: (v: number) => string, unit = '', none = 'unknown') =>
  series.length === 0
    ? 'nothing yet'
    : series
        .map((s) => {
          const v = last(s.values);
          return `${s.label} ${v === null ? none : `${format(v)}${unit}`}`;
        })
        .join(', ');

export function StatusPage({ session }: { session: SessionInfo }) {
  const { status, problem } = useStatus();
  const samples = status?.samples ?? [];
  const times = samples.map((s) => s.t);
  const tokenModels = modelsIn(samples, 'tokensPerSecond');
  const ttftModels = modelsIn(samples, 'ttftP50');
  const tokens: ChartSeries[] = tokenModels.map((m) => ({
    label: m,
    values: perModel(samples, m, (s) => s.tokensPerSecond),
  }));
  const requests: ChartSeries[] = [
    { label: 'running', values: samples.map((s) => s.running) },
    { label: 'waiting', values: samples.map((s) => s.waiting) },
  ];
  // No answer started in the last minute: no time to first token (a gap, not zero).
  const ttft: ChartSeries[] = ttftModels.flatMap((m) => [
    { label: `${m} p50`, values: samples.map((s) => s.ttftP50[m] ?? null) },
    { label: `${m} p95`, values: samples.map((s) => s.ttftP95[m] ?? null) },
  ]);
  const context: ChartSeries[] = [
    {
      label: 'context in use',
      values: samples.map((s) => (s.kvCacheUsage === null ? null : s.kvCacheUsage * 100)),
    },
  ];
  const latest = samples.at(-1);
  const recent = samples.slice(-12).reverse();
  const downloading = latest?.pulledBytesPerSecond ?? 0;

  return (
    <div className="status-page">
      <header className="status-header">
        <a href="/" className="secondary small button-link">
          ← Chat
        </a>
        <h1>Status</h1>
        <p className="muted">
          llm-manager {status?.upstream ?? '…'}
          {status ? ` · read every ${status.intervalMs / 1000} s` : ''}
          {session.user?.name ? ` · ${session.user.name}` : ''}
        </p>
      </header>
      {problem && (
        <p className="notice error" role="alert">
          {problem}
        </p>
      )}
      {latest?.problem && (
        <p className="notice error" role="alert">
          {latest.problem}
        </p>
      )}

      <section aria-labelledby="live-heading">
        <h2 id="live-heading">Live</h2>
        <div className="charts">
          <LiveChart
            title="Tokens per second"
            times={times}
            series={tokens}
            format={rate}
            summary={say(tokens, rate, ' tokens/s')}
          />
          <LiveChart
            title="Requests running and waiting"
            times={times}
            series={requests}
            format={count}
            summary={say(requests, count)}
          />
          <LiveChart
            title="Time to first token"
            times={times}
            series={ttft}
            format={seconds}
            summary={say(ttft, seconds, '', 'none in the last minute')}
          />
          <LiveChart
            title="Context in use"
            times={times}
            series={context}
            format={percent}
            summary={say(context, percent)}
          />
        </div>
        <details className="readings">
          <summary>Table of the last readings</summary>
          <div className="table-scroll">
            <table>
              <caption>The last {recent.length} readings, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Running</th>
                  <th scope="col">Waiting</th>
                  <th scope="col">Context in use</th>
                  {tokenModels.map((m) => (
                    <th scope="col" key={`tps-${m}`}>
                      {m} tokens/s
                    </th>
                  ))}
                  {ttftModels.map((m) => (
                    <th scope="col" key={`ttft-${m}`}>
                      {m} first token p50 / p95
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {recent.map((s) => (
                  <tr key={s.t}>
                    <th scope="row">{clock(s.t)}</th>
                    <td>{s.running ?? '–'}</td>
                    <td>{s.waiting ?? '–'}</td>
                    <td>{s.kvCacheUsage === null ? '–' : percent(s.kvCacheUsage * 100)}</td>
                    {tokenModels.map((m) => (
                      <td key={`tps-${m}`}>{rate(s.tokensPerSecond[m] ?? 0)}</td>
                    ))}
                    {ttftModels.map((m) => (
                      <td key={`ttft-${m}`}>
                        {s.ttftP50[m] === undefined
                          ? '–'
                          : `${seconds(s.ttftP50[m]!)} / ${seconds(s.ttftP95[m] ?? s.ttftP50[m]!)}`}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>

      <LoadedModels loaded={status?.loaded ?? null} />

      <section aria-labelledby="pulls-heading">
        <h2 id="pulls-heading">Pulls in progress</h2>
        {status && status.pulls.length === 0 && (
          <p className="muted">
            None from this chatbot.
            {downloading > 0 ? ` The llm-manager is downloading ${formatBytes(downloading)}/s.` : ''}
          </p>
        )}
        {status?.pulls.map((p) => (
          <div key={`${p.model}-${p.startedAt}`} className="status-pull">
            <p>
              <strong>{p.model}</strong>
            </p>
            <PullProgressBar model={p.model} progress={p} />
          </div>
        ))}
      </section>

      <UsageSection />
    </div>
  );
}
