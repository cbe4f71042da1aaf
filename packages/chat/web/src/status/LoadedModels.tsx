// The models loaded in the llm-manager now (its /api/ps, as the status poller last read it): where each runs,
// its bytes on the GPU and in system memory, its context and until when it stays loaded.
import type { LoadedModel } from '../../../src/api.ts';
import { formatBytes } from '../format.ts';

const until = (iso: string | null) =>
  iso === null ? 'kept loaded' : new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export function LoadedModels({ loaded }: { loaded: LoadedModel[] | null }) {
  return (
    <section aria-labelledby="loaded-heading">
      <h2 id="loaded-heading">Loaded models</h2>
      {loaded && loaded.length === 0 && <p className="muted">No model is loaded.</p>}
      {loaded && loaded.length > 0 && (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Where</th>
                <th scope="col">GPU</th>
                <th scope="col">CPU</th>
                <th scope="col">Context</th>
                <th scope="col">Until</th>
              </tr>
            </thead>
            <tbody>
              {loaded.map((m) => (
                <tr key={m.name}>
                  <th scope="row">{m.name}</th>
                  <td>{m.placement.text}</td>
                  <td>{formatBytes(m.gpuBytes)}</td>
                  <td>{formatBytes(m.cpuBytes)}</td>
                  <td>{m.contextLength === null ? '–' : `${m.contextLength.toLocaleString()} tokens`}</td>
                  <td>{until(m.expiresAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
